"""The queue longer than the pages read: its oldest calls (next to be dialled) are read too, so
one that leaves the queue between two sweeps is looked up (a short dial of a retry queued
minutes ago is on no other list); an API that ignores `created_at=asc` is not asked again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.api.models import Call
from monitor.api.pages import Page
from monitor.clock import FakeClock
from monitor.polling.intake import Intake
from monitor.polling.queued import MAX_QUEUED_PAGES, QueuedSweep
from monitor.polling.serverclock import ServerClock
from monitor.polling.sweep import PageWidth
from monitor.state.store import STALE_READ_S, Store

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LIMIT = 200


def queued(n: int) -> Call:
    return Call.model_validate(
        {"id": f"call_{n:05d}", "status": "created", "campaign_id": "cmp_a",
         "to_number": "+15550100", "created_at": (T0 + timedelta(seconds=n)).isoformat()}
    )  # fmt: skip


class Queue:
    """A queue of `size` calls; `honours_asc`: whether `created_at=asc` is obeyed."""

    def __init__(self, size: int, honours_asc: bool = True) -> None:
        self.ids = list(range(size))
        self.honours_asc = honours_asc
        self.asked: list[tuple[int, bool]] = []

    async def list_calls(self, *, page: int, limit: int, oldest_first: bool = False,
                         **_: Any) -> Page[Call]:  # fmt: skip
        self.asked.append((page, oldest_first))
        rows = sorted(self.ids, reverse=not (oldest_first and self.honours_asc))
        chunk = rows[(page - 1) * limit : page * limit]
        return Page(tuple(queued(n) for n in chunk), page, limit, raw_count=len(chunk))


class Looked:
    def __init__(self) -> None:
        self.left: list[str] = []

    def left_lists(self, call_id: str, now: float) -> None:
        self.left.append(call_id)

    def want(self, call_id: str, now: float) -> None:
        pass


def sweep(queue: Queue) -> tuple[QueuedSweep, Looked, FakeClock]:
    clock, store, looked = FakeClock(), Store(), Looked()
    width = PageWidth()
    width.honoured = True
    poller = QueuedSweep(
        client=queue,  # type: ignore[arg-type]
        store=store,
        clock=clock,
        intake=Intake(store, ServerClock(clock)),
        lookups=looked,  # type: ignore[arg-type]
        page_width=width,
    )
    return poller, looked, clock


async def test_the_oldest_queued_calls_are_read_and_one_gone_is_looked_up() -> None:
    queue = Queue(size=LIMIT * MAX_QUEUED_PAGES + 500)
    poller, looked, clock = sweep(queue)
    await poller.poll(None)  # type: ignore[arg-type]
    assert queue.asked[-1] == (1, True)  # after the five newest pages, the oldest
    assert len(queue.asked) == MAX_QUEUED_PAGES + 1
    # The two oldest are dialled and end between two sweeps: on no list any more.
    queue.ids = queue.ids[2:]
    clock.advance(30)
    await poller.poll(None)  # type: ignore[arg-type]
    assert sorted(looked.left) == ["call_00000", "call_00001"]


async def test_an_api_that_ignores_the_oldest_first_order_is_not_asked_again() -> None:
    queue = Queue(size=LIMIT * MAX_QUEUED_PAGES + 500, honours_asc=False)
    poller, looked, clock = sweep(queue)
    await poller.poll(None)  # type: ignore[arg-type]
    clock.advance(30)
    await poller.poll(None)  # type: ignore[arg-type]
    assert [a for a in queue.asked if a[1]] == [(1, True)]
    assert looked.left == []


async def test_a_queue_read_whole_costs_no_extra_request() -> None:
    queue = Queue(size=LIMIT + 10)
    poller, _, _ = sweep(queue)
    await poller.poll(None)  # type: ignore[arg-type]
    assert queue.asked == [(1, False), (2, False)]


async def test_a_call_that_ended_while_the_queue_pages_were_held_stays_ended() -> None:
    # Background work at 1,000 in flight: the queue's pages are sent tens of seconds apart
    # (the budget holds them) and taken in once all are read. A call on the first page that
    # was dialled and ended meanwhile (its ending delivered by a webhook) is shown ended, not
    # back in the queue (29 such calls in bench_webhooks' huge run, for up to two minutes).
    queue = Queue(size=LIMIT * 3 + 10)
    poller, _, clock = sweep(queue)
    store = poller.store
    first = queued(LIMIT * 3 + 9)  # the newest: on page 1
    ended = Call.model_validate(
        {**first.model_dump(mode="json", exclude_none=True), "status": "busy"}
    )
    inner = queue.list_calls
    delivered: list[float] = []

    async def held(*, page: int, limit: int, oldest_first: bool = False, **kw: Any) -> Page[Call]:
        if page > 1:
            clock.advance(10)  # held by the budget
        if page == 2:
            delivered.append(clock.monotonic())
            poller.intake.take(ended, clock.monotonic(), source="webhook")
        return await inner(page=page, limit=limit, oldest_first=oldest_first, **kw)

    queue.list_calls = held  # type: ignore[method-assign]
    await poller.poll(None)  # type: ignore[arg-type]
    assert clock.monotonic() - delivered[0] > STALE_READ_S  # taken in that long after
    rows = store.queued()
    assert len(rows) == LIMIT * 3 + 9  # every other call read is queued
    assert first.id not in {t.call.id for t in rows}
    assert store.calls[first.id].call.status.value == "busy"
    assert store.calls[first.id].ended_seen is not None
