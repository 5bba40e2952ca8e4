"""The flight recorder's file (issue 17): snapshots in SQLite as keyframes plus deltas.

A snapshot is a handful of top-level parts (the clock fields, `health`, `panes`, `data`,
`selection`, `focus`...), each a JSON text. A part that did not change since the last frame is
not written again: a frame holds only the parts that changed, and every `KEYFRAME_S` (or
`KEYFRAME_FRAMES`) one frame holds them all, so reading any instant costs one indexed lookup and
at most a keyframe interval of small frames. Bodies are zlib-compressed JSON objects whose values
are the parts' own JSON texts, written verbatim: a part read back is byte for byte what was
recorded, so the snapshot's JSON round trip stays exact.

The file: WAL (another process may read while this one writes), `PRAGMA user_version` as the
schema version (a newer file is refused, an older one migrated), incremental auto-vacuum so
pruning by age and size gives space back while running. Every way a file can be wrong ends as
a `RecordingError` whose message says what to do, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sqlite3
import struct
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from monitor.feeds.framecodec import decode, encode

SCHEMA = 2
"""The file's schema version (`PRAGMA user_version`). 2: frame bodies of `FRAME_V2` (frames
of schema 1 in a migrated file stay readable: the body says which it is)."""
KEYFRAME_S = 60.0
KEYFRAME_FRAMES = 120
APPLICATION_ID = 0x444E584D  # "DNXM": `file` and our reader can tell a recording from any SQLite

_CREATE = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS frames ("
    " id INTEGER PRIMARY KEY, at REAL NOT NULL, full INTEGER NOT NULL, body BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS frames_at ON frames (at)",
    "CREATE TABLE IF NOT EXISTS marks ("
    " id INTEGER PRIMARY KEY, at REAL NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS marks_at ON marks (at)",
)

MIGRATIONS: dict[int, tuple[str, ...]] = {1: ()}
"""From version N to N + 1: the statements that bring a file forward. 1 -> 2 needs none (the
tables are the same; old bodies stay as they are, new ones are `FRAME_V2`): the version moves
so that a monitor of schema 1 refuses a file it could not read. Each one is tested from a
file written at version N."""


class RecordingError(Exception):
    """A recording that cannot be used, said in words a person can act on."""


@dataclass(frozen=True, slots=True)
class Frame:
    at: float
    """Unix seconds of the recorded instant (the snapshot's `now`)."""
    parts: dict[str, str]
    """Part name to its JSON text: every part as of this instant."""


@dataclass(frozen=True, slots=True)
class Mark:
    at: float
    kind: str
    detail: str


def _explain(path: Path, exc: sqlite3.Error) -> RecordingError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        why = "it is locked by another process; try again when that one has finished"
    elif "not a database" in text or "file is not a database" in text:
        why = "it is not a recording (not an SQLite file)"
    elif "malformed" in text or "corrupt" in text or "disk i/o" in text:
        why = "it is damaged (truncated or corrupt); a copy taken while it was written may help"
    elif "unable to open" in text:
        why = "it cannot be opened (no such file, or no permission)"
    else:
        why = f"SQLite says: {exc}"
    return RecordingError(f"Cannot use the recording {path}: {why}.")


def _check_schema(conn: sqlite3.Connection, path: Path, *, writable: bool) -> None:
    app = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    # A writer may start a recording in an empty file; a reader needs one.
    if app not in (0, APPLICATION_ID) or ((tables or not writable) and "frames" not in tables):
        raise RecordingError(
            f"Cannot use {path}: it is an SQLite file but not a DialNexa Monitor recording."
        )
    if version > SCHEMA:
        raise RecordingError(
            f"Cannot use the recording {path}: it was written by a newer DialNexa Monitor "
            f"(schema {version}, this one reads up to {SCHEMA}); upgrade to read it."
        )
    if writable and 0 < version < SCHEMA:
        for step in range(version, SCHEMA):
            for statement in MIGRATIONS.get(step, ()):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA}")


