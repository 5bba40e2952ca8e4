"""The engine on a fake clock against a scripted API: budget, priorities, faults, recovery."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from monitor.api.client import DialNexaClient
from monitor.clock import FakeClock
from monitor.config import Settings
from monitor.polling.engine import Engine
from tests.drive import drive, settle
from tests.engine.fakeapi import FakeApi


def call(
    cid: str, status: str = "in_progress", campaign: str = "cmp_a", **extra: Any
) -> dict[str, Any]:
    return {
        "id": cid,
        "status": status,
        "campaign_id": campaign,
        "to_number": "+15550100",
        "created_at": "2026-11-23T09:59:00Z",
        **extra,
    }


@pytest.fixture
async def world() -> AsyncIterator[tuple[FakeClock, FakeApi, Engine]]:
    clock = FakeClock()
    api = FakeApi(clock)
    api.campaigns = [
        {
            "id": "cmp_a",
            "name": "Renewals",
            "status": "running",
            "retry_config": {"max_retries": 2, "retry_interval_minutes": 10},
        },
        {"id": "cmp_b", "name": "Winback", "status": "running"},
    ]
    for i in range(10):
        api.active[f"call_{i}"] = call(f"call_{i}")
    client = DialNexaClient("http://x/v1", "k", transport=api.transport(), clock=clock)
    engine = Engine(client, Settings(concurrency_cap=25), clock=clock, rng=random.Random(3))
    task = asyncio.create_task(engine.run())
    yield clock, api, engine
    engine.stop()
    await settle()
    task.cancel()
    await client.aclose()


async def test_steady_state_stays_under_40_requests_a_minute_and_fills_the_store(world) -> None:  # type: ignore[no-untyped-def]
    clock, api, engine = world
    start = clock.monotonic()
    await drive(clock, 600)
    per_minute = [api.requests_in(start + m * 60, start + (m + 1) * 60) for m in range(10)]
    assert max(per_minute) <= 60
    assert max(per_minute[2:]) <= 40
    assert len(engine.store.in_flight()) == 10
    assert set(engine.store.campaigns) == {"cmp_a", "cmp_b"}
    assert all(m == "GET" for _, m, _ in api.log)
    view = engine.view()
    assert view.concurrency.in_flight == 10
    assert view.concurrency.cap == 25
    assert view.health.state == "ok"


async def test_a_call_that_leaves_the_active_list_is_shown_ended_within_one_sweep(world) -> None:  # type: ignore[no-untyped-def]
    clock, api, engine = world
    await drive(clock, 30)
    api.ended["call_3"] = call("call_3", status="busy", ended_at="2026-11-23T10:00:40Z")
    del api.active["call_3"]
    t0 = clock.monotonic()
    while engine.store.calls["call_3"].ended_seen is None:
        await drive(clock, 1)
        assert clock.monotonic() - t0 < 12
    assert all(t.call.id != "call_3" for t in engine.store.in_flight())


async def test_selected_call_is_fetched_first_and_never_faster_than_once_a_second(world) -> None:  # type: ignore[no-untyped-def]
    clock, api, engine = world
    api.ended["call_done"] = call("call_done", status="completed", duration=61)
    await drive(clock, 20)
    engine.select_call("call_done")
    t0 = clock.monotonic()
    await drive(clock, 3)
    first = [t for t in api.paths("/calls/call_done") if t >= t0]
    assert first and first[0] - t0 < 1.5
    engine.refresh_now()
    engine.refresh_now()
    await drive(clock, 60)
    times = api.paths("/calls/call_done")
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
    # A final call is not polled again once read.
    assert len(times) <= 2
    assert engine.view().selected is not None
    assert engine.view().selected.call.status.value == "completed"  # type: ignore[union-attr]


async def test_outage_keeps_the_last_data_and_recovers_without_a_key_press(world) -> None:  # type: ignore[no-untyped-def]
    clock, api, engine = world
    await drive(clock, 30)
    api.fail_status = 503
    t0 = clock.monotonic()
    await drive(clock, 120)
    assert engine.store.health.state == "server_error"
    assert "API error 503" in engine.store.health.message
    assert len(engine.store.in_flight()) == 10  # nothing lost
    active = engine.store.freshness["active"]
    assert active.is_stale(clock.monotonic())
    assert active.error is not None
    outage_rpm = max(api.requests_in(t0 + 60 * m, t0 + 60 * (m + 1)) for m in range(2))
    assert outage_rpm <= 40  # no retry storm
    api.fail_status = None
    t1 = clock.monotonic()
    await drive(clock, 35)
    fresh = engine.store.freshness["active"]
    assert fresh.error is None
    assert fresh.fetched_at is not None and fresh.fetched_at > t1
    assert engine.store.health.state == "ok"


async def test_429_with_retry_after_pauses_every_poller(world) -> None:  # type: ignore[no-untyped-def]
    clock, api, engine = world
    await drive(clock, 20)
    api.fail_status = 429
    api.fail_headers = {"Retry-After": "7"}
    t_fail = clock.monotonic()
    # Until some poller has asked and been told to wait (the slow pollers may all be idle
    # for a few seconds), then a little longer.
    for _ in range(30):
        if any(t >= t_fail for t, _, _ in api.log):
            break
        await drive(clock, 1)
    await drive(clock, 2)
    first_429 = max(t for t, _, _ in api.log)
    assert first_429 >= t_fail
    api.fail_status = None
    api.fail_headers = {}
    await drive(clock, 20)
    after = [t for t, _, _ in api.log if t > first_429]
    assert after and after[0] - first_429 >= 6.99
    assert engine.store.health.state == "ok"


async def test_refused_key_shows_key_refused_and_probes_slowly(world) -> None:  # type: ignore[no-untyped-def]
    clock, api, engine = world
    await drive(clock, 10)
    api.fail_status = 401
    await drive(clock, 10)
    assert engine.store.health.state == "key_refused"
    t0 = clock.monotonic()
    await drive(clock, 180)
    assert api.requests_in(t0, t0 + 180) <= 4  # one probe a minute
    api.fail_status = None
    await drive(clock, 70)
    assert engine.store.health.state == "ok"


async def test_the_loop_sleeps_while_due_jobs_cannot_start(world) -> None:  # type: ignore[no-untyped-def]
    clock, api, engine = world
    await drive(clock, 20)
    api.fail_status = 401  # key refused: every job but the probe is due and held back
    await drive(clock, 10)
    turns = 0
    original = engine.scheduler._start_due_jobs

    def counting() -> None:
        nonlocal turns
        turns += 1
        original()

    engine.scheduler._start_due_jobs = counting  # type: ignore[method-assign]
    await drive(clock, 30)
    assert turns <= 30 / 0.25 + 10


async def test_fallback_words_only_name_fallbacks_in_use() -> None:
    from monitor.polling.fetch import Routes

    routes = Routes()
    assert routes.describe() == ""
    routes.campaigns = "batch-calls"
    assert routes.describe() == "campaigns via /batch-calls"


async def test_the_timeline_agrees_with_the_call_once_it_ends_without_extra_requests(world) -> None:  # type: ignore[no-untyped-def]
    clock, api, engine = world
    await drive(clock, 10)
    engine.select_call("call_5")
    await drive(clock, 8)
    reads = len(api.paths("/call-logs/call_5/retries"))
    assert reads == 1
    api.ended["call_5"] = call("call_5", status="no_answer", ended_at="2026-11-23T10:00:20Z")
    del api.active["call_5"]
    await drive(clock, 12)
    view = engine.view().selected
    assert view is not None
    assert view.call is not None
    assert view.call.status.value == "no_answer"
    (row,) = view.timeline.rows  # type: ignore[union-attr]
    assert row.outcome.value == "no_answer"
    assert len(api.paths("/call-logs/call_5/retries")) == reads


async def keep_changing(clock: FakeClock, api: FakeApi, seconds: float) -> None:
    """Replace one live call with a new one every 2 s, so that every sweep (5 s apart, give or
    take its jitter) finds a change and keeps its base pace."""
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        for cid in [c for c in api.active if c.startswith("call_x")]:
            del api.active[cid]
        fresh = f"call_x{int(clock.monotonic() * 10)}"
        api.active[fresh] = call(fresh)
        await drive(clock, min(2.0, end - clock.monotonic()))


def _active_pages(api: FakeApi, since: float, page: int) -> list[float]:
    return [
        t
        for t, _, url in api.log
        if t >= since and "/calls?" in url and "initiated" in url and f"page={page}&" in url
    ]


async def test_a_full_page_at_the_cap_is_all_calls_in_flight_and_the_cap_is_checked_now_and_then(
    world,  # type: ignore[no-untyped-def]
) -> None:
    clock, api, engine = world
    # 100 in flight against a cap of 100: the next page can only be empty.
    engine.settings = engine.settings.model_copy(update={"concurrency_cap": 100})
    for i in range(99):
        api.active[f"call_{i}"] = call(f"call_{i}")
    # One call is replaced every 2 s, so the sweep keeps its 5 s pace.
    await keep_changing(clock, api, 30)
    t0 = clock.monotonic()
    await keep_changing(clock, api, 120)
    first, second = _active_pages(api, t0, 1), _active_pages(api, t0, 2)
    assert len(first) >= 18
    assert 2 <= len(second) <= 6  # only every 30 s, to check the cap
    assert len(engine.store.in_flight()) == 100
    # The cap was wrong (a plan upgrade not in the config): page 2 has calls, so it is read
    # on every sweep from then on and nothing in flight is missed.
    for i in range(100, 230):  # more than a page (200)
        api.active[f"call_{i}"] = call(f"call_{i}")
    await drive(clock, 40)
    t1 = clock.monotonic()
    await drive(clock, 60)
    assert len(_active_pages(api, t1, 2)) >= len(_active_pages(api, t1, 1)) - 1
    assert len(engine.store.in_flight()) == 230
    assert engine.view().concurrency.in_flight == 230


async def test_pages_read_up_to_the_cap_end_the_sweep_though_rows_repeated_between_pages(
    world,  # type: ignore[no-untyped-def]
) -> None:
    clock, api, engine = world
    # 400 in flight against a cap of 400, two full pages of 200; calls dialled during each
    # sweep push 5 rows of page 1 onto page 2, so the pages name 395 distinct calls. Page 3
    # starts at row 401, which the cap leaves empty: read only every 30 s, to check the cap.
    engine.settings = engine.settings.model_copy(update={"concurrency_cap": 400})
    for i in range(399):
        api.active[f"call_{i}"] = call(f"call_{i}")
    api.pushed_down = 5
    await keep_changing(clock, api, 30)
    t0 = clock.monotonic()
    await keep_changing(clock, api, 120)
    first, third = _active_pages(api, t0, 1), _active_pages(api, t0, 3)
    assert len(first) >= 12
    assert 2 <= len(third) <= 6


async def test_the_selected_call_costs_no_request_while_the_active_list_keeps_it_fresh(
    world,  # type: ignore[no-untyped-def]
) -> None:
    clock, api, engine = world
    # Calls keep changing, so the active sweep keeps its 5 s pace and reads call_4 each time.
    await keep_changing(clock, api, 20)
    engine.select_call("call_4")
    t0 = clock.monotonic()
    await keep_changing(clock, api, 60)
    for cid in [c for c in api.active if c.startswith("call_x")]:
        del api.active[cid]
    # 60 s at 5 s would be 12 requests of its own.
    assert len([t for t in api.paths("/calls/call_4") if t >= t0]) <= 3
    # While the world is still, the sweep backs off, and the selected call is asked for itself.
    t_still = clock.monotonic()
    await drive(clock, 60)
    own = [t for t in api.paths("/calls/call_4") if t >= t_still + 30]
    assert len(own) >= 4
    # It leaves the list: now it is asked for directly, within the selected call's 6 s.
    api.ended["call_4"] = call("call_4", status="no_answer", ended_at="2026-11-23T10:01:00Z")
    del api.active["call_4"]
    t1 = clock.monotonic()
    await drive(clock, 8)
    tracked = engine.store.calls["call_4"]
    assert tracked.ended_seen is not None and tracked.ended_seen - t1 <= 6.0


async def test_more_endings_than_a_page_between_reads_marks_the_retry_wave_partial(
    world,  # type: ignore[no-untyped-def]
) -> None:
    clock, api, engine = world
    for i in range(30):
        api.ended[f"call_e{i}"] = call(f"call_e{i}", status="no_answer")
    await drive(clock, 40)
    assert engine.view().concurrency.wave_partial is False
    # 250 calls end between two reads of the endings list (newest first, 200 a page): the
    # page holds none of what the last read saw. The calls that were listed are looked up
    # by id, so no outcome is missed and the wave stays whole.
    fresh = {f"call_n{i}": call(f"call_n{i}", status="busy") for i in range(250)}
    api.ended = {**fresh, **api.ended}
    await drive(clock, 15)
    assert engine.view().concurrency.wave_partial is False
    # An API without the `call_id` filter (learnt at the first lookup)...
    api.filters_by_id = False
    del api.active["call_9"]
    api.ended["call_9"] = call("call_9", status="no_answer")
    await drive(clock, 90)
    assert engine.lookups is False
    # ...has outcomes missed when more end between two reads than a page holds.
    more = {f"call_m{i}": call(f"call_m{i}", status="busy") for i in range(250)}
    api.ended = {**more, **api.ended}
    await drive(clock, 35)  # the endings page backs off to 30 s while nothing changes
    assert engine.view().concurrency.wave_partial is True
    # Ten minutes without missing any: the wave is whole again.
    await drive(clock, 11 * 60)
    assert engine.view().concurrency.wave_partial is False


async def test_a_campaign_gone_from_the_list_is_dropped_with_its_pollers(world) -> None:  # type: ignore[no-untyped-def]
    """Campaign turnover over a day must not grow the store and the job table (soak R1)."""
    clock, api, engine = world
    await drive(clock, 90)
    assert "cmp_b" in engine.store.tally.campaigns  # its counts are kept
    api.campaigns = [c for c in api.campaigns if c["id"] != "cmp_b"]
    await drive(clock, 20 * 60)
    # Not at once: a list that leaves it out for a few minutes may be a drifted payload.
    assert set(engine.store.campaigns) == {"cmp_a", "cmp_b"}
    await drive(clock, 15 * 60)
    assert set(engine.store.campaigns) == {"cmp_a"}
    assert not [k for k in engine.jobs if k.endswith("/cmp_b")]
    assert not [k for k in engine.store.freshness if k.endswith("/cmp_b")]
    assert "cmp_b" not in engine.store.tally.campaigns
    t0 = clock.monotonic()
    await drive(clock, 120)
    assert not [u for t, _, u in api.log if t >= t0 and "cmp_b" in u]
    assert [r.id for r in engine.view().campaigns] == ["cmp_a"]


def test_an_error_kept_on_a_resource_holds_no_frames() -> None:
    """A resource can fail for hours; its error must not keep the failed request's frames."""
    from monitor.api.errors import ServerError
    from monitor.state.store import Store

    def fail() -> None:
        big = list(range(100_000))  # a local the frame would keep alive
        raise ServerError(f"API error 503 ({len(big)})", status=503)

    store = Store()
    with pytest.raises(ServerError) as raised:
        fail()
    assert raised.value.__traceback__ is not None
    store.mark_error("active", raised.value, 1.0)
    kept = store.freshness["active"].error
    assert kept is not None and kept.__traceback__ is None and kept.__context__ is None
    assert "503" in kept.message


