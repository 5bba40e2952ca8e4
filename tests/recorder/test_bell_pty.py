"""The bell on a real terminal: an alert that fires writes BEL (0x07) to the pty, outside
any escape sequence (an OSC may end in BEL too: those are taken out first); with
`bell = false` it writes none (issue 17)."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.recorder.helpers import ROOT, clean_env

OSC = re.compile(rb"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
WAIT_S = 25.0


def run_on_pty(env: dict[str, str], seconds: float) -> bytes:
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "monitor", "--demo"], env)
    out = bytearray()
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
            if b"\x07" in OSC.sub(b"", bytes(out)):
                break
    finally:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                break
        os.close(fd)
    return bytes(out)


@pytest.mark.parametrize("bell", [True, False])
def test_a_firing_alert_rings_the_terminal_bell_unless_turned_off(
    tmp_path: Path, bell: bool
) -> None:
    env = clean_env(tmp_path)
    env.update(TERM="xterm-256color")
    # The demo's busy world runs at its cap of 100 within seconds.
    Path(env["DIALNEXA_MONITOR_CONFIG"]).write_text(
        f'bell = {"true" if bell else "false"}\n[[alerts]]\nkind = "at_cap"\nfor = 0\n'
    )
    seen = run_on_pty(env, WAIT_S if bell else 12.0)
    rang = b"\x07" in OSC.sub(b"", seen)
    assert rang is bell, seen[-400:]
