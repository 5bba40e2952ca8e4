"""`ReplayFeed`: a recording played back as a `Feed` (issue 17).

The same screens show it as they show the live monitor. Its own clock moves a position over
the recorded time: `speed` recorded seconds per second (1x-60x), paused or not, seeked by a
number of seconds or to an instant. Moving forward applies the frames in between to the parts
it holds (a second costs one small query); a seek reads the nearest keyframe and what follows
(`RecordingReader.at`). A part whose text did not change is the same object in the next
snapshot, so screens skip redrawing it, as they do live.

Intents: selecting a call shows the recorded detail when the recording has that call
selected at this instant, else the call's record from the recorded focused campaign, else
what its last recorded Active calls row says, as one timeline row ("history: not recorded").
Focusing a campaign shows the recorded listing when the recording has it focused at this
instant; else the calls of it the recording saw in Active calls (up to this instant), marked
as only those (`Focus.partial`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter

from monitor.feeds.recorder import join_data
from monitor.feeds.recording import KEYFRAME_S, RecordingError, RecordingReader
from monitor.state.derive import Timeline, TimelineRow
from monitor.state.events import KEEP, EventLine, line_from_mark
from monitor.state.snapshot import (
    FINAL_STATUSES,
    CallDetail,
    CallRecord,
    Focus,
    MonitorSnapshot,
    Selection,
    SnapshotData,
)
from monitor.state.views import ActiveCallRow

_RELATIVE = re.compile(r"^-(\d+(?:\.\d+)?)([smhd])$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_UNIT_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86_400.0}


def parse_when(text: str, *, now: float | None = None, day: float | None = None) -> float:
    """A time as Unix seconds: ISO 8601 (no zone: UTC), relative to now ("-10m", "-90s",
    "-2h", "-1d"), or a clock time "HH:MM[:SS]" (UTC) on the day of `day` (a recording's
    last instant; default today). Raises ValueError naming the accepted forms."""
    text = text.strip()
    match = _RELATIVE.match(text)
    if match:
        base = time.time() if now is None else now
        return base - float(match.group(1)) * _UNIT_S[match.group(2)]
    clock = _CLOCK.match(text)
    if clock:
        ref = datetime.fromtimestamp(time.time() if day is None else day, UTC)
        hour, minute, second = (int(g or 0) for g in clock.groups())
        if hour < 24 and minute < 60 and second < 60:
            return ref.replace(hour=hour, minute=minute, second=second, microsecond=0).timestamp()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: give ISO 8601 (2026-12-03T10:02:00Z), a clock time in "
            "UTC (10:02), or a time before now (-10m, -90s, -2h, -1d)."
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


SPEEDS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
STEP_S = 0.25
"""How often the replay's clock moves (a quarter second: 60x moves 15 s a step)."""

NOT_RECORDED = "not recorded"
PARTIAL_LISTING = "listed: only the calls seen in the recording (not its whole listing)"

_BIG: dict[str, TypeAdapter[Any]] = {
    "data": TypeAdapter(SnapshotData),
    "selection": TypeAdapter(Selection | None),
    "focus": TypeAdapter(Focus | None),
}