def _lookups(api: FakeApi, since: float = 0.0) -> list[str]:
    return [u for t, _, u in api.log if t >= since and "call_id=" in u]


async def test_calls_that_leave_the_list_unexplained_get_their_outcome_in_one_lookup(
    world,  # type: ignore[no-untyped-def]
) -> None:
    clock, api, engine = world
    # The endings page (newest 200) is full of other campaigns' calls: it cannot explain
    # the two calls of cmp_a that are about to end.
    api.ended = {
        f"call_n{i}": call(f"call_n{i}", status="busy", campaign="cmp_b") for i in range(250)
    }
    await drive(clock, 30)
    assert _lookups(api) == []  # nothing unexplained yet: no request spent
    assert sum(b.calls for b in engine.view().concurrency.wave) == 0
    for cid, outcome in (("call_3", "no_answer"), ("call_7", "busy")):
        del api.active[cid]
        api.ended[cid] = call(cid, status=outcome, ended_at="2026-11-23T10:00:40Z")
    t0 = clock.monotonic()
    await drive(clock, 8)
    # Shown ended as soon as the sweep misses them, outcome still unknown...
    assert engine.store.calls["call_3"].ended_seen is not None
    assert engine.store.calls["call_3"].call.status.value == "in_progress"
    await drive(clock, 20)
    # ...then both outcomes in a single request, and both retries in the wave (10 min later).
    (lookup,) = _lookups(api, t0)
    assert "call_id=call_3%2Ccall_7" in lookup or "call_id=call_7%2Ccall_3" in lookup
    assert engine.store.calls["call_3"].call.status.value == "no_answer"
    assert engine.store.calls["call_7"].call.status.value == "busy"
    wave = engine.view().concurrency.wave
    assert [(b.at.strftime("%H:%M"), b.calls) for b in wave] == [("10:10", 2)]
    await drive(clock, 120)
    assert len(_lookups(api, t0)) == 1  # explained calls are not asked for again


