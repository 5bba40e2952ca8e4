"""The key never travels on a command line (FAULTS S1) and never reaches a screen export (S12)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from monitor.cli import build_parser
from monitor.config import Settings
from tests.leakscan import assert_no_leak

CANARY = "dnx_live_CANARYq8Zr3Tn5Vb7Xm2Lp9Kd4Hw6"


@pytest.mark.parametrize("flag", ["--api-key", "--key", "--token", "--api_key"])
def test_no_flag_takes_the_keys_value(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([flag, CANARY], ["snapshot", flag, CANARY], ["config", flag, CANARY, "show"]):
        with pytest.raises(SystemExit) as info:
            build_parser().parse_args(argv)
        assert info.value.code == 2
    help_text = build_parser().format_help()
    assert "DIALNEXA_API_KEY" in help_text
    assert "key file" in help_text
    assert "stdin" in help_text


def test_the_running_process_command_line_holds_no_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALNEXA_")}
    env["DIALNEXA_API_KEY"] = CANARY
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "sim", "--port", "0", "--scenario", "small"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("http://127.0.0.1:")
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode(errors="replace")
        assert "sim" in cmdline
        assert_no_leak(cmdline, CANARY)
        ps = subprocess.run(
            ["ps", "-ww", "-o", "args=", "-p", str(proc.pid)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert_no_leak(ps.stdout, CANARY)
    finally:
        proc.terminate()
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
        out, err = proc.communicate(timeout=5)
        assert_no_leak(out + err, CANARY)


async def test_a_screen_export_of_the_running_monitor_holds_no_key(tmp_path: Path) -> None:
    from monitor.feeds import LiveFeed
    from monitor.ui.app import MonitorApp
    from tests.ui.fixtures import make_engine

    engine = make_engine()
    engine.settings = Settings(concurrency_cap=25, api_key=SecretStr(CANARY))
    app = MonitorApp(LiveFeed(engine))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        svg = app.export_screenshot()
        await pilot.press("question_mark")
        await pilot.pause()
        svg += app.export_screenshot()
    assert "Active&#160;calls" in svg
    assert_no_leak(svg, CANARY)
