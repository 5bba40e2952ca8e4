"""`RedisFeed`: a `Feed` that reads a relay's snapshots from Redis and sends intents back.

The monitor never calls the API in this mode: no client is built. What it shows is the
relay's snapshot, with the viewer's own parts (its selected call's detail, its focused
campaign's calls) taken from the relay's `parts` hash by id, plus "via relay" and the relay's
age in the status line. The relay publishes every second; when nothing came for
`RELAY_FRESH_S` the panes go STALE with "relay silent since T", and the feed keeps reading:
when the relay (or Redis) is back, so is the picture, by itself. Wire format: `redis_relay`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from monitor.feeds.redis_link import INTENTS_MAXLEN, RELAY_FRESH_S, RedisTarget
from monitor.feeds.redis_relay import BACKOFF_S, redis_problem
from monitor.feeds.relay_viewers import HEARTBEAT_S, intent_fields
from monitor.state.snapshot import (
    Focus,
    MonitorSnapshot,
    PaneStatus,
    Selection,
    SnapshotData,
    build_snapshot,
)
from monitor.state.store import Store

log = logging.getLogger("monitor.feeds.redis")

TICK_S = 1.0

_PART_TYPES: dict[str, type[SnapshotData] | type[Selection] | type[Focus]] = {
    "data": SnapshotData,
    "sel": Selection,
    "focus": Focus,
}


def _clock(at: float) -> str:
    """A wall-clock instant as the status line shows times (the host's zone)."""
    return datetime.fromtimestamp(at).astimezone().strftime("%H:%M:%S")


class Entry:
    """One stream entry, read: the head's fields, the parts' serials, when and who."""

    def __init__(self, fields: dict[bytes, bytes], received: float) -> None:
        self.head: dict[str, Any] = json.loads(fields[b"head"])
        self.serials: dict[str, int] = json.loads(fields.get(b"parts", b"{}"))
        self.at = float(fields.get(b"at", b"0"))
        self.relay: dict[str, Any] = json.loads(fields.get(b"relay", b"{}"))
        self.received = received


class RedisFeed:
    """The relay's snapshots from Redis; intents to the relay."""

    def __init__(
        self,
        target: RedisTarget,
        *,
        client: aioredis.Redis | None = None,
        wall: Callable[[], float] = time.time,
        mono: Callable[[], float] = time.monotonic,
        viewer: str | None = None,
    ) -> None:
        self.target = target
        self.redis = client if client is not None else target.client()
        self.wall = wall
        self.mono = mono
        self.viewer = viewer or secrets.token_hex(6)
        self.problem: str | None = None
        """Redis's last error in words; None while reads go through."""
        self.problem_at = 0.0
        """When (wall clock) the problem began."""
        self._entry: Entry | None = None
        self._parts: dict[str, tuple[int, Any]] = {}
        self._listeners: list[Callable[[int], None]] = []
        self._version = 0
        self._stop = asyncio.Event()
        self._selected: str | None = None
        self._focused: str | None = None
        self._visible: tuple[str, ...] | None = None
        self._outbox: asyncio.Queue[dict[str, str]] | None = None
        self._empty = Store()
        self._started = mono()
        self._taken: SnapshotData | None = None
        """The data part last taken by `snapshot()` (`latest()` reuses it)."""
        self._assembled: tuple[tuple[object, ...], MonitorSnapshot] | None = None

    # -- source -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Read entries until `stop()`; Redis errors become words, never exceptions."""
        self._outbox = asyncio.Queue()
        sender = asyncio.create_task(self._send_loop(), name="redis-intents")
        try:
            await self._read_loop()
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
            with contextlib.suppress(Exception):
                await self.redis.xadd(
                    self.target.intents,
                    intent_fields(self.viewer, "bye", None, None, None),  # type: ignore[arg-type]
                )
            with contextlib.suppress(Exception):
                await self.redis.aclose()

    def stop(self) -> None:
        self._stop.set()

    async def read_latest(self) -> bool:
        """Take the stream's newest entry (a late join gets it at once); False: none."""
        newest = await self.redis.xrevrange(self.target.snapshots, count=1)
        if not newest:
            return False
        entry_id, fields = newest[0]
        await self._take(entry_id, fields)
        return True

    async def _read_loop(self) -> None:
        last: str | None = None
        failures = 0
        while not self._stop.is_set():
            try:
                if last is None:
                    await self.read_latest()
                    last = self._last_id or "0-0"
                answer = await self.redis.xread({self.target.snapshots: last}, block=1000)
                for _stream, entries in answer or ():
                    if entries:
                        entry_id, fields = entries[-1]  # coalesced: the newest only
                        await self._take(entry_id, fields)
                        last = self._last_id or last
                if self.problem is not None:
                    log.info("Redis reachable again (%s)", self.target.shown)
                    self.problem = None
                failures = 0
            except (RedisError, OSError) as exc:
                problem = redis_problem(exc, self.target.url)
                if self.problem is None:
                    self.problem_at = self.wall()
                    log.warning("%s; retrying", problem)
                self.problem = problem
                self._notify()  # the status line says so now
                await asyncio.sleep(BACKOFF_S[min(failures, len(BACKOFF_S) - 1)])
                failures += 1
                last = None  # Redis may have restarted: start again from its newest

    _last_id: str | None = None

    @property
    def entry(self) -> Entry | None:
        """The newest entry read (its `at`, the relay's words); None before the first."""
        return self._entry

    async def _take(self, entry_id: bytes | str, fields: dict[bytes, bytes]) -> None:
        entry = Entry(fields, self.mono())
        self._last_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        wanted = ["data"]
        if self._selected:
            wanted.append(f"sel:{self._selected}")
        if self._focused:
            wanted.append(f"focus:{self._focused}")
        await self._fetch(entry, wanted)
        if self._entry is None or self._entry.relay.get("relay") != entry.relay.get("relay"):
            self._send("hello")  # a relay (re)started: it learns this viewer's view now
        self._entry = entry
        self._notify()

    async def _fetch(self, entry: Entry, names: list[str]) -> None:
        """The parts whose serial is new, read and parsed once."""
        have = self._parts
        serials = entry.serials
        need = [n for n in names if n in serials and have.get(n, (-1, 0))[0] != serials[n]]
        if not need:
            return
        values = await self.redis.hmget(self.target.parts, need)  # type: ignore[misc]
        for name, raw in zip(need, values, strict=True):
            if raw is None:
                continue  # written next time (the relay re-sends a hash Redis lost)
            serial, _, body = bytes(raw).partition(b" ")
            kind = _PART_TYPES[name.split(":", 1)[0]]
            self._parts[name] = (int(serial), kind.model_validate_json(body))

    def _notify(self) -> None:
        self._version += 1
        for listener in list(self._listeners):
            listener(self._version)

    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    # -- snapshots ----------------------------------------------------------------------------

    def snapshot(self) -> MonitorSnapshot:
        self._taken = self._part("data")
        return self.latest()

    def latest(self) -> MonitorSnapshot:
        base = self._assemble()
        entry = self._entry
        if entry is None:
            words = f"via relay: waiting for a relay at {self.target.shown}"
            if self.problem:
                words = f"via relay: {self.problem}"
            return base.model_copy(update={"fallbacks": words})
        elapsed = max(self.mono() - entry.received, 0.0)
        age = max(self.wall() - entry.at, 0.0)
        update: dict[str, Any] = {
            "now": base.now + timedelta(seconds=elapsed),
            "mono": base.mono + elapsed,
        }
        viewers = entry.relay.get("viewers")
        who = f", {viewers} viewer{'s' if viewers != 1 else ''}" if viewers else ""
        words = f"via relay, {age:.0f}s old{who}"
        silent = age > RELAY_FRESH_S
        if silent:
            words = f"RELAY SILENT since {_clock(entry.at)}"
            update["next_poll_s"] = None  # the relay's schedule is not news any more
            # Nor is the API's state: through a silent relay a viewer cannot know it. "API ok"
            # and the request figures would be the relay's last word passed off as now; the
            # figures stay, said as the last known (the status line words them so).
            update["health"] = replace(
                base.health,
                state="unknown",
                message="",
                since=None,
                until=None,
                remaining=None,
                reset_after_s=None,
            )
        # The panes' ages go on with the clock between entries (and grow while it is silent).
        update["panes"] = tuple(
            PaneStatus(
                p.pane, None if p.age_s is None else p.age_s + elapsed, p.stale or silent, p.error
            )
            for p in base.panes
        )
        if self.problem:
            # First: at 80 columns the status line keeps its start (the details are logged).
            words = f"REDIS UNREACHABLE since {_clock(self.problem_at)} · {words}"
        if base.fallbacks:
            words += f" · {base.fallbacks}"
        update["fallbacks"] = words
        return base.model_copy(update=update)

    def _assemble(self) -> MonitorSnapshot:
        """The newest entry's clock, health and panes; the data last taken by `snapshot()`
        (as `LiveFeed.latest`); this viewer's own parts. Parts keep their identity."""
        entry = self._entry
        data = self._taken if self._taken is not None else self._part("data")
        if entry is None or data is None:
            now = datetime.now().astimezone()
            return build_snapshot(self._empty, now=now, mono=self.mono(), cap=None)
        sel = self._part(f"sel:{self._selected}") if self._selected else None
        focus = self._part(f"focus:{self._focused}") if self._focused else None
        key = (entry, data, sel, focus)
        held = self._assembled
        if held is None or any(a is not b for a, b in zip(key, held[0], strict=True)):
            snap = MonitorSnapshot.model_validate(
                {**entry.head, "data": data, "selection": sel, "focus": focus}
            )
            held = self._assembled = (key, snap)
        return held[1]

    def _part(self, name: str) -> Any:
        got = self._parts.get(name)
        return got[1] if got is not None else None

    async def snapshots(self) -> AsyncIterator[MonitorSnapshot]:
        changed = asyncio.Event()
        unsubscribe = self.subscribe(lambda _version: changed.set())
        try:
            version = -1
            while True:
                changed.clear()
                current = self._version
                yield self.snapshot() if current != version else self.latest()
                version = current
                if self._version == current:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), TICK_S)
        finally:
            unsubscribe()

    # -- intents ------------------------------------------------------------------------------

    def select_call(self, call_id: str | None) -> None:
        if call_id != self._selected:
            self._selected = call_id
            self._send("select_call")

    def focus_campaign(self, campaign_id: str | None) -> None:
        if campaign_id != self._focused:
            self._focused = campaign_id
            self._send("focus_campaign")

    def show_campaigns(self, campaign_ids: tuple[str, ...] | None) -> None:
        if campaign_ids != self._visible:
            self._visible = campaign_ids
            self._send("show_campaigns")

    def refresh_now(self) -> None:
        self._send("refresh_now")

    def _send(self, intent: str) -> None:
        if self._outbox is not None:
            self._outbox.put_nowait(
                intent_fields(self.viewer, intent, self._selected, self._focused, self._visible)
            )

    async def _send_loop(self) -> None:
        """Intents to the relay, and the whole view again every `HEARTBEAT_S` (a relay that
        restarted learns it; one that hears nothing forgets this viewer)."""
        assert self._outbox is not None
        self._send("hello")
        while True:
            try:
                fields = await asyncio.wait_for(self._outbox.get(), HEARTBEAT_S)
            except TimeoutError:
                fields = intent_fields(
                    self.viewer, "hello", self._selected, self._focused, self._visible
                )
            # Lost while Redis is away: the next heartbeat says it all again.
            with contextlib.suppress(RedisError, OSError):
                await self.redis.xadd(
                    self.target.intents,
                    fields,  # type: ignore[arg-type]
                    maxlen=INTENTS_MAXLEN,  # bounded even while no relay reads them
                    approximate=True,
                )
            await self._refetch_own()

    async def _refetch_own(self) -> None:
        """After an intent: this viewer's parts, if the newest entry already has them."""
        entry = self._entry
        if entry is None:
            return
        names = [f"sel:{self._selected}"] if self._selected else []
        names += [f"focus:{self._focused}"] if self._focused else []
        with contextlib.suppress(RedisError, OSError):
            before = {n: self._parts.get(n, (-1, None))[0] for n in names}
            await self._fetch(entry, names)
            if any(self._parts.get(n, (-1, None))[0] != s for n, s in before.items()):
                self._notify()


__all__ = ["RedisFeed"]
