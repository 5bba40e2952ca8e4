"""While webhooks flow, the endings page is the reconciliation (issue 22): an ending whose
delivery was lost, of a call no list named (no start delivered, dialled and ended between two
of the slowed active sweeps), is found there or nowhere. `GET /calls` sorts by creation, so
such a call, queued a while before it was dialled, sits below the rows of the last read: the
read goes down to the queue's floor as well (bench_webhooks' huge run lost 3 endings so)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.api.models import Call
from monitor.api.pages import Page
from monitor.api.vocab import FINAL_STATUSES
from monitor.clock import FakeClock
from monitor.polling.endings import Endings
from monitor.polling.fetch import Routes
from monitor.polling.intake import Intake
from monitor.polling.scheduler import Job
from monitor.polling.serverclock import ServerClock
from monitor.polling.short import QueueFloor
from monitor.polling.sweep import PageWidth
from monitor.polling.webhooks import RECONCILE_ENDINGS_S, UNSWEPT_S
from monitor.state.store import Store

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LIMIT = 200


def ended(n: int) -> Call:
    """The call created `n` seconds after T0, ended (no answer)."""
    return Call.model_validate(
        {"id": f"call_{n:05d}", "status": "no_answer", "campaign_id": "cmp_a",
         "to_number": "+15550100", "created_at": (T0 + timedelta(seconds=n)).isoformat()}
    )  # fmt: skip


class EndingsList:
    """The ended calls, newest created first, as `GET /calls` serves them."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids

    async def list_calls(self, *, page: int, limit: int, **_: Any) -> Page[Call]:
        rows = sorted(self.ids, reverse=True)[(page - 1) * limit : page * limit]
        return Page(tuple(ended(n) for n in rows), page, limit, raw_count=len(rows))


class NoLookups:
    enabled = True
    endings_read = -1e9


def reconciler(api: EndingsList, floor: QueueFloor) -> tuple[Endings, Store, FakeClock]:
    clock, store = FakeClock(), Store()
    width = PageWidth()
    width.honoured = True
    endings = Endings(
        client=api,  # type: ignore[arg-type]
        routes=Routes(),
        store=store,
        clock=clock,
        server_clock=ServerClock(clock),
        intake=Intake(store, ServerClock(clock)),
        lookups=NoLookups(),  # type: ignore[arg-type]
        page_width=width,
        analyses_changed=lambda: None,
    )
    endings.slow_s = lambda _now: RECONCILE_ENDINGS_S  # deliveries flow
    # As `attach_webhooks` wires it.
    endings.floor = lambda since: floor.reach(since, UNSWEPT_S)
    return endings, store, clock


def job() -> Job:
    return Job("endings", 2, None, None, due=0.0)  # type: ignore[arg-type]


async def test_an_ending_no_list_named_created_below_the_last_read_is_found() -> None:
    # Created T0+0 s .. T0+999 s, all ended but one, still in flight.
    api = EndingsList([n for n in range(1000) if n != 500])
    floor = QueueFloor()
    endings, store, clock = reconciler(api, floor)
    # A queue read: every queued call created before T0+450 s was on it (named).
    floor.note(clock.monotonic(), T0 + timedelta(seconds=450))
    clock.advance(UNSWEPT_S)
    await endings.poll(job())  # the last read: its first page reaches T0+800 s
    assert "call_00500" not in store.calls
    # Created at T0+500 s, queued, then dialled and ended between two sweeps; its ending's
    # delivery was dropped. 300 newer calls ended meanwhile.
    api.ids += [500, *range(1000, 1300)]
    clock.advance(RECONCILE_ENDINGS_S)
    await endings.poll(job())
    tracked = store.calls.get("call_00500")
    assert tracked is not None and tracked.call.status in FINAL_STATUSES
    assert tracked.ended_seen is not None


async def test_a_whole_sweep_after_a_queue_read_lets_the_read_stop_at_that_reads_floor() -> None:
    # Two queue reads: the older says no unnamed call was created before T0, the newer before
    # T0+450 s; a whole active sweep came after the newer and before the last read (a call
    # unnamed then and still in flight through the sweep was listed). The read goes down to
    # T0+450 s and no deeper, and still finds the ending no list named.
    api = EndingsList([n for n in range(1000) if n != 500])
    floor = QueueFloor()
    endings, store, clock = reconciler(api, floor)
    asked: list[int] = []
    inner = api.list_calls

    async def counted(*, page: int, limit: int, **kw: Any) -> Page[Call]:
        asked.append(page)
        return await inner(page=page, limit=limit, **kw)

    api.list_calls = counted  # type: ignore[method-assign]
    floor.note(clock.monotonic(), T0)
    clock.advance(UNSWEPT_S)
    floor.note(clock.monotonic(), T0 + timedelta(seconds=450))
    clock.advance(5)
    floor.swept(clock.monotonic(), clock.monotonic() + 3)
    clock.advance(5)
    await endings.poll(job())
    api.ids += [500, *range(1000, 1300)]
    clock.advance(RECONCILE_ENDINGS_S)
    asked.clear()
    await endings.poll(job())
    tracked = store.calls.get("call_00500")
    assert tracked is not None and tracked.call.status in FINAL_STATUSES
    # Rows 1299..300 newest first: T0+450 s is on page 5; T0 (the older floor) on page 7.
    assert max(asked) == 5
