"""The recording sink (issue 17): `MonitorSnapshot` values into a `RecordingWriter`.

A snapshot is split into its top-level fields, each a JSON text (a "part"). `data`,
`selection` and `focus` are serialised only when they are not the very object recorded last
time (the feeds rebuild them only on change, so identity is the cheap test); the small clock
fields every time, and the file keeps only those whose text changed. The serialising runs in
the writer's thread: the caller (the UI's loop) only compares identities and queues.

`RecordingFeed` wraps any feed: its consumer (the UI) sees the same snapshots, and a task next
to the feed's `run` records one snapshot a second. Both pull through the wrapper, so new data
is built once for the two of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import operator
import typing
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from pydantic_core import SchemaSerializer

from monitor.feeds.base import Feed
from monitor.feeds.framecodec import LARGE
from monitor.feeds.recording import RecordingWriter
from monitor.feeds.rowparts import RowTexts
from monitor.state.events import EventLine, EventLog, mark_of
from monitor.state.snapshot import MonitorSnapshot, SnapshotData

BIG_PARTS = ("data", "selection", "focus")
"""Parts rebuilt only on change (same object when unchanged): serialised only when new."""
RECORD_EVERY_S = 1.0


def small_parts(snap: MonitorSnapshot) -> dict[str, str]:
    """Every top-level field but the big parts, each as compact JSON text (in field order).
    One serialiser per field, straight to JSON: a dump to Python values then `json.dumps`
    of each took ~4x as long, on every frame."""
    return {k: s.to_json(getattr(snap, k)).decode("utf-8") for k, s in _small_adapters().items()}


def big_part(snap: MonitorSnapshot, name: str) -> str:
    value = getattr(snap, name)
    return "null" if value is None else str(value.model_dump_json())


DATA_PREFIX = "data."
"""`data` is recorded as one part per field ("data.active", "data.call_ids"...): each is
compressed against its own previous text (zlib's dictionary window is 32 KB, less than a busy
workspace's whole `data`), and a field that did not change is not written at all."""


def _str_enums_as_str(schema: Any) -> Any:
    """A core schema whose string enums serialise as the strings they are. Pydantic reads an
    enum member's `value` through Python's `Enum.value` descriptor, one call per member: the
    busiest part of a `huge` frame (thousands of call statuses a second). A `StrEnum` member
    is a `str` whose text is its value, so the JSON is byte for byte the same."""
    if isinstance(schema, dict):
        if schema.get("type") == "enum" and schema.get("sub_type") == "str":
            plain: dict[str, Any] = {"type": "str"}
            if "ref" in schema:
                plain["ref"] = schema["ref"]
            return plain
        return {k: _str_enums_as_str(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_str_enums_as_str(v) for v in schema]
    return schema


@functools.cache
def _data_adapters() -> dict[str, SchemaSerializer]:
    """One serialiser per field of `SnapshotData` (in field order), built once."""
    return {
        name: SchemaSerializer(_str_enums_as_str(TypeAdapter(info.annotation or Any).core_schema))
        for name, info in SnapshotData.model_fields.items()
    }


@functools.cache
def _small_adapters() -> dict[str, SchemaSerializer]:
    """One serialiser per top-level field but the big parts (in field order), built once;
    an infinite float written `Infinity`, as `json.dumps` wrote it (not null: "none")."""
    config: Any = {"ser_json_inf_nan": "constants"}
    return {
        name: SchemaSerializer(
            _str_enums_as_str(TypeAdapter(info.annotation or Any).core_schema), config
        )
        for name, info in MonitorSnapshot.model_fields.items()
        if name not in BIG_PARTS
    }


@functools.cache
def _row_serialiser(name: str) -> Callable[[list[Any]], str] | None:
    """The JSON of some rows of the data field `name` as the field writes them, when the
    field is made of rows of one kind (so every row starts and ends with the same
    characters): a tuple of one class's items, or a dict of strings (its members)."""
    annotation = SnapshotData.model_fields[name].annotation
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis and isinstance(args[0], type):
        adapter: TypeAdapter[Any] = TypeAdapter(tuple[args[0], ...])  # type: ignore[valid-type]
        many = SchemaSerializer(_str_enums_as_str(adapter.core_schema))
        return lambda rows: many.to_json(tuple(rows)).decode("utf-8")
    if origin is dict and args[0] is str and isinstance(args[1], type) and issubclass(args[1], str):
        whole = _data_adapters()[name]
        # Members as a dict (`RowTexts`), or (key, value) pairs.
        return lambda items: whole.to_json(
            items if isinstance(items, dict) else dict(items)
        ).decode("utf-8")
    return None


class SnapshotParts:
    """Makes a snapshot's parts to record after the previous one, keeping the row texts of
    the data fields made of rows (calls in flight, call ids, outcomes) from one snapshot to
    the next: only rows that changed are serialised (`rowparts`). One per recording, called
    from its writer's thread only."""

    rows_from = LARGE
    """A field is made from its rows once its text is this long (where the codec maps rows
    instead of compressing against the last text): a shorter one (`busy`'s ~100 calls) is
    serialised whole faster than its rows are looked up. The first frame, its length not
    known, is made from its rows: a long field's next change then finds them kept (at
    `huge`, the first change of the calls in flight and of the outcomes were written whole,
    ~1.5 ms each, among a short recording's slowest frames)."""

    def __init__(self) -> None:
        self._rows: dict[str, RowTexts] = {}
        self._long: dict[str, bool] = {}
        self._kept: dict[str, bool] = {}
        """Whether a field's row texts were made from its last rows (`RowTexts` is up to
        date with the last frame's value)."""
        for name, info in SnapshotData.model_fields.items():
            serialise = _row_serialiser(name)
            if serialise is not None:
                members = typing.get_origin(info.annotation) is dict
                opened = "{}" if members else "[]"
                # Strings (call ids: the store's, in the order it learnt them) as a sliding
                # window; rows of a class (calls in flight) by identity (else value); a dict's
                # members (outcomes: in that same order, so a call that ended moves in) by key.
                by_value = typing.get_args(info.annotation)[0] is not str
                self._rows[name] = RowTexts(
                    serialise, opened[0], opened[1], by_value=by_value, members=members
                )

    def __call__(self, snap: MonitorSnapshot, previous: MonitorSnapshot | None) -> dict[str, str]:
        parts = small_parts(snap)
        for name in BIG_PARTS:
            if previous is None or getattr(snap, name) is not getattr(previous, name):
                if name == "data":
                    self._data(snap.data, previous.data if previous is not None else None, parts)
                else:
                    parts[name] = big_part(snap, name)
        for key, rows in self._rows.items():
            if DATA_PREFIX + key not in parts:
                rows.prepare()  # a frame that left the field alone readies it for the next
        return parts

    def _data(self, data: SnapshotData, before: SnapshotData | None, parts: dict[str, str]) -> None:
        for key, serialiser in _data_adapters().items():
            value = getattr(data, key)
            if before is not None and value is getattr(before, key):
                continue  # the same field object (kept by the builder): unchanged
            text: str | None = None
            if key in self._rows and self._long.get(key, True):
                # Rebuilt, but the very rows (at `huge`, often the outcomes): nothing to
                # write, once the row texts hold these rows (else the next frame would find
                # none of its rows kept, and write the field whole).
                kept = self._kept.get(key, False)
                if kept and before is not None and _same_rows(value, getattr(before, key)):
                    continue
                text = self._rows[key].text(value)
            self._kept[key] = text is not None
            if text is None:
                text = serialiser.to_json(value).decode("utf-8")
            self._long[key] = len(text) >= self.rows_from
            parts[DATA_PREFIX + key] = text


def _same_rows(value: Any, last: Any) -> bool:
    """Whether a field made of rows holds what it held, found in C: a dict or a tuple of
    strings by equality; rows of a class by identity only (a feed that rebuilds them would
    have every row compared by a Python `__eq__`)."""
    if type(value) is not type(last) or len(value) != len(last):
        return False
    if isinstance(value, dict) or not value or type(value[0]) is str:
        return bool(value == last)
    return all(map(operator.is_, value, last))


def snapshot_parts(snap: MonitorSnapshot, previous: MonitorSnapshot | None) -> dict[str, str]:
    """The parts of `snap` to record after `previous` (all big parts when there is none),
    with no row texts kept from earlier snapshots (a recorder keeps a `SnapshotParts`)."""
    return SnapshotParts()(snap, previous)


def join_data(parts: Mapping[str, str]) -> dict[str, str]:
    """The parts with the `data.*` fields joined back into one `data` part (in order)."""
    out = {k: v for k, v in parts.items() if not k.startswith(DATA_PREFIX)}
    fields = [(k[len(DATA_PREFIX) :], v) for k, v in parts.items() if k.startswith(DATA_PREFIX)]
    if fields:
        out["data"] = "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in fields) + "}"
    return out


def snapshot_from_parts(parts: Mapping[str, str]) -> MonitorSnapshot:
    """A snapshot back from its parts (all of them, as a reader's frame has them)."""
    joined = join_data(parts)
    body = "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in joined.items()) + "}"
    return MonitorSnapshot.model_validate_json(body)


