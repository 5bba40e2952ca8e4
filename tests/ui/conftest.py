"""UI test fixtures: host-independent time zone, private state dir, a fast app factory."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.ui.app import MonitorApp
from monitor.ui.state_file import UiState
from tests.ui.fixtures import FakeEngine, make_engine


@pytest.fixture(autouse=True)
def _utc_and_private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times are shown in the host's zone: pin it, so snapshots match on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setenv("DIALNEXA_MONITOR_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("DIALNEXA_MONITOR_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield
    time.tzset()


AppFactory = Callable[..., tuple[MonitorApp, FakeEngine]]


@pytest.fixture
def make_app(tmp_path: Path) -> AppFactory:
    """An app on a hand-built store, drawing new data at once (no 1 s coalescing wait)."""

    def factory(engine: FakeEngine | None = None, **kwargs: Any) -> tuple[MonitorApp, FakeEngine]:
        engine = engine or make_engine()
        kwargs.setdefault("ui_state", UiState.load(tmp_path / "state" / "ui-state.json"))
        kwargs.setdefault("min_render_interval_s", 0.0)
        app = MonitorApp(engine, **kwargs)
        return app, engine

    return factory


def environ_has_no_color() -> bool:
    return "NO_COLOR" in os.environ