class RecordingFile:
    """One writer's connection: frames and marks in, pruned by age and size."""

    def __init__(
        self,
        path: Path,
        *,
        keep_days: float = 1.0,
        max_mb: float = 1024.0,
        timeout_s: float = 2.0,
    ) -> None:
        self.path = path
        self.keep_s = keep_days * 86_400
        self.max_bytes = int(max_mb * 1024 * 1024)
        self._last: dict[str, str] = {}
        self._key_at = float("-inf")
        self._since_key = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):  # an existing file keeps its mode
                # New: its owner's only (0600, as logs and exports; SQLite gives -wal and -shm
                # the file's mode): it holds the numbers dialled.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            self.conn = sqlite3.connect(path, timeout=timeout_s, isolation_level=None)
            self.conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            _check_schema(self.conn, path, writable=True)
            for statement in _CREATE:
                self.conn.execute(statement)
            self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.conn.execute(f"PRAGMA user_version = {SCHEMA}")
        except sqlite3.Error as exc:
            raise _explain(path, exc) from None
        except OSError as exc:
            raise RecordingError(f"Cannot write the recording {path}: {exc.strerror}.") from None

    def write(self, at: float, parts: Mapping[str, str]) -> bool:
        """Record the instant `at` whose parts are `parts` (all of them, or only those that
        changed); returns whether a frame was written (nothing changed: nothing written)."""
        full = at - self._key_at >= KEYFRAME_S or self._since_key >= KEYFRAME_FRAMES
        merged = {**self._last, **parts}
        changed = merged if full else {k: v for k, v in parts.items() if self._last.get(k) != v}
        if not changed:
            return False
        self.conn.execute(
            "INSERT INTO frames (at, full, body) VALUES (?, ?, ?)",
            (at, int(full), encode(changed, None if full else self._last)),
        )
        self._last = merged
        if full:
            self._key_at, self._since_key = at, 0
        else:
            self._since_key += 1
        return True

    def mark(self, at: float, kind: str, detail: str) -> None:
        self.conn.execute(
            "INSERT INTO marks (at, kind, detail) VALUES (?, ?, ?)", (at, kind, detail)
        )

    def prune(self, now: float) -> int:
        """Drop what is older than `keep_days` and, past `max_mb`, the oldest keyframe interval
        at a time; a kept range always starts at a keyframe. Returns frames dropped."""
        dropped = self._drop_before(now - self.keep_s)
        while self._size() > self.max_bytes:
            second_key = self.conn.execute(
                "SELECT at FROM frames WHERE full = 1 ORDER BY at LIMIT 1 OFFSET 1"
            ).fetchone()
            if second_key is None:
                break  # one keyframe interval left: keep it, however large
            dropped += self._drop_before(second_key[0], exact=True)
        self.conn.execute("PRAGMA incremental_vacuum")
        # The WAL copied back a minute at a time (~0.4 MB at `huge`), here, instead of SQLite's
        # automatic checkpoint at 1,000 pages inside some frame's commit (4 MB and an fsync
        # every ~10 minutes); PASSIVE: a reader holding old pages is never waited for (what
        # it holds is copied at a later minute). The automatic one stays as a backstop.
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        return dropped

    def _drop_before(self, cutoff: float, *, exact: bool = False) -> int:
        # The first kept frame must be a keyframe: cut at the last keyframe at or before the
        # cutoff (or exactly at it, when the cutoff is one).
        key = self.conn.execute(
            "SELECT max(at) FROM frames WHERE full = 1 AND at <= ?", (cutoff,)
        ).fetchone()[0]
        if key is None:
            return 0
        bound = cutoff if exact else key
        cur = self.conn.execute("DELETE FROM frames WHERE at < ?", (bound,))
        self.conn.execute("DELETE FROM marks WHERE at < ?", (bound,))
        return cur.rowcount

    def _size(self) -> int:
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        free = self.conn.execute("PRAGMA freelist_count").fetchone()[0]
        size: int = (pages - free) * self.conn.execute("PRAGMA page_size").fetchone()[0]
        return size

    def close(self) -> None:
        self.conn.close()


