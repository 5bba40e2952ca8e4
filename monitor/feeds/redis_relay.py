"""The relay: one engine's snapshots published to a Redis stream, viewers' intents read back.

Wire format (the reader is `monitor.feeds.redis.RedisFeed`), all under
`dialnexa-monitor:<namespace>:`:

- `snapshots`, a stream (`XADD ... MAXLEN 120`): one entry per snapshot with `head` (the
  snapshot's JSON without its three parts: clock, health, panes), `parts` (JSON: each part's
  name and serial), `at` (the relay's wall clock, seconds) and `relay` (JSON: viewers, the
  calls the budget is spent on, the limit).
- `parts`, a hash: `data`, `sel:<call id>` (the detail of each call a viewer selected, the most
  recent `limit` of them) and `focus:<campaign id>`, each `"<serial> <json>"`. A part is
  serialised and written only when it is a new object (the snapshot keeps an unchanged part
  the same object), so a quiet second costs one small `head`.
- `intents`, a stream the viewers write (see `relay_viewers`).

The API key never goes to Redis: nothing here holds it (a snapshot has no credential field),
and a test scans every key in Redis for a canary key.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from pydantic import BaseModel
from redis.exceptions import RedisError

from monitor.feeds.live import LiveFeed
from monitor.feeds.redis_link import INTENTS_MAXLEN, STREAM_MAXLEN, RedisTarget, mask_url
from monitor.feeds.relay_log import ViewLog
from monitor.feeds.relay_share import FOCUS_SLOTS, fill
from monitor.feeds.relay_viewers import VIEWER_TTL_S, WATCH_LIMIT, Viewers
from monitor.state.records import RecordCache
from monitor.state.snapshot import MonitorSnapshot, build_focus, build_selection

log = logging.getLogger("monitor.relay")

TICK_S = 1.0
"""A snapshot at least this often: viewers' clocks and "relay silent" depend on it."""
BACKOFF_S = (0.5, 1.0, 2.0, 5.0)
"""Waits between attempts while Redis is away (restarted, full, gone)."""


def redis_problem(exc: BaseException, url: str) -> str:
    """A Redis error in words, the URL's password masked."""
    text = str(exc) or type(exc).__name__
    if "OOM" in text or "maxmemory" in text:
        return "Redis is full (its maxmemory): snapshots cannot be written"
    return mask_url(f"Redis at {url}: {text}", url)[:200]


