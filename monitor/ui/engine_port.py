"""What the UI needs from the polling engine.

`monitor.polling.engine.Engine` satisfies it; tests pass a fake whose `run()` does nothing and
write the store by hand. The UI only reads the store and sends intents (what the user is
looking at), never data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from monitor.clock import Clock
from monitor.config import Settings
from monitor.state.store import Store
from monitor.state.views import DashboardView


class EnginePort(Protocol):
    store: Store
    settings: Settings
    clock: Clock

    async def run(self) -> None:
        """Poll until `stop()`; never raises on API errors."""
        ...

    def stop(self) -> None: ...

    def select_call(self, call_id: str | None) -> None:
        """The call the user is looking at: its retry history is fetched first."""
        ...

    def focus_campaign(self, campaign_id: str | None) -> None: ...

    def refresh_now(self) -> None: ...

    def next_poll_in(self) -> float | None:
        """Seconds until the next request, or None when nothing is scheduled."""
        ...

    def api_now(self) -> datetime:
        """Now on the API's clock (its `Date`), for running calls' durations."""
        ...

    def view(self) -> DashboardView: ...
