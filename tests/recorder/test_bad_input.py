"""Bad recordings through the real program: not SQLite, another SQLite file, a newer schema,
truncated, locked, empty, missing: one sentence on stderr and exit 2, never a traceback; a
recording that cannot be written refuses to start the same way (issue 17)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from monitor.feeds import recording
from monitor.feeds.recording import RecordingFile
from tests.recorder.helpers import clean_env, run

T0 = 1_795_000_000.0


def make_bad(kind: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{kind}.sqlite"
    if kind == "not-sqlite":
        path.write_bytes(b"hello, not a database at all" * 100)
    elif kind == "other-sqlite":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE people (name TEXT)")
    elif kind == "newer":
        RecordingFile(path).close()
        with sqlite3.connect(path) as conn:
            conn.execute(f"PRAGMA user_version = {recording.SCHEMA + 1}")
    elif kind == "truncated":
        whole = tmp_path / "whole.sqlite"
        file = RecordingFile(whole)
        for i in range(300):
            file.write(T0 + i * 61, {"n": json.dumps(i), "pad": json.dumps("p" * 500 + str(i))})
        file.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        file.close()
        path.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    elif kind == "empty-recording":
        RecordingFile(path).close()
    return path  # "missing": never created


KINDS = ["not-sqlite", "other-sqlite", "newer", "truncated", "empty-recording", "missing"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", ["replay", "snapshot"])
def test_a_bad_recording_is_one_sentence_and_exit_2(
    tmp_path: Path, kind: str, command: str
) -> None:
    path = make_bad(kind, tmp_path)
    args = ("replay", str(path)) if command == "replay" else ("snapshot", "--from", str(path))
    done = run(*args, env=clean_env(tmp_path))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and str(path) in done.stderr
    assert done.stdout == ""


def test_a_locked_recording_is_said_to_be_locked(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    RecordingFile(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        done = run("snapshot", "--from", str(path), env=clean_env(tmp_path))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "locked" in done.stderr


def test_a_recording_that_cannot_be_written_stops_the_start(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    target = str(blocker / "r.sqlite")
    for args in (("--demo", "record", target, "--duration", "1"), ("--demo", "--record", target)):
        done = run(*args, env=clean_env(tmp_path))
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr and "recording" in done.stderr


def test_a_new_recording_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """It holds the numbers dialled: 0600 like the logs and CSV exports, its WAL too, under
    the usual umask (a recording was created 0644)."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = tmp_path / "rec" / "new.sqlite"
        file = RecordingFile(path)
        file.write(T0, {"n": json.dumps(1)})
        modes = {
            p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir() if p.is_file()
        }
        file.close()
    finally:
        os.umask(old)
    assert modes and all(mode == 0o600 for mode in modes.values()), modes
    assert "new.sqlite-wal" in modes, modes