async def test_a_server_that_ignores_the_call_id_filter_costs_one_request(
    world,  # type: ignore[no-untyped-def]
) -> None:
    clock, api, engine = world
    api.filters_by_id = False
    api.ended = {
        f"call_n{i}": call(f"call_n{i}", status="busy", campaign="cmp_b") for i in range(250)
    }
    await drive(clock, 30)
    del api.active["call_3"]
    api.ended["call_3"] = call("call_3", status="no_answer")
    await drive(clock, 180)
    # It answered with calls nobody asked for: none of them taken as call_3's state.
    assert len(_lookups(api)) == 1
    assert engine.lookups is False
    tracked = engine.store.calls["call_3"]
    assert tracked.ended_seen is not None
    # The outcome stays unknown, not wrong: none of the lookup's unasked calls (all `busy`)
    # is taken for it. Only its campaign's own listing, read whole for a campaign this young
    # (its history and its reconciliation, one request each), may bring its true outcome.
    if tracked.call.status.value != "in_progress":
        assert tracked.call.status.value == "no_answer"
        assert tracked.last_source == "campaign call logs"
    assert "call_n0" in engine.store.calls  # (from the endings page, as before)


async def test_a_server_that_cuts_pages_at_100_is_read_whole_at_100_a_page(world) -> None:  # type: ignore[no-untyped-def]
    clock, api, engine = world
    api.page_cap = 100  # the reference site's maximum, where the OpenAPI allows 200
    engine.settings = engine.settings.model_copy(update={"concurrency_cap": 300})
    for i in range(250):
        api.active[f"call_{i}"] = call(f"call_{i}")
    await drive(clock, 60)
    # Nothing in flight taken for ended because page 1 came back "short".
    assert len(engine.store.in_flight()) == 250
    assert all(t.ended_seen is None for t in engine.store.calls.values())
    assert engine.page_width.honoured is False
    t0 = clock.monotonic()
    await drive(clock, 30)
    sweeps = [u for t, _, u in api.log if t >= t0 and "initiated" in u]
    assert sweeps and all("limit=100&" in u for u in sweeps)  # learnt: no 200 asked again


