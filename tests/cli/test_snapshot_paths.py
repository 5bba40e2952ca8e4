"""`snapshot`'s other paths as a user runs them (the new-user trial of 2026-12-04): a recording
with `--format table` prints the table, not JSON; no cap set means no word about exceeding
it; `--demo` leaves a broken config file out as the live monitor's `--demo` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.cli import main
from tests.recorder.helpers import clean_env, run
from tests.recorder.test_replay import record_instants

PAGING = "more calls in flight than the configured cap"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    out = clean_env(tmp_path)
    for name in [k for k in os.environ if k.startswith("DIALNEXA_")]:
        monkeypatch.delenv(name)
    for name, value in out.items():
        monkeypatch.setenv(name, value)
    return out


def test_snapshot_from_a_recording_in_table_format_prints_the_table(
    tmp_path: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rec.sqlite"
    last = record_instants(path)[-1]
    status = main(["snapshot", "--from", str(path), "--at", "-10s", "--format", "table"])
    out = capsys.readouterr().out
    assert status == 0
    assert not out.lstrip().startswith("{")
    assert f"DialNexa snapshot at {last.now.replace(microsecond=0):%Y-%m-%dT%H:%M:%S}Z" in out
    assert f"from {path}" in out
    assert f"Active calls ({len(last.data.active)})" in out
    assert all(row.id in out for row in last.data.active)
    assert f"Campaigns ({len(last.data.campaigns)})" in out
    assert all(c.name in out for c in last.data.campaigns if c.name)
    assert "Concurrency:" in out
    # JSON stays the default.
    assert main(["snapshot", "--from", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["data"]["active"]


@pytest.fixture
def served_busy(env: dict[str, str]) -> Iterator[str]:
    """`sim --scenario busy` on a free port: more calls in flight than one page holds."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "sim", "--port", "0", "--scenario", "busy"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(10)


def test_no_cap_set_no_word_of_exceeding_it_a_cap_exceeded_is_said(
    served_busy: str, tmp_path: Path, env: dict[str, str]
) -> None:
    env = {**env, "DIALNEXA_API_KEY": "demo"}
    done = run("snapshot", "--base-url", served_busy, env=env)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    assert report["concurrency"]["cap"] is None
    assert report["concurrency"]["in_flight"] >= 100  # a full page: the next one is read too
    assert PAGING not in done.stderr
    # With a cap set (here far below what is in flight) the warning is still given.
    Path(env["DIALNEXA_MONITOR_CONFIG"]).write_text("concurrency_cap = 10\n", encoding="utf-8")
    done = run("snapshot", "--base-url", served_busy, env=env)
    assert json.loads(done.stdout)["concurrency"]["cap"] == 10
    assert PAGING in done.stderr


def test_snapshot_demo_leaves_a_broken_config_file_out(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    Path(env["DIALNEXA_MONITOR_CONFIG"]).write_text("tick = [oops\n", encoding="utf-8")
    status = main(["snapshot", "--demo", "--scenario", "small"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert "--demo: the config file is ignored" in captured.err
    assert "not valid TOML" in captured.err
    assert report["campaigns"] and status == (1 if report["errors"] else 0)
    # Without --demo the broken file is still a configuration error: exit 2, nothing printed.
    assert main(["snapshot", "--base-url", "http://127.0.0.1:9/v1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "not valid TOML" in captured.err
