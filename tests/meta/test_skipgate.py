"""The skip gate: a skip the CI machine could have run fails the run; a listed one does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.shared import PROJECT_ROOT
from tests.skipgate import ALLOWED_SKIPS, allowed


def _run(tmp_path: Path, body: str, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(
        "from tests.skipgate import (pytest_configure, pytest_runtest_logreport,\n"
        "    pytest_sessionfinish, pytest_terminal_summary)\n"
    )
    (tmp_path / "test_probe.py").write_text("import pytest\n\n" + body)
    # Only the plugins named: the probe runs need neither asyncio nor snapshots (and start faster).
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_unlisted_skip_fails_the_run_and_is_named(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        "def test_ok():\n    pass\n\n"
        "def test_needs_a_file():\n    pytest.skip('the vendor file is not here')\n",
    )
    assert result.returncode == 1, result.stdout
    assert "skipped, and this machine could have run them" in result.stdout
    assert "test_probe.py::test_needs_a_file: the vendor file is not here" in result.stdout
    assert "1 passed, 1 skipped" in result.stdout


def test_a_listed_skip_and_a_strict_xfail_leave_the_run_green(tmp_path: Path) -> None:
    reason = next(iter(ALLOWED_SKIPS))
    result = _run(
        tmp_path,
        f"def test_root_only():\n    pytest.skip({reason!r})\n\n"
        "@pytest.mark.xfail(strict=True)\ndef test_known_bug():\n    assert False\n",
    )
    assert result.returncode == 0, result.stdout
    assert "1 skipped, 1 xfailed" in result.stdout
    assert "could have run" not in result.stdout


def test_a_failing_run_keeps_its_own_status(tmp_path: Path) -> None:
    result = _run(
        tmp_path, "def test_bad():\n    assert False\n\ndef test_s():\n    pytest.skip('x')\n"
    )
    assert result.returncode == 1
    assert "test_probe.py::test_s: x" in result.stdout


def test_skips_under_xdist_reach_the_controller(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        "def test_a():\n    pytest.skip('no reason the CI lacks')\n\ndef test_b():\n    pass\n",
        "-p",
        "xdist",
        "-n",
        "2",
    )
    assert result.returncode == 1, result.stdout
    assert "test_probe.py::test_a: no reason the CI lacks" in result.stdout


def test_allowed_matches_by_prefix_only() -> None:
    assert allowed("needs root to chown")
    assert allowed("this kernel does not drop SYNs to a full backlog (timed out)")
    assert not allowed("the vendor's OpenAPI is not here")
    assert not allowed("")
