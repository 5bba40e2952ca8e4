"""The real program in a subprocess: exit codes, and no key fragment in anything it prints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from monitor.config.secrets import child_environ
from tests.config.conftest import Workspace
from tests.leakscan import assert_no_leak

REPO = Path(__file__).resolve().parents[2]


def run_cli(ws: Workspace, *argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DIALNEXA")}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *argv],
        env={**base, **ws.env, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_check_against_a_closed_port_is_exit_1_without_leak(ws: Workspace, canary: str) -> None:
    proc = run_cli(
        ws,
        "config",
        "check",
        env={"DIALNEXA_API_KEY": canary, "DIALNEXA_BASE_URL": "http://127.0.0.1:9/v1"},
    )
    assert proc.returncode == 1, proc.stderr
    assert "check failed: unreachable" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert_no_leak(proc.stdout + proc.stderr, canary, allow_last4=True)


def test_shared_key_file_is_exit_2_with_the_chmod(ws: Workspace, canary: str) -> None:
    path = ws.write_key(canary, mode=0o640)
    proc = run_cli(ws, "config", "--api-key-file", str(path), "show", env={})
    assert proc.returncode == 2
    assert f"Run: chmod 600 {path}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert_no_leak(proc.stdout + proc.stderr, canary)


def test_child_environment_drops_the_key() -> None:
    env = child_environ({"DIALNEXA_API_KEY": "x", "DIALNEXA_API_KEY_FILE": "/k", "PATH": "/bin"})
    assert env == {"DIALNEXA_API_KEY_FILE": "/k", "PATH": "/bin"}


def test_textual_devtools_are_off_in_this_environment() -> None:
    # FAULTS S15: devtools listen on a local port other users of the host could take first.
    assert "devtools" not in os.environ.get("TEXTUAL", "")
