"""The Esc delay (issue 21): the monitor sets htop's 25 ms before Textual is imported, unless
the user chose one with ESCDELAY; Textual then reads that value. Subprocesses, because Textual
reads ESCDELAY once, at import."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = (
    "import sys, monitor.cli as cli\n"
    "assert 'textual' not in sys.modules, 'Textual imported before the delay was set'\n"
    "cli.tune_terminal_environment()\n"
    "import textual.constants as c\n"
    "print(c.ESCAPE_DELAY)\n"
)


@pytest.mark.parametrize(("given", "seconds"), [(None, 0.025), ("200", 0.2), ("10", 0.01)])
def test_textual_reads_the_monitors_esc_delay_unless_the_user_set_one(
    given: str | None, seconds: float
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ESCDELAY"}
    if given is not None:
        env["ESCDELAY"] = given
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) == seconds


def test_every_command_sets_it_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor import cli

    monkeypatch.delenv("ESCDELAY", raising=False)
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert os.environ["ESCDELAY"] == cli.ESCDELAY_MS == "25"
