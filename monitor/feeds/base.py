"""The `Feed` protocol: a stream of `MonitorSnapshot` values plus an intent sink.

Intents say what the viewer looks at ("select call X", "focus campaign Y", "these campaigns
are on screen", "refresh"): they change what the source fetches first and how urgently, and
which call's detail and which campaign's calls the next snapshots carry, never the data.

A consumer either iterates `snapshots()` (a coalesced push: a burst of changes is one value,
a slow consumer gets the newest, not a backlog), or, like the UI, listens with `subscribe`
and pulls on its own clock: `snapshot()` for new data, `latest()` for the data already taken
with the clock read now (a second's countdown costs no rebuild).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Protocol

from monitor.state.snapshot import MonitorSnapshot


class Feed(Protocol):
    async def run(self) -> None:
        """Produce snapshots until `stop()` (a live feed polls); never raises on API errors."""
        ...

    def stop(self) -> None: ...

    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        """Call `listener(version)` whenever new data is there; returns the unsubscribe."""
        ...

    def snapshot(self) -> MonitorSnapshot:
        """The newest snapshot, with every part that changed rebuilt."""
        ...

    def latest(self) -> MonitorSnapshot:
        """The data last taken by `snapshot()`, with the clock and the viewer's parts now."""
        ...

    def snapshots(self) -> AsyncIterator[MonitorSnapshot]:
        """New data or the next second, whichever comes first; coalesced."""
        ...

    def select_call(self, call_id: str | None) -> None: ...

    def focus_campaign(self, campaign_id: str | None) -> None: ...

    def show_campaigns(self, campaign_ids: tuple[str, ...] | None) -> None: ...

    def refresh_now(self) -> None: ...


__all__ = ["Feed"]