async def test_later_reads_without_batch_id_keep_dialling_calls_in_their_campaign() -> None:
    """FAULTS "merge": `/calls` and `/calls/{id}` rows that leave out the campaign (the OpenAPI
    requires only `id`) must not take a dialling call out of its campaign's in-flight count."""
    clock = FakeClock()
    api = FakeApi(clock)
    api.campaigns = [{"id": "cmp_a", "name": "Renewals", "status": "running"}]
    for i in range(3):
        api.active[f"call_{i}"] = call(f"call_{i}", status="initiated")
    bare = False

    def handle(request: httpx.Request) -> httpx.Response:
        response = api.handle(request)
        if not bare or not request.url.path.startswith("/v1/calls"):
            return response
        body = json.loads(response.content)
        rows = body if isinstance(body, list) else [body]
        for row in rows:
            if isinstance(row, dict):
                row.pop("campaign_id", None)
        return httpx.Response(response.status_code, json=body, headers=response.headers)

    client = DialNexaClient("http://x/v1", "k", transport=httpx.MockTransport(handle), clock=clock)
    engine = Engine(client, Settings(concurrency_cap=25), clock=clock, rng=random.Random(3))
    task = asyncio.create_task(engine.run())
    try:
        await drive(clock, 30)
        assert [(r.id, r.in_flight) for r in engine.view().campaigns] == [("cmp_a", 3)]
        bare = True
        engine.select_call("call_1")
        t0 = clock.monotonic()
        for _ in range(6):
            await drive(clock, 10)
            assert [(r.id, r.in_flight) for r in engine.view().campaigns] == [("cmp_a", 3)]
        assert [t for t in api.paths("/calls?") if t > t0]  # the bare list was read
        assert engine.store.calls["call_1"].call.campaign_id == "cmp_a"
        assert engine.store.calls["call_1"].campaign_source == "in-flight list"
    finally:
        engine.stop()
        await settle()
        task.cancel()
        await client.aclose()