class RecordingReader:
    """Reads a recording, also while another process writes it (WAL)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            raise RecordingError(f"Cannot use the recording {path}: no such file.")
        try:
            self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)
            _check_schema(self.conn, path, writable=False)
            self.conn.execute("SELECT count(*) FROM frames").fetchone()
        except sqlite3.Error as exc:
            raise _explain(path, exc) from None

    def _query(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise _explain(self.path, exc) from None

    def span(self) -> tuple[float, float] | None:
        """The first and last recorded instants; None for an empty recording."""
        row = self._query("SELECT min(at), max(at) FROM frames")[0]
        return None if row[0] is None else (float(row[0]), float(row[1]))  # type: ignore[arg-type]

    def at(self, when: float) -> Frame | None:
        """Every part as recorded at or before `when`; None before the first keyframe."""
        key = self._query(
            "SELECT id, at FROM frames WHERE full = 1 AND at <= ? ORDER BY at DESC, id DESC "
            "LIMIT 1",
            (when,),
        )
        if not key:
            return None
        rows = self._query(
            "SELECT at, body FROM frames WHERE id >= ? AND at <= ? ORDER BY id", (key[0][0], when)
        )
        parts: dict[str, str] = {}
        last = float(key[0][1])  # type: ignore[arg-type]
        for at, body in rows:
            parts.update(self._decode(body, parts))
            last = float(at)  # type: ignore[arg-type]
        return Frame(last, parts)

    def frames(self, start: float = float("-inf")) -> Iterator[Frame]:
        """Every recorded instant from `start` on, each with all its parts (for replay)."""
        first = self.at(start) if start != float("-inf") else None
        parts = dict(first.parts) if first else {}
        if first is not None:
            yield first
            cursor = first.at
        else:
            cursor = float("-inf")
        for at, body in self._query(
            "SELECT at, body FROM frames WHERE at > ? ORDER BY id", (cursor,)
        ):
            parts.update(self._decode(body, parts))
            yield Frame(float(at), dict(parts))  # type: ignore[arg-type]

    def after(
        self, since: float, until: float, base: Mapping[str, str]
    ) -> list[tuple[float, dict[str, str]]]:
        """The changed parts of each frame in (since, until], in order, `base` being every
        part as of `since` (a replay moving forward applies these instead of seeking)."""
        parts = dict(base)
        out: list[tuple[float, dict[str, str]]] = []
        for at, body in self._query(
            "SELECT at, body FROM frames WHERE at > ? AND at <= ? ORDER BY id", (since, until)
        ):
            changed = self._decode(body, parts)
            parts.update(changed)
            out.append((float(at), changed))  # type: ignore[arg-type]
        return out

    def marks(self, start: float, end: float) -> list[Mark]:
        return [
            Mark(float(a), str(k), str(d))  # type: ignore[arg-type]
            for a, k, d in self._query(
                "SELECT at, kind, detail FROM marks WHERE at BETWEEN ? AND ? ORDER BY at",
                (start, end),
            )
        ]

    def _decode(self, body: object, base: Mapping[str, str]) -> dict[str, str]:
        try:
            assert isinstance(body, bytes)
            return decode(body, base)
        except (AssertionError, zlib.error, ValueError, struct.error, UnicodeDecodeError) as exc:
            raise RecordingError(
                f"Cannot use the recording {self.path}: a frame is damaged ({type(exc).__name__})."
            ) from None

    def close(self) -> None:
        self.conn.close()


class RecordingWriter:
    """The recorder off the UI's thread: frames go into a queue that one thread writes.

    The queue is bounded: if the disk is slower than the snapshots, frames are dropped (and
    counted) rather than the monitor slowed. A full disk or any SQLite error stops recording
    with `failed` set to a sentence for the status line; the monitor goes on.
    """

    QUEUE = 512

    def __init__(
        self,
        path: Path,
        *,
        keep_days: float = 1.0,
        max_mb: float = 1024.0,
        prune_every_s: float = 60.0,
        on_fail: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.keep_days, self.max_mb, self.prune_every_s = keep_days, max_mb, prune_every_s
        self.on_fail = on_fail
        self.failed: str | None = None
        self.dropped = 0
        self.written = 0
        self._queue: queue.Queue[tuple[str, float, object] | None] = queue.Queue(self.QUEUE)
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)

    def start(self) -> None:
        """Open the file (in the writer's thread) and wait until it is open or refused."""
        self._thread.start()
        self._opened.wait()
        if self.failed is not None and not self._thread.is_alive():
            raise RecordingError(self.failed)

    def put(self, at: float, parts: Mapping[str, str] | Callable[[], Mapping[str, str]]) -> bool:
        """Queue a frame: its parts, or a function that makes them (called in the writer's
        thread, so serialising a snapshot costs the caller nothing). False: not queued."""
        return self._offer(("frame", at, parts if callable(parts) else dict(parts)))

    def mark(self, at: float, kind: str, detail: str) -> None:
        self._offer(("mark", at, (kind, detail)))

    def _offer(self, item: tuple[str, float, object]) -> bool:
        if self.failed is not None:
            return False
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1
            return False
        return True

    def close(self) -> None:
        """Write what is queued, then close the file."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        try:
            file = RecordingFile(self.path, keep_days=self.keep_days, max_mb=self.max_mb)
        except RecordingError as exc:
            self.failed = str(exc)
            self._opened.set()
            return
        self._opened.set()
        pruned_at = float("-inf")
        try:
            while (item := self._queue.get()) is not None:
                kind, at, payload = item
                if kind == "frame":
                    parts = payload() if callable(payload) else payload
                    assert isinstance(parts, Mapping)
                    self.written += file.write(at, parts)
                    if at - pruned_at >= self.prune_every_s:
                        file.prune(at)
                        pruned_at = at
                else:
                    assert isinstance(payload, tuple)
                    file.mark(at, *payload)
        except sqlite3.Error as exc:
            full = "full" in str(exc).lower()
            self.failed = (
                f"Recording stopped: the disk is full ({self.path}); the monitor goes on."
                if full
                else f"Recording stopped: {_explain(self.path, exc)} The monitor goes on."
            )
            if self.on_fail is not None:
                self.on_fail(self.failed)
        finally:
            file.close()
