"""Shared by the recorder's tests: a clean environment and the real program in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def clean_env(tmp_path: Path) -> dict[str, str]:
    """No key, no keyring, private config/state/log paths of the test's own."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("DIALNEXA_")}
    out.update(
        DIALNEXA_MONITOR_CONFIG=str(tmp_path / "config.toml"),
        DIALNEXA_MONITOR_STATE_DIR=str(tmp_path / "state"),
        DIALNEXA_MONITOR_LOG_DIR=str(tmp_path / "logs"),
        DIALNEXA_KEYRING="false",
        TZ="UTC",
    )
    return out


def run(*args: str, env: dict[str, str], timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