async def _engine_on(handle: Any, clock: FakeClock) -> tuple[Engine, asyncio.Task[None], Any]:
    client = DialNexaClient("http://x/v1", "k", transport=httpx.MockTransport(handle), clock=clock)
    engine = Engine(client, Settings(concurrency_cap=25), clock=clock, rng=random.Random(3))
    return engine, asyncio.create_task(engine.run()), client


async def test_a_404_on_the_call_record_still_shows_its_retry_history() -> None:
    """Issue 15: the record and the history are independent reads (the seed's second retries
    example answers for a call whose record is gone)."""
    clock = FakeClock()
    api = FakeApi(clock)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/call-logs/call_old/retries":
            rows = [
                {
                    "attempt": 1,
                    "status": "busy",
                    "duration_sec": 0,
                    "called_at": "2026-11-23T08:00:00Z",
                },
                {
                    "attempt": 2,
                    "status": "completed",
                    "duration_sec": 75,
                    "called_at": "2026-11-23T09:00:00Z",
                },
            ]
            return httpx.Response(200, json={"data": rows})
        return api.handle(request)

    engine, task, client = await _engine_on(handle, clock)
    try:
        engine.select_call("call_old")
        await drive(clock, 20)
        from monitor.state.views import call_detail

        detail = call_detail(engine.store, "call_old", clock.now())
        assert detail.gone and detail.call is None
        assert detail.timeline is not None
        assert [r.outcome.value for r in detail.timeline.rows] == ["busy", "completed"]
        assert detail.timeline.summary == "completed"
        assert detail.retry_source == "call-logs"
    finally:
        engine.stop()
        await settle()
        task.cancel()
        await client.aclose()


