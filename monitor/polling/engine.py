"""The engine: pollers inside one shared rate budget, feeding the store. (Being built.)"""

from __future__ import annotations

import asyncio
import random

from monitor.api.client import DialNexaClient
from monitor.clock import Clock, SystemClock
from monitor.config import Settings
from monitor.polling.fetch import Routes
from monitor.state.store import Store
from monitor.state.views import DashboardView, dashboard_view


class Engine:
    """Polls the API within the budget and keeps the store current; never raises on API errors.

    Intents from the UI (`select_call`, `focus_campaign`, `refresh_now`) change what is polled
    and how urgently, never the data itself.
    """

    def __init__(
        self,
        client: DialNexaClient,
        settings: Settings,
        *,
        clock: Clock | None = None,
        store: Store | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.store = store or Store()
        self.routes = Routes()
        self.rng = rng or random.Random()
        self.selected_call_id: str | None = None
        self.focused_campaign_id: str | None = None
        self._stop = asyncio.Event()

    async def run(self) -> None:
        await self._stop.wait()

    def stop(self) -> None:
        self._stop.set()

    def select_call(self, call_id: str | None) -> None:
        self.selected_call_id = call_id

    def focus_campaign(self, campaign_id: str | None) -> None:
        self.focused_campaign_id = campaign_id

    def refresh_now(self) -> None:
        pass

    def next_poll_in(self) -> float | None:
        return None

    def view(self) -> DashboardView:
        return dashboard_view(
            self.store,
            now=self.clock.now(),
            mono_now=self.clock.monotonic(),
            cap=self.settings.concurrency_cap,
            selected_call_id=self.selected_call_id,
        )
