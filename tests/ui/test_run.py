"""`run_monitor`: exit codes and wiring, without drawing anything."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import pytest

from monitor import main as run_module
from monitor.config.secrets import KeyringResult
from monitor.ui.app import MonitorApp
from tests.ui.conftest import AppFactory


def _args(**kw: Any) -> argparse.Namespace:
    base: dict[str, Any] = {
        "base_url": None,
        "profile": None,
        "api_key_file": None,
        "demo": False,
        "scenario": "busy",
        "seed": 7,
        "speed": 1.0,
        "faults": "",
        "no_tick": False,
    }
    base.update(kw)
    return argparse.Namespace(**base)


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DIALNEXA_API_KEY", "DIALNEXA_API_KEY_FILE", "DIALNEXA_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config.toml"
    monkeypatch.setenv("DIALNEXA_MONITOR_CONFIG", str(config))
    monkeypatch.setenv("DIALNEXA_KEYRING", "false")
    return config


def test_no_key_prints_the_one_paragraph_and_exits_2(
    clean_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("monitor.config.load.keyring_lookup", lambda user: KeyringResult())
    assert run_module.run_monitor(_args()) == 2
    err = capsys.readouterr().err
    # The same paragraph as `snapshot` and `config check`: every way to give a key, and --demo.
    assert "No API key found." in err
    assert "DIALNEXA_API_KEY" in err and "--api-key-file" in err and "--demo" in err
    assert "Traceback" not in err


def test_a_bad_config_file_exits_2_and_says_how_to_run_without_it(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_env.write_text("poll = [not toml\n", encoding="utf-8")
    clean_env.chmod(0o600)
    assert run_module.run_monitor(_args()) == 2
    err = capsys.readouterr().err
    assert str(clean_env) in err
    assert "DIALNEXA_MONITOR_CONFIG=/dev/null dialnexa-monitor" in err
    assert "Traceback" not in err


def test_a_bad_config_file_does_not_stop_the_demo(
    clean_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_env.write_text("poll = [not toml\n", encoding="utf-8")
    clean_env.chmod(0o600)
    seen: dict[str, Any] = {}

    def fake_run(self: MonitorApp, *a: Any, **kw: Any) -> None:
        seen["notes"] = list(self._startup_notes)
        self._return_code = 0

    monkeypatch.setattr(MonitorApp, "run", fake_run)
    assert run_module.run_monitor(_args(demo=True)) == 0
    err = capsys.readouterr().err
    assert "--demo: the config file is ignored" in err and str(clean_env) in err
    assert seen["notes"] and "ignored" in seen["notes"][0]  # said on screen too


def test_reset_view_forgets_the_saved_view_before_the_app_starts(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.ui.state_file import UiState, ViewPrefs

    path = Path(os.environ["DIALNEXA_MONITOR_STATE_DIR"]) / "ui-state.json"
    UiState(path).set("dashboard.active", ViewPrefs(filter="win-back"))
    seen: dict[str, Any] = {}

    def fake_run(self: MonitorApp, *a: Any, **kw: Any) -> None:
        seen["saved"] = self.ui_state.saved()
        self._return_code = 0

    monkeypatch.setattr(MonitorApp, "run", fake_run)
    assert run_module.run_monitor(_args(demo=True, reset_view=True)) == 0
    assert seen["saved"] == {}
    assert UiState.load(path).saved() == {}


def test_demo_wires_the_simulator_with_its_cap_and_no_tick(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def fake_run(self: MonitorApp, *a: Any, **kw: Any) -> None:
        # The live feed, inside the wrapper that watches it for the events pane and alerts.
        engine = self.feed.inner.engine  # type: ignore[attr-defined]
        seen["cap"] = engine.settings.concurrency_cap
        seen["tick"] = self.tick_enabled
        seen["base_url"] = engine.client.base_url
        self._return_code = 0

    monkeypatch.setattr(MonitorApp, "run", fake_run)
    assert run_module.run_monitor(_args(demo=True, no_tick=True)) == 0
    assert seen == {"cap": 100, "tick": False, "base_url": "http://sim.local/v1"}


async def test_sigterm_and_sighup_exit_cleanly_with_128_plus_n(make_app: AppFactory) -> None:
    app, engine = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app._on_signal(15)
    assert app.return_code == 143
    assert engine.stopped
