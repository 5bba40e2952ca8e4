"""`LiveFeed`: the polling engine as a `Feed`.

It uses the engine's public surface only (`run`, `stop`, the intents, `store`, `clock`,
`settings`, `api_now`, `next_poll_in`, `routes`). The store's change notification says new
data is there; `snapshot()` builds it (a store scan) and `latest()` reuses it with the clock
read again. Intents change the feed's own selection at once (the next snapshot carries the
call's detail) and reach the engine on the loop's next turn: waking a poller must not come
before the frame that shows the user's key.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any, Protocol

from monitor.clock import Clock
from monitor.state.snapshot import (
    DataParts,
    Focus,
    MonitorSnapshot,
    RecordCache,
    Selection,
    SnapshotData,
    build_data,
    build_focus,
    build_selection,
    build_snapshot,
)
from monitor.state.store import Store

TICK_S = 1.0
"""`snapshots()` yields at least this often: countdowns and ages move with the clock."""


class EngineSurface(Protocol):
    """What a live feed needs of the engine (`monitor.polling.engine.Engine` has it)."""

    store: Store
    clock: Clock

    @property
    def settings(self) -> Any: ...

    async def run(self) -> None: ...

    def stop(self) -> None: ...

    def select_call(self, call_id: str | None) -> None: ...

    def focus_campaign(self, campaign_id: str | None) -> None: ...

    def refresh_now(self) -> None: ...

    def next_poll_in(self) -> float | None: ...

    def api_now(self) -> datetime: ...


class LiveFeed:
    """Snapshots of the engine's store; intents to the engine."""

    def __init__(self, engine: EngineSurface) -> None:
        self.engine = engine
        self._selected: str | None = None
        self._focused: str | None = None
        self._data: SnapshotData | None = None
        self._selection: Selection | None = None
        self._focus: Focus | None = None
        self._selection_stale = False
        self._focus_stale = False
        self._records = RecordCache()
        self._parts = DataParts()
        self._to_engine: dict[str, str | None] = {}
        self._forwarding = False

    # -- source -------------------------------------------------------------------------------

    async def run(self) -> None:
        await self.engine.run()

    def stop(self) -> None:
        self.engine.stop()

    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        return self.engine.store.subscribe(listener)

    def snapshot(self) -> MonitorSnapshot:
        store, now, mono = self.engine.store, self.engine.api_now(), self.engine.clock.monotonic()
        self._data = build_data(store, now=now, mono=mono, cap=self._cap(), parts=self._parts)
        # The same detail as last time is that very object: the screen skips it by `is`.
        self._selection = self._parts.same("selection", build_selection(store, self._selected, now))
        self._focus = build_focus(store, self._focused, self._records)
        self._selection_stale = self._focus_stale = False
        return self._assemble(now, mono, self._data)

    def latest(self) -> MonitorSnapshot:
        if self._data is None:
            return self.snapshot()
        store, now = self.engine.store, self.engine.api_now()
        if self._selection_stale:
            self._selection = self._parts.same(
                "selection", build_selection(store, self._selected, now)
            )
            self._selection_stale = False
        if self._focus_stale:
            self._focus = build_focus(store, self._focused, self._records)
            self._focus_stale = False
        return self._assemble(now, self.engine.clock.monotonic(), self._data)

    async def snapshots(self) -> AsyncIterator[MonitorSnapshot]:
        changed = asyncio.Event()
        unsubscribe = self.subscribe(lambda _version: changed.set())
        try:
            version = -1
            while True:
                changed.clear()
                current = self.engine.store.version
                yield self.snapshot() if current != version else self.latest()
                version = current
                if self.engine.store.version == current:  # else: changed while consumed
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(changed.wait(), TICK_S)
        finally:
            unsubscribe()

    def _cap(self) -> int | None:
        cap: int | None = self.engine.settings.concurrency_cap
        return cap

    def _assemble(self, now: datetime, mono: float, data: SnapshotData) -> MonitorSnapshot:
        routes = getattr(self.engine, "routes", None)
        describe = getattr(routes, "describe", None)
        return build_snapshot(
            self.engine.store,
            now=now,
            mono=mono,
            cap=self._cap(),
            data=data,
            selection=self._selection,
            focus=self._focus,
            next_poll_s=self.engine.next_poll_in(),
            routes=describe() if callable(describe) else "",
            active_poll_s=self.engine.settings.poll.active_calls_s,
        )

    # -- intents ------------------------------------------------------------------------------

    def select_call(self, call_id: str | None) -> None:
        if call_id != self._selected or self._selection is None:
            self._selected = call_id
            self._selection_stale = True
        self._forward("select_call", call_id)

    def focus_campaign(self, campaign_id: str | None) -> None:
        if campaign_id != self._focused or (campaign_id is not None and self._focus is None):
            self._focused = campaign_id
            self._focus_stale = True
        self._forward("focus_campaign", campaign_id)

    def show_campaigns(self, campaign_ids: tuple[str, ...] | None) -> None:
        show = getattr(self.engine, "show_campaigns", None)
        if callable(show):
            show(campaign_ids)

    def refresh_now(self) -> None:
        self.engine.refresh_now()

    def _forward(self, intent: str, value: str | None) -> None:
        """Tell the engine on the loop's next turn (the newest value of each intent)."""
        self._to_engine[intent] = value
        if self._forwarding:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a synchronous caller): at once
            self._flush()
            return
        self._forwarding = True
        loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._forwarding = False
        pending, self._to_engine = self._to_engine, {}
        for intent, value in pending.items():
            getattr(self.engine, intent)(value)


__all__ = ["EngineSurface", "LiveFeed"]