class ReplayFeed:
    """Snapshots of a recording at the replay's position; the viewer's intents shape them."""

    def __init__(
        self,
        reader: RecordingReader,
        *,
        start: float | None = None,
        speed: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        span = reader.span()
        if span is None:
            raise RecordingError(f"Cannot replay {reader.path}: the recording is empty.")
        self.reader = reader
        self.start, self.end = span
        self.speed = speed
        self.paused = False
        self.clock = clock
        self.position = self.start if start is None else min(max(start, self.start), self.end)
        self._parts: dict[str, str] = {}
        self._parts_at: float | None = None
        self._parsed: dict[str, tuple[str, Any]] = {}
        self._snap: MonitorSnapshot | None = None
        self._selected: str | None = None
        self._focused: str | None = None
        self._listeners: list[Callable[[int], None]] = []
        self._version = 0
        self._stopped = asyncio.Event()
        self._events: tuple[float, tuple[EventLine, ...]] | None = None
        self._seen: dict[str, tuple[float, ActiveCallRow]] = {}
        """Each call's last recorded Active calls row and its instant: the table keeps an
        ended call's row a while after the recording's rows drop it."""
        self._load()

    # -- the replay's clock ---------------------------------------------------------------------

    async def run(self) -> None:
        last = self.clock()
        while not self._stopped.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), STEP_S)
            now = self.clock()
            self.advance(now - last)
            last = now

    def stop(self) -> None:
        self._stopped.set()

    def advance(self, real_s: float) -> None:
        """Move by `real_s` seconds of the viewer's time (times the speed), unless paused."""
        if not self.paused:
            self.go_to(self.position + real_s * self.speed)

    def seek(self, delta_s: float) -> None:
        self.go_to(self.position + delta_s)

    def go_to(self, at: float) -> None:
        self.position = min(max(at, self.start), self.end)
        if self._load():
            self._version += 1
            for listener in list(self._listeners):
                listener(self._version)

    def toggle_pause(self) -> bool:
        self.paused = not self.paused
        return self.paused

    def faster(self, step: int = 1) -> float:
        """The next speed up (`step` 1) or down (-1) in `SPEEDS`."""
        index = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self.speed))
        self.speed = SPEEDS[min(max(index + step, 0), len(SPEEDS) - 1)]
        return self.speed

    @property
    def at_end(self) -> bool:
        return self.position >= self.end

    # -- reading --------------------------------------------------------------------------------

    def _load(self) -> bool:
        """Bring the parts to the position; returns whether the recorded instant changed."""
        at = self._parts_at
        if at is not None and at <= self.position < at + KEYFRAME_S:
            steps = self.reader.after(at, self.position, self._parts)
            for when, parts in steps:
                self._parts.update(parts)
                self._parts_at = when
            changed = bool(steps)
        else:
            frame = self.reader.at(self.position)
            if frame is None:  # before the first keyframe: its first instant
                frame = self.reader.at(self.start)
            if frame is None:
                raise RecordingError(f"Cannot replay {self.reader.path}: no keyframe in it.")
            changed = frame.at != self._parts_at
            self._parts, self._parts_at = dict(frame.parts), frame.at
        if changed or self._snap is None:
            self._snap = self._build()
            at = self.recorded_at
            for row in self._snap.data.active:
                self._seen[row.id] = (at, row)
        return changed

    def _part(self, name: str, joined: dict[str, str]) -> Any:
        text = joined.get(name, "null")
        cached = self._parsed.get(name)
        if cached is not None and cached[0] == text:
            return cached[1]  # unchanged text: the same object (screens skip it)
        value = _BIG[name].validate_json(text) if name in _BIG else json.loads(text)
        self._parsed[name] = (text, value)
        return value

    def _build(self) -> MonitorSnapshot:
        try:
            joined = join_data(self._parts)
            fields = {name: self._part(name, joined) for name in joined}
            return MonitorSnapshot.model_validate(fields)
        except ValueError as exc:  # a part that does not read back (or a newer snapshot)
            first = str(exc).splitlines()[0]
            raise RecordingError(
                f"Cannot replay {self.reader.path}: a frame does not read back ({first})."
            ) from None

    @property
    def recorded_at(self) -> float:
        """The recorded instant on screen (Unix seconds)."""
        return self._parts_at if self._parts_at is not None else self.start

    def events(self) -> tuple[EventLine, ...]:
        """The events marked in the recording up to the instant on screen, oldest first (the
        events pane of a replay: seeking back takes later ones away)."""
        at = self.recorded_at
        if self._events is None or self._events[0] != at:
            marks = self.reader.marks(self.start - KEYFRAME_S, at)[-KEEP:]
            lines = (line_from_mark(m.at, m.kind, m.detail) for m in marks)
            self._events = (at, tuple(line for line in lines if line is not None))
        return self._events[1]

    # -- Feed -----------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def snapshot(self) -> MonitorSnapshot:
        return self.latest()

    def latest(self) -> MonitorSnapshot:
        snap = self._snap
        assert snap is not None
        update: dict[str, Any] = {}
        selection = self._selection(snap)
        if selection is not snap.selection:
            update["selection"] = selection
        focus = self._focus(snap)
        if focus is not snap.focus:
            update["focus"] = focus
        return snap.model_copy(update=update) if update else snap

    async def snapshots(self) -> AsyncIterator[MonitorSnapshot]:
        version = -1
        while not self._stopped.is_set():
            if version != self._version:
                version = self._version
                yield self.latest()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), STEP_S)

    def _selection(self, snap: MonitorSnapshot) -> Selection | None:
        wanted = self._selected
        if wanted is None or (snap.selection is not None and snap.selection.call_id == wanted):
            return snap.selection
        key = f"{wanted}@{self.recorded_at}"
        cached = self._parsed.get("_selection")
        if cached is not None and cached[0] == key:
            return cached[1]  # type: ignore[no-any-return]
        record = next((c for c in snap.focus.calls if c.id == wanted), None) if snap.focus else None
        if record is None:
            record = self._record_from_row(snap, wanted)
        detail = CallDetail(
            call=record,
            timeline=_row_timeline(record) if record is not None else None,
            gone=False,
            listed=record is not None,
            retries_error=NOT_RECORDED,
        )
        made = Selection.model_construct(call_id=wanted, detail=detail)
        self._parsed["_selection"] = (key, made)
        return made

    def _focus(self, snap: MonitorSnapshot) -> Focus | None:
        """The recorded listing of the focused campaign, else the calls of it the recording
        saw (in flight at this instant first, then those seen earlier), newest first."""
        wanted = self._focused
        if wanted is None or (snap.focus is not None and snap.focus.campaign_id == wanted):
            return snap.focus
        key = f"{wanted}@{self.recorded_at}"
        cached = self._parsed.get("_focus")
        if cached is not None and cached[0] == key:
            return cached[1]  # type: ignore[no-any-return]
        at = self.recorded_at
        ids = [
            cid
            for cid, (when, row) in self._seen.items()
            if when <= at and row.campaign_id == wanted
        ]
        records = [r for cid in ids if (r := self._record_from_row(snap, cid)) is not None]
        epoch = datetime.min.replace(tzinfo=UTC)
        records.sort(key=lambda c: c.created_at or epoch, reverse=True)
        made = Focus.model_construct(
            campaign_id=wanted, calls=tuple(records), partial=PARTIAL_LISTING
        )
        self._parsed["_focus"] = (key, made)
        return made

    def _record_from_row(self, snap: MonitorSnapshot, call_id: str) -> CallRecord | None:
        """What the recorded Active calls row says of a call, as a record (a recording made
        without a screen has no call open: this is all it knows of the call). A call whose
        row has gone by this instant: its last recorded row, with its recorded outcome."""
        row = next((r for r in snap.data.active if r.id == call_id), None)
        if row is None:
            seen = self._seen.get(call_id)
            if seen is None or seen[0] > self.recorded_at:  # seen only later: not yet
                return None
            row = seen[1]
            outcome = snap.outcome_of(call_id)
            if outcome is not None:
                row = replace(row, status=outcome, status_raw=None)
        return CallRecord(
            id=row.id,
            status=row.status,
            status_raw=row.status_raw,
            to_number=row.to_number,
            created_at=row.started_at,
            campaign_id=row.campaign_id,
            attempt=row.attempt,
        )

    def select_call(self, call_id: str | None) -> None:
        self._selected = call_id

    def focus_campaign(self, campaign_id: str | None) -> None:
        self._focused = campaign_id  # the recording has what was focused then

    def show_campaigns(self, campaign_ids: tuple[str, ...] | None) -> None:
        return None

    def refresh_now(self) -> None:
        return None


def _row_timeline(record: CallRecord) -> Timeline:
    """The call's own attempt as its row says it: no series, no summary, no retry ETA."""
    live = record.status not in FINAL_STATUSES
    row = TimelineRow(
        attempt=record.attempt or 1,
        outcome=record.status,
        outcome_raw=record.status_raw,
        duration_s=None,
        called_at=record.created_at,
        gap_s=None,
        live=live and record.created_at is not None,
    )
    return Timeline(
        call_id=record.id,
        rows=(row,),
        summary=None,
        next_retry_at=None,
        overdue=False,
        attempts_left=None,
    )


__all__ = ["SPEEDS", "ReplayFeed", "parse_when"]
