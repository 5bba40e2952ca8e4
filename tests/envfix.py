"""Shared test environment: times in UTC, state, exports and logs in the test's own tmp dir."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def utc_and_private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times are shown in the host's zone: pin it (the fake clock's), so screens match on every
    machine; nothing the app writes leaves the test's tmp dir."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setenv("DIALNEXA_MONITOR_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("DIALNEXA_MONITOR_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield
    time.tzset()
