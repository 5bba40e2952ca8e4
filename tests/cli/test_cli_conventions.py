"""The command line as a new user met it (issue 20): `--version`, a closed pipe, usage errors,
`config show` with a broken file, `snapshot --format table`, and what `make demo` installs.
Each runs the real program in a subprocess, as a shell would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monitor import __version__
from monitor.cli import EXIT_PIPE, SCENARIOS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: no key, no keyring, a config file path of the test's own."""
    out = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DIALNEXA_") and k not in ("NO_COLOR",)
    }
    out.update(
        DIALNEXA_MONITOR_CONFIG=str(tmp_path / "config.toml"),
        DIALNEXA_MONITOR_STATE_DIR=str(tmp_path / "state"),
        DIALNEXA_MONITOR_LOG_DIR=str(tmp_path / "logs"),
        DIALNEXA_KEYRING="false",
        TZ="UTC",
    )
    return out


def run(
    *args: str, env: dict[str, str], stdout: int | None = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_version_is_printed_not_refused(env: dict[str, str]) -> None:
    done = run("--version", env=env)
    assert done.returncode == 0
    assert done.stdout.strip() == f"dialnexa-monitor {__version__}"


@pytest.mark.parametrize(
    "args",
    [
        ("config", "show"),
        ("config", "path"),
        ("snapshot", "--demo", "--scenario", "small", "--format", "table"),
    ],
    ids=["config-show", "config-path", "snapshot-table"],
)
def test_a_closed_pipe_ends_quietly_as_head_expects(
    env: dict[str, str], args: tuple[str, ...]
) -> None:
    # `... | head -2` with head already gone: every write meets a closed pipe.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = run(*args, env=env, stdout=write_end)
    finally:
        os.close(write_end)
    assert done.returncode == EXIT_PIPE == 141
    assert "Traceback" not in done.stderr
    assert "BrokenPipeError" not in done.stderr


@pytest.mark.parametrize(
    "args",
    [("snapshot", "--demo", "--scenario", "nope"), ("--demo", "--scenario", "nope")],
    ids=["snapshot", "monitor"],
)
def test_an_unknown_scenario_is_a_usage_error_with_status_2(
    env: dict[str, str], args: tuple[str, ...]
) -> None:
    done = run(*args, env=env)
    assert done.returncode == 2
    assert "invalid choice: 'nope'" in done.stderr
    assert "small" in done.stderr and "huge" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_scenario_choices_are_the_simulators() -> None:
    from monitor.sim.scenarios import SCENARIOS as SIMULATED

    assert tuple(SIMULATED) == SCENARIOS


BROKEN = """\
plann = "growth"
request_budget_per_min = "lots"
tick = 3
[poll]
active_calls = 5
"""


def test_config_show_names_every_problem_and_still_prints_the_paths(
    env: dict[str, str], tmp_path: Path
) -> None:
    config = Path(env["DIALNEXA_MONITOR_CONFIG"])
    config.write_text(BROKEN, encoding="utf-8")
    config.chmod(0o600)
    done = run("config", "show", env=env)
    assert done.returncode == 2
    err = done.stderr
    assert "4 problems in the configuration" in err or "3 problems in the configuration" in err
    assert "unknown setting 'plann'. Did you mean 'plan'?" in err
    assert "unknown setting 'active_calls' in [poll]" in err
    assert "request_budget_per_min" in err and "tick" in err  # the wrong values too
    assert "DIALNEXA_MONITOR_CONFIG=/dev/null" in err  # how to run without it meanwhile
    assert "Traceback" not in err
    assert done.stdout == ""  # an error: nothing on stdout; the files are on stderr
    out = err
    assert str(config) in out
    assert str(tmp_path / "logs" / "monitor.log") in out
    assert str(tmp_path / "state" / "ui-state.json") in out
    assert str(tmp_path / "state" / "exports") in out


@pytest.mark.parametrize("command", [("config", "show"), ("--demo",), ("snapshot", "--demo")])
def test_an_environment_error_is_not_blamed_on_the_config_file(
    env: dict[str, str], command: tuple[str, ...]
) -> None:
    """A wrong value in a variable is said as such; leaving the config file out
    (DIALNEXA_MONITOR_CONFIG=/dev/null) would not help, so it is not offered, and --demo does
    not say it ignored the file."""
    env = {**env, "DIALNEXA_POLL__ACTIVE_CALLS_S": "abc"}
    done = run(*command, env=env)
    assert done.returncode == 2
    assert "DIALNEXA_POLL__ACTIVE_CALLS_S" in done.stderr
    assert "/dev/null" not in done.stderr, done.stderr
    assert "config file is ignored" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_config_check_takes_the_common_flags_after_the_action(env: dict[str, str]) -> None:
    """`config check --base-url URL` as `snapshot --base-url URL`: not a usage error."""
    env = {**env, "DIALNEXA_API_KEY": "sk_test_abcdefgh12345678"}
    done = run("config", "check", "--base-url", "http://127.0.0.1:9/v1", env=env)
    assert "unrecognized arguments" not in done.stderr, done.stderr
    assert "127.0.0.1:9" in done.stdout + done.stderr
    assert done.returncode == 1  # the check's GET could not reach it


def test_config_show_prints_the_log_state_and_export_paths(
    env: dict[str, str], tmp_path: Path
) -> None:
    done = run("config", "show", env=env)
    assert done.returncode == 0
    lines = {
        line.split()[0] + " " + line.split()[1]: line
        for line in done.stdout.splitlines()
        if line.startswith("  ") and len(line.split()) > 2
    }
    assert str(tmp_path / "logs" / "monitor.log") in lines["log file"]
    assert str(tmp_path / "state" / "ui-state.json") in lines["view state"]
    assert str(tmp_path / "state" / "exports") in lines["CSV exports"]


def test_snapshot_table_shows_the_whole_dashboard_readably(env: dict[str, str]) -> None:
    done = run("snapshot", "--demo", "--scenario", "small", "--format", "table", env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert re.search(r"^Campaigns \(\d+\)$", out, re.M)
    assert "Appointment Reminders" in out  # names, not only ids
    header = next(line for line in out.splitlines() if line.startswith("campaign "))
    for column in ("status", "live", "max", "total", "done", "no answer", "connect"):
        assert column in header
    assert re.search(r"^Active calls \(\d+\)$", out, re.M)
    assert re.search(r"^Concurrency: \d+/\d+ in flight", out, re.M)
    assert re.search(r"^Retry wave: ≥?\d+ retries due in the next hour$", out, re.M)
    assert "?" not in out  # unknown is "–", explained once
    assert "– = unknown" in out


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_installs_only_what_the_monitor_needs(tmp_path: Path) -> None:
    def plan(target: str) -> str:
        done = subprocess.run(
            ["make", "-n", "-B", target],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    demo = plan("demo")
    assert "uv" in demo  # the fast installer where it serves ...
    assert "-e ." in demo and "[test]" not in demo  # ... and no test tools for the demo
    assert "-e '.[test]'" in plan("lint")  # make test (lint first) installs the test extra