class SnapshotRecorder:
    """Queues snapshots for a `RecordingWriter`; marks (alerts) too."""

    def __init__(self, writer: RecordingWriter) -> None:
        self.writer = writer
        self._last: MonitorSnapshot | None = None
        self._parts = SnapshotParts()

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        keep_days: float = 1.0,
        max_mb: float = 1024.0,
        on_fail: Callable[[str], None] | None = None,
    ) -> SnapshotRecorder:
        """Start a writer on `path` (raises `RecordingError` when the file cannot be used)."""
        writer = RecordingWriter(path, keep_days=keep_days, max_mb=max_mb, on_fail=on_fail)
        writer.start()
        return cls(writer)

    @property
    def failed(self) -> str | None:
        return self.writer.failed

    def record(self, snap: MonitorSnapshot) -> None:
        previous = self._last
        if self.writer.put(snap.now.timestamp(), lambda: self._parts(snap, previous)):
            # Only a queued snapshot is the next one's reference: parts are left out when
            # they are the reference's very objects, so a dropped one must not be it.
            self._last = snap

    def mark(self, snap: MonitorSnapshot, kind: str, detail: str) -> None:
        self.writer.mark(snap.now.timestamp(), kind, detail)

    def close(self) -> None:
        self.writer.close()


class RecordingFeed:
    """A feed that records what another feed produces, once a second, while it runs (with
    no recorder: only `on_snapshot` watches, as the alerts do without a recording)."""

    def __init__(
        self,
        inner: Feed,
        recorder: SnapshotRecorder | None,
        *,
        every_s: float = RECORD_EVERY_S,
        on_snapshot: Callable[[MonitorSnapshot], None] | None = None,
        event_log: EventLog | None = None,
    ) -> None:
        self.inner = inner
        self.recorder = recorder
        self.every_s = every_s
        self.on_snapshot = on_snapshot
        """Called with each recorded snapshot (the alert rules watch them)."""
        self.event_log = event_log if event_log is not None else EventLog()
        """The events pane's lines: the API's state changes and count corrections seen in
        each second's snapshot (marked in the recording), and the alerts their wiring adds."""
        self._dirty = True
        self._unsubscribe: Callable[[], None] | None = None

    async def run(self) -> None:
        self._unsubscribe = self.inner.subscribe(self._changed)
        task = asyncio.create_task(self._record_loop())
        try:
            await self.inner.run()
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if self._unsubscribe is not None:
                self._unsubscribe()

    def stop(self) -> None:
        self.inner.stop()

    def close(self) -> None:
        """Write what is queued and close the file (after `run`)."""
        if self.recorder is not None:
            self.recorder.close()

    def _changed(self, _version: int) -> None:
        self._dirty = True

    async def _record_loop(self) -> None:
        while True:
            await asyncio.sleep(self.every_s)
            self.tick()

    def tick(self) -> MonitorSnapshot:
        """The second's snapshot, watched. With only the events pane watching: the clock
        parts (the API's state) now and the data the UI last took (its corrections), not a
        rebuild of the data every second (at `huge`, with --no-tick, the UI rebuilds it every
        five seconds)."""
        watching_data = self.recorder is not None or self.on_snapshot is not None
        snap = self.snapshot() if watching_data else self.latest()
        self.watch(snap)
        return snap

    def watch(self, snap: MonitorSnapshot) -> None:
        """One second's snapshot: recorded, shown to the alerts, its events noted (and
        marked in the recording, so a replay lists them)."""
        if self.recorder is not None:
            self.recorder.record(snap)
        if self.on_snapshot is not None:
            self.on_snapshot(snap)
        for line in self.event_log.observe(snap):
            if self.recorder is not None:
                self.recorder.mark(snap, *mark_of(line))

    def events(self) -> tuple[EventLine, ...]:
        """The events so far, oldest first (the events pane)."""
        return tuple(self.event_log.lines)

    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        return self.inner.subscribe(listener)

    def snapshot(self) -> MonitorSnapshot:
        # New data is built once whoever asks first (the UI or the recorder); the other gets
        # the same parts with the clock read again.
        if self._dirty:
            self._dirty = False
            return self._told(self.inner.snapshot())
        return self.latest()

    def latest(self) -> MonitorSnapshot:
        return self._told(self.inner.latest())

    def _told(self, snap: MonitorSnapshot) -> MonitorSnapshot:
        # A stopped recording is said once, the way the UI says the monitor's own trouble.
        failed = self.recorder.failed if self.recorder is not None else None
        if failed is None or snap.internal_error is not None:
            return snap
        return snap.model_copy(update={"internal_error": failed})

    async def snapshots(self) -> AsyncIterator[MonitorSnapshot]:
        async for snap in self.inner.snapshots():
            yield self._told(snap)

    def select_call(self, call_id: str | None) -> None:
        self.inner.select_call(call_id)

    def focus_campaign(self, campaign_id: str | None) -> None:
        self.inner.focus_campaign(campaign_id)

    def show_campaigns(self, campaign_ids: tuple[str, ...] | None) -> None:
        self.inner.show_campaigns(campaign_ids)

    def refresh_now(self) -> None:
        self.inner.refresh_now()


__all__ = [
    "BIG_PARTS",
    "RecordingFeed",
    "SnapshotParts",
    "SnapshotRecorder",
    "big_part",
    "join_data",
    "small_parts",
    "snapshot_from_parts",
    "snapshot_parts",
]
