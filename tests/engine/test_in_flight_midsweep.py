"""The concurrency pane mid-sweep: at 1,000 in flight a sweep's pages land one by one, so the
calls its first page lists (replacements among them) sit in the store beside the ended calls
that only its later pages prove gone. The pane says what the latest complete sweep listed until
this one is read whole: never more than were ever in flight at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.api.models import Call
from monitor.api.pages import Page
from monitor.api.vocab import CallStatus
from monitor.clock import FakeClock
from monitor.polling.active import ActiveSweep
from monitor.polling.budget import Budget
from monitor.polling.cadence import Cadence
from monitor.polling.intake import Intake
from monitor.polling.lookups import Lookups
from monitor.polling.scheduler import Job
from monitor.polling.serverclock import ServerClock
from monitor.polling.sweep import PageWidth
from monitor.state.store import Store
from monitor.state.views import concurrency_view

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CAP = 1000
LIMIT = 200


def live(n: int) -> Call:
    return Call.model_validate(
        {"id": f"call_{n:05d}", "status": "in-progress", "campaign_id": "cmp_a",
         "to_number": "+15550100", "created_at": (T0 + timedelta(seconds=n)).isoformat()}
    )  # fmt: skip


class InFlight:
    """The in-flight list, newest first, 200 a page; the pane is read before each page."""

    def __init__(self, ids: list[int], pane: Any) -> None:
        self.ids = sorted(ids, reverse=True)
        self.pane = pane
        self.shown: list[int] = []

    async def list_calls(self, *, page: int, limit: int, **_: Any) -> Page[Call]:
        self.shown.append(self.pane())
        rows = self.ids[(page - 1) * limit : page * limit]
        return Page(tuple(live(n) for n in rows), page, limit, raw_count=len(rows))


def sweeper(api: InFlight, store: Store, clock: FakeClock) -> ActiveSweep:
    intake = Intake(store, ServerClock(clock))
    width = PageWidth()
    width.honoured = True
    lookups = Lookups(
        client=api,  # type: ignore[arg-type]
        store=store,
        clock=clock,
        intake=intake,
        hurry=lambda _now: None,
        analyses_changed=lambda: None,
    )
    return ActiveSweep(
        client=api,  # type: ignore[arg-type]
        store=store,
        clock=clock,
        server_clock=ServerClock(clock),
        budget=Budget(),
        intake=intake,
        lookups=lookups,
        page_width=width,
        cap=lambda: CAP,
        every_s=5.0,
    )


def job() -> Job:
    return Job("active", 1, Cadence(5.0, 30.0), None, due=0.0)  # type: ignore[arg-type]


async def test_replacements_listed_first_never_show_more_than_the_cap() -> None:
    clock, store = FakeClock(), Store()

    def pane() -> int:
        return concurrency_view(store, clock.now(), CAP, clock.monotonic()).in_flight

    # A first sweep: calls 0-999 in flight, at the cap.
    first = InFlight(list(range(CAP)), pane)
    await sweeper(first, store, clock).poll(job())
    assert pane() == CAP
    clock.advance(10)
    # Since then the 40 oldest ended and 40 newer calls took their slots: the newest are on
    # page 1, the ended ones were on page 5, read last.
    now_flying = list(range(40, CAP + 40))
    second = InFlight(now_flying, pane)
    sweep = sweeper(second, store, clock)
    await sweep.poll(job())
    # Before pages 2-5 the store held 1,040 calls as in flight (page 1's newcomers beside the
    # 40 ended ones not yet proven gone): the pane said the last sweep's 1,000 instead.
    assert len(second.shown) >= 5
    assert max(second.shown) == CAP
    assert pane() == CAP
    assert {t.call.id for t in store.in_flight()} == {live(n).id for n in now_flying}


async def test_between_sweeps_a_start_counts_once_listed_or_once_an_ending_made_room() -> None:
    # Between sweeps a call seen starting (a campaign's listing, a lookup) may have taken the
    # slot of a call whose ending no read brought yet: it counts when an ending known since
    # freed a slot, or when the next sweep lists it (the pane then says 301).
    clock, store = FakeClock(), Store()
    first = InFlight(list(range(300)), lambda: 0)
    await sweeper(first, store, clock).poll(job())

    def pane() -> int:
        return concurrency_view(store, clock.now(), CAP, clock.monotonic()).in_flight

    store.upsert_call(live(5000), clock.monotonic())
    assert pane() == 300
    ended = live(7).model_copy(update={"status": CallStatus.COMPLETED})
    store.upsert_call(ended, clock.monotonic())
    assert pane() == 300  # 299 of the sweep's and the newcomer in the slot call 7 freed
    store.upsert_call(live(5001), clock.monotonic())
    assert pane() == 300
    clock.advance(5)
    listed = InFlight([n for n in range(300) if n != 7] + [5000, 5001], lambda: 0)
    await sweeper(listed, store, clock).poll(job())
    assert pane() == 301
