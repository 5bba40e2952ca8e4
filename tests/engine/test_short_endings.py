"""Short endings (`busy`, `failed`) read down to the queue's oldest call: a call that sat in the
middle of a long queue, then was dialled and ended between two active sweeps, is on no other
list, and is counted from this read (not hours later by reconciliation); no request while the
endings page already reaches that deep."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.api.models import Call
from monitor.api.pages import Page
from monitor.clock import FakeClock
from monitor.polling.intake import Intake
from monitor.polling.scheduler import Job
from monitor.polling.serverclock import ServerClock
from monitor.polling.short import SHORT_CALL_S, SHORT_PAGES, SHORT_S, QueueFloor, ShortEndings
from monitor.polling.sweep import PageWidth
from monitor.state.store import Store
from tests.engine.test_queued_oldest import Queue, sweep

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LIMIT = 200


RECENT = datetime(2026, 11, 23, 10, 1, tzinfo=UTC)
"""After the monitor started (the fake clock starts at 10:00)."""


def ended(n: int, at: datetime = RECENT) -> Call:
    created = T0 + timedelta(seconds=n)
    return Call.model_validate(
        {"id": f"call_{n:05d}", "status": "busy", "campaign_id": "cmp_a",
         "to_number": "+15550100", "created_at": created.isoformat(),
         "ended_at": at.isoformat()}
    )  # fmt: skip


class ShortList:
    """`size` short endings, created a second apart; newest first, like `GET /calls`."""

    def __init__(self, size: int, ended_at: Callable[[int], datetime] = lambda _n: RECENT) -> None:
        self.size = size
        self.ended_at = ended_at
        self.asked: list[tuple[int, str]] = []

    async def list_calls(
        self, *, page: int, limit: int, statuses: tuple[str, ...] = (), **_: Any
    ) -> Page[Call]:
        self.asked.append((page, ",".join(statuses)))
        rows = list(range(self.size - 1, -1, -1))[(page - 1) * limit : page * limit]
        calls = tuple(ended(n, self.ended_at(n)) for n in rows)
        return Page(calls, page, limit, raw_count=len(rows))


def poller(api: ShortList) -> tuple[ShortEndings, Store, FakeClock]:
    clock, store = FakeClock(), Store()
    width = PageWidth()
    width.honoured = True
    short = ShortEndings(
        client=api,  # type: ignore[arg-type]
        store=store,
        clock=clock,
        intake=Intake(store, ServerClock(clock)),
        page_width=width,
        floor=QueueFloor(),
    )
    return short, store, clock


def job() -> Job:
    return Job("short", 2, None, None, due=0.0)  # type: ignore[arg-type]


async def test_short_endings_are_read_down_to_the_queues_oldest_call() -> None:
    api = ShortList(1000)
    short, store, clock = poller(api)
    # The queue, read a minute before: a call no read named was created at T0 + 500 s or
    # later.
    short.floor.note(clock.monotonic() - 60, T0 + timedelta(seconds=500))
    clock.advance(SHORT_S)
    await short.poll(job())
    # Newest first: rows 999-800, 799-600, 599-400; the third reaches the floor.
    assert api.asked == [(1, "busy,failed"), (2, "busy,failed"), (3, "busy,failed")]
    # A call from the middle of the queue, on no other list, is counted.
    assert "call_00520" in store.tally.campaigns["cmp_a"].endings
    assert "call_00350" not in store.tally.campaigns["cmp_a"].endings


async def test_short_endings_covered_before_are_not_brought_back() -> None:
    # An hour in: the calls up to 700 ended long ago (covered by an earlier read; the store
    # may have let them go at its bound), the newer ones since the last read.
    hour = RECENT + timedelta(hours=1)
    api = ShortList(1000, lambda n: hour if n >= 700 else RECENT)
    short, store, clock = poller(api)
    clock.advance(3600)
    short.covered = clock.monotonic() - SHORT_S
    short.floor.note(short.covered - 60, T0 + timedelta(seconds=500))
    await short.poll(job())
    assert len(api.asked) == 3
    # Only the newer ones are taken: one let go is not brought back as newly ended.
    assert sorted(store.calls) == [f"call_{n:05d}" for n in range(700, 1000)]


async def test_no_request_while_the_endings_page_reaches_as_deep() -> None:
    api = ShortList(1000)
    short, _, clock = poller(api)
    short.floor.note(clock.monotonic() - 60, T0 + timedelta(seconds=500))
    clock.advance(SHORT_S)
    # An endings page (every outcome) read now went back to calls created at T0 + 480 s.
    short.reached(T0 + timedelta(seconds=480), clock.monotonic(), False)
    running = job()
    await short.poll(running)
    assert api.asked == []
    assert running.due_hint == clock.monotonic() + SHORT_S
    # One that stopped short of the queue's oldest call does not stand in for the read.
    clock.advance(SHORT_S)
    short.reached(T0 + timedelta(seconds=520), clock.monotonic(), False)
    await short.poll(job())
    assert len(api.asked) == 3


async def test_the_next_read_is_due_short_s_after_what_the_endings_page_covered() -> None:
    # An endings page read 50 s ago reached deep enough: the short endings are covered through
    # then, so the next read is due SHORT_S after it (70 s from now), not SHORT_S from now.
    api = ShortList(1000)
    short, _, clock = poller(api)
    short.floor.note(clock.monotonic() - 60, T0 + timedelta(seconds=500))
    clock.advance(SHORT_S)
    covered = clock.monotonic() - 50
    short.reached(T0 + timedelta(seconds=480), covered, False)
    running = job()
    await short.poll(running)
    assert api.asked == []
    assert running.due_hint == covered + SHORT_S


async def test_without_the_queues_oldest_at_most_a_few_pages_are_read() -> None:
    api = ShortList(5000)
    short, _, clock = poller(api)
    clock.advance(SHORT_S)
    await short.poll(job())
    assert [page for page, _ in api.asked] == list(range(1, SHORT_PAGES + 1))
    # A short list ends the read at its last page.
    api = ShortList(300)
    short, _, clock = poller(api)
    clock.advance(SHORT_S)
    await short.poll(job())
    assert [page for page, _ in api.asked] == [1, 2]


def test_the_floor_is_the_queue_read_before_any_call_that_could_end_unseen() -> None:
    floor = QueueFloor()
    assert floor.bound(1000.0) is None
    floor.note(900.0, T0)
    floor.note(990.0, T0 + timedelta(seconds=90))
    # A call dialled just before the read at 990 s and ending after 1,000 s was not queued
    # then: the read before bounds it.
    assert floor.bound(1000.0) == T0
    assert floor.bound(990.0 + SHORT_CALL_S) == T0 + timedelta(seconds=90)


async def test_the_queue_sweep_says_how_old_a_call_it_did_not_name_can_be() -> None:
    # Longer than the pages read: the oldest page's newest row (those older are on it).
    queue = Queue(size=LIMIT * 5 + 500)
    queued, _, _ = sweep(queue)
    await queued.poll(None)  # type: ignore[arg-type]
    assert queued.floor.readings[-1][1] == datetime(2026, 11, 23, 10, 3, 19, tzinfo=UTC)
    # Read whole (even a queue whose oldest call waits for hours, a paused campaign's): only
    # a call created after the read can be unnamed.
    queue = Queue(size=LIMIT + 10)
    queued, _, clock = sweep(queue)
    clock.advance(3600)
    await queued.poll(None)  # type: ignore[arg-type]
    assert queued.floor.readings[-1][1] == clock.now()