async def test_a_404_on_the_retry_history_of_a_call_that_exists_is_one_attempt_not_gone() -> None:
    clock = FakeClock()
    api = FakeApi(clock)
    api.ended["call_one"] = call("call_one", status="busy", campaign=None, duration=0)  # type: ignore[arg-type]

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/retries"):
            body = {"statusCode": 404, "message": "Call not found", "error": "Not Found"}
            return httpx.Response(404, json=body)
        return api.handle(request)

    engine, task, client = await _engine_on(handle, clock)
    try:
        engine.select_call("call_one")
        await drive(clock, 20)
        from monitor.state.views import call_detail

        detail = call_detail(engine.store, "call_one", clock.now())
        assert not detail.gone and detail.call is not None
        assert detail.retries_error is None
        assert detail.retry_source == "call-record"
        assert detail.timeline is not None and len(detail.timeline.rows) == 1
    finally:
        engine.stop()
        await settle()
        task.cancel()
        await client.aclose()


async def test_showing_data_from_is_the_last_good_answer_not_a_pollers_run(world) -> None:  # type: ignore[no-untyped-def]
    """Issue 15: during an outage the lookups' poller still "runs" (it has nothing to ask), so
    the freshest `fetched_at` moved on; the time of the last good reading must not."""
    clock, api, engine = world
    await drive(clock, 30)
    last_good = engine.store.last_good_read
    assert last_good is not None and clock.monotonic() - last_good < 15
    api.fail_status = 503
    await drive(clock, 90)
    assert engine.store.last_good_read == pytest.approx(last_good, abs=6)
    newest_run = max(f.fetched_at or 0 for f in engine.store.freshness.values())
    assert newest_run > engine.store.last_good_read  # what the banner used to show


async def test_rows_left_out_and_unreadable_values_reach_the_store_for_the_status_line() -> None:
    clock = FakeClock()
    api = FakeApi(clock)
    api.active["call_ok"] = call("call_ok")
    api.active["call_odd"] = call("call_odd", duration="abc")
    api.active["x"] = {"status": "in_progress"}  # no id: left out

    engine, task, client = await _engine_on(api.handle, clock)
    try:
        await drive(clock, 10)
        from monitor.state.notes import read_words

        assert "call_odd" in engine.store.calls  # kept, its duration not known
        assert engine.store.calls["call_odd"].call.duration_s is None
        assert read_words(engine.store, clock.monotonic()) == (
            "1 row unreadable, left out, 1 value unreadable, shown –"
        )
        assert read_words(engine.store, clock.monotonic() + 3600) == ""
    finally:
        engine.stop()
        await settle()
        task.cancel()
        await client.aclose()