class RelayPublisher:
    """Publishes a live feed's snapshots and applies the viewers' intents to its engine."""

    def __init__(
        self,
        feed: LiveFeed,
        target: RedisTarget,
        *,
        limit: int = WATCH_LIMIT,
        wall: Callable[[], float] = time.time,
        client: aioredis.Redis | None = None,
    ) -> None:
        self.feed = feed
        self.target = target
        self.redis = client if client is not None else target.client()
        self.viewers = Viewers(limit=limit)
        self.wall = wall
        self.instance = secrets.token_hex(4)
        """This run of the relay: a viewer that sees a new one tells it its view at once."""
        self.published = 0
        """Entries written (tests, the log)."""
        self.problem: str | None = None
        """Redis's last error in words, None once a write went through again."""
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._sent: dict[str, tuple[object, int]] = {}
        """Each part's last published object and its serial."""
        self._serial = 0
        self._resend = True
        self._sel: dict[str, Any] = {}
        self._focus: dict[str, Any] = {}
        self._parts_version = -1
        self._records = RecordCache()
        self._watched: tuple[list[str], int] = ([], 0)
        self._view_log = ViewLog(time.monotonic)
        self._focused: tuple[list[str], int] = ([], 0)
        self._picks: list[str] = []
        """The relay's own calls filling the share viewers leave free (`relay_share`)."""
        self._focus_pick: list[str] = []
        self._screen: tuple[list[str], list[str]] = ([], [])
        """The active calls and campaigns of the last snapshot published, in screen order."""

    # -- running ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Poll, publish and listen until `stop()`; Redis errors are retried, never raised."""
        unsubscribe = self.feed.subscribe(lambda _v: self._wake.set())
        tasks = [
            asyncio.create_task(self.feed.run(), name="relay-engine"),
            asyncio.create_task(self._publish_loop(), name="relay-publish"),
            asyncio.create_task(self._intent_loop(), name="relay-intents"),
        ]
        try:
            await self._stop.wait()
        finally:
            unsubscribe()
            self.feed.stop()
            for task in tasks[1:]:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)
            with contextlib.suppress(Exception):
                await self.redis.aclose()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    # -- snapshots out ------------------------------------------------------------------------

    async def _publish_loop(self) -> None:
        version = None
        failures = 0
        while not self._stop.is_set():
            self._wake.clear()
            current = self.feed.engine.store.version
            snap = self.feed.snapshot() if current != version else self.feed.latest()
            version = current
            try:
                await self.publish(snap)
                failures = 0
            except (RedisError, OSError) as exc:
                self._fail(exc)
                await asyncio.sleep(BACKOFF_S[min(failures, len(BACKOFF_S) - 1)])
                failures += 1
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), TICK_S)

    def _fail(self, exc: BaseException) -> None:
        problem = redis_problem(exc, self.target.url)
        if problem != self.problem:
            log.warning("relay: %s; retrying", problem)
        self.problem = problem
        self._resend = True  # Redis may have restarted empty: every part again

    def _viewer_parts(self, snap: MonitorSnapshot) -> dict[str, BaseModel | None]:
        """The data part and one selection/focus part per watched call/campaign."""
        store = self.feed.engine.store
        calls, _ = self._watched
        campaigns, _ = self._focused
        if store.version != self._parts_version:
            self._parts_version = store.version
            self._sel.clear()
            self._focus.clear()
        for cid in calls:
            if cid not in self._sel:
                self._sel[cid] = build_selection(store, cid, snap.now)
        for cid in campaigns:
            if cid not in self._focus:
                self._focus[cid] = build_focus(store, cid, self._records)
        parts: dict[str, BaseModel | None] = {"data": snap.data}
        parts.update({f"sel:{cid}": self._sel[cid] for cid in calls})
        parts.update({f"focus:{cid}": self._focus[cid] for cid in campaigns})
        return parts

    def saw(self, snap: MonitorSnapshot) -> None:
        """The screen's order of active calls and campaigns: where the relay's picks come from."""
        self._screen = ([r.id for r in snap.data.active], [c.id for c in snap.data.campaigns])

    async def publish(self, snap: MonitorSnapshot) -> None:
        """One entry; new parts (by identity) serialised and written with it, atomically."""
        parts = self._viewer_parts(snap)
        self.saw(snap)
        changed: dict[str, str] = {}
        serials: dict[str, int] = {}
        sent = dict(self._sent)
        for name, part in parts.items():
            if part is None:
                continue
            last = sent.get(name)
            if self._resend or last is None or last[0] is not part:
                self._serial += 1
                changed[name] = f"{self._serial} {part.model_dump_json()}"
                sent[name] = (part, self._serial)
            serials[name] = sent[name][1]
        gone = [name for name in sent if name not in serials]
        for name in gone:
            del sent[name]
        head = snap.model_dump_json(exclude={"data", "selection", "focus"})
        calls, dropped = self._watched
        info = {
            "relay": self.instance,
            "viewers": len(self.viewers.by_id),
            "watching": calls,
            "focusing": self._focused[0],
            "limit": self.viewers.limit,
            "dropped": dropped,
            "own": self._picks,
        }
        t = self.target
        pipe = self.redis.pipeline(transaction=True)
        pipe.hexists(t.parts, "data")
        if changed:
            pipe.hset(t.parts, mapping=changed)
        if gone:
            pipe.hdel(t.parts, *gone)
        pipe.xadd(
            t.snapshots,
            {
                "head": head,
                "parts": json.dumps(serials),
                "at": repr(self.wall()),
                "relay": json.dumps(info),
            },
            maxlen=STREAM_MAXLEN,
            approximate=False,
        )
        results = await pipe.execute()
        self._sent = sent
        if self.problem is not None:
            log.info("relay: Redis writes again (%s)", self.target.shown)
            self.problem = None
        if not results[0] and "data" not in changed:
            # The parts hash is gone (Redis restarted empty, or was flushed): all again, now.
            self._resend = True
            self._wake.set()
        else:
            self._resend = False
        self.published += 1

    # -- intents in ---------------------------------------------------------------------------

    async def _recent_intents_id(self) -> str:
        """Where to start reading intents: the live viewers' last heartbeats (a relay that
        starts, or restarts, knows every view at once, and misses no viewer's first word)."""
        newest = await self.redis.xrevrange(self.target.intents, count=1)
        if not newest:
            return "0-0"
        raw = newest[0][0]
        ms = int((raw.decode() if isinstance(raw, bytes) else str(raw)).split("-")[0])
        return f"{max(ms - int(VIEWER_TTL_S * 1000), 0)}-0"

    async def _intent_loop(self) -> None:
        last = "$"
        with contextlib.suppress(RedisError, OSError):
            last = await self._recent_intents_id()
        failures = 0
        while not self._stop.is_set():
            try:
                answer = await self.redis.xread({self.target.intents: last}, count=200, block=1000)
                failures = 0
            except (RedisError, OSError) as exc:
                self._fail(exc)
                await asyncio.sleep(BACKOFF_S[min(failures, len(BACKOFF_S) - 1)])
                failures += 1
                continue
            now = self.wall()
            for _stream, entries in answer or ():
                for entry_id, fields in entries:
                    last = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
                    self.viewers.take(fields, now)
            self.viewers.expire(now)
            self.apply()
            with contextlib.suppress(RedisError, OSError):
                if answer:
                    await self.redis.xtrim(self.target.intents, maxlen=INTENTS_MAXLEN)

    def apply(self) -> None:
        """The viewers' views to the engine, inside the relay's fixed share of the budget:
        `limit` calls and one campaign, the viewers' first, the relay's own picks in the
        slots they leave (`relay_share`), so the requests do not grow with the viewers."""
        engine = self.feed.engine
        calls = self.viewers.calls()
        campaigns = self.viewers.campaigns()
        active, shown = self._screen
        newest = active[::-1]  # the pane lists the oldest first: those end soonest
        # Kept first: the picks, then the calls viewers just left (their history is read: a
        # viewer moving from call to call among the picks costs no new read).
        kept = [*self._picks, *self._watched[0]]
        picks = fill(calls[0], newest, kept, slots=self.viewers.limit, costs=self.costs)
        focused_now = getattr(engine, "focused_campaign_id", None)
        focus_pick = fill(
            campaigns[0][:FOCUS_SLOTS], self.viewers.visible() or shown,
            [focused_now] if focused_now else self._focus_pick, slots=FOCUS_SLOTS,
        )  # fmt: skip
        self._picks, self._focus_pick = picks, focus_pick  # they follow the active pane
        if (calls, campaigns) != (self._watched, self._focused):
            self._watched, self._focused = calls, campaigns
            self._view_log.changed(
                len(self.viewers.by_id),
                calls[0],
                campaigns[0][0] if campaigns[0] else None,
                self.viewers.limit,
                calls[1],
            )
            self._wake.set()
        engine.select_call(calls[0][0] if calls[0] else None)
        watch = getattr(engine, "watch_calls", None)
        if callable(watch):
            watch(tuple(calls[0][1:] + picks))
        focused = campaigns[0] or focus_pick
        engine.focus_campaign(focused[0] if focused else None)
        show = getattr(engine, "show_campaigns", None)
        if callable(show):
            show(self.viewers.visible())
        if self.viewers.refresh_asked:
            self.viewers.refresh_asked = False
            engine.refresh_now()

    def costs(self, call_id: str) -> bool:
        """Whether a viewer's call still spends requests: its record or history not final
        (a call not polled yet will)."""
        jobs = getattr(self.feed.engine, "jobs", None)
        if not isinstance(jobs, dict):
            return True
        mine = [jobs.get(f"call/{call_id}"), jobs.get(f"retries/{call_id}")]
        return any(job is None or not job.cadence.final for job in mine)


__all__ = ["BACKOFF_S", "TICK_S", "RelayPublisher", "redis_problem"]
