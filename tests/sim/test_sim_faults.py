"""Each fault in the catalogue behaves as named (in-process), and the switching rules hold."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime

import httpx
import pytest

from monitor.clock import FakeClock
from monitor.sim import SimServer, Simulator, World, get_scenario
from monitor.sim.faults import FaultController, parse_fault_specs
from monitor.sim.hostile import HOSTILE_CASES, HOSTILE_NAME_POOL, HOSTILE_URLS
from tests.sim.simkit import KEY, items_of, unwrap

Check = Callable[[Simulator, httpx.AsyncClient, FakeClock], Awaitable[None]]
CHECKS: dict[str, Check] = {}
KNOWN_STATUSES = {"queued", "initiated", "in_progress", "completed", "no_answer", "busy",
                  "voicemail", "failed", "cancelled"}  # fmt: skip


def check(*fault_ids: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        for fid in fault_ids:
            CHECKS[fid] = fn
        return fn

    return register


def parent_of_retried(sim: Simulator) -> str:
    return next(s.parent_id for s in sim.world.all_series() if len(s.attempts) >= 3)


async def settle(task: asyncio.Task[httpx.Response], clock: FakeClock, step: float) -> None:
    """Advance the fake clock until the request finishes (bounded)."""
    for _ in range(20_000):
        await asyncio.sleep(0)
        if task.done():
            return
        clock.advance(step)
    raise AssertionError("request never finished")


# ------------------------------------------------------------------ payload


@check("P1")
async def _html_200(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    r = await c.get("/calls")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.content == b"<html>502 Bad Gateway</html>"


@check("P2")
async def _empty(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    bodies = [(await c.get("/calls")).content for _ in range(4)]
    assert bodies == [b"", b"null", b"[]", b"{}"]


@check("P3")
async def _truncated(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    r = await c.get("/calls")
    assert int(r.headers["content-length"]) == len(r.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.content)


@check("invalid-json")
async def _invalid(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    for _ in range(2):
        r = await c.get("/calls")
        with pytest.raises(json.JSONDecodeError):
            json.loads(r.content)


@check("P4")
async def _wrong_types(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    sim.dialect = "canonical"
    rows = items_of((await c.get("/calls", params={"limit": 10})).json())
    durations = [r["duration_seconds"] for r in rows]
    assert {type(d) for d in durations} >= {str, int, float, type(None)}
    assert "abc" in durations and -3 in durations and 1e30 in durations
    assert "not an object" in [r["metadata"] for r in rows]


@check("P5")
async def _unknown_status(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    rows = items_of((await c.get("/calls", params={"limit": 8})).json())
    statuses = {r["status"] for r in rows}
    assert {"NO-ANSWER", " completed ", "mystery_state"} <= statuses


@check("P6")
async def _missing(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    rows = items_of((await c.get("/calls")).json())
    assert "id" not in rows[0] and "status" not in rows[1] and "id" in rows[2]


@check("P7")
async def _extra(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    rows = items_of((await c.get("/calls")).json())
    assert all("x_unknown_field" in r and "fallback_stt_transcriber_id" in r for r in rows)


@check("drift")
async def _drift(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    sim.dialect = "canonical"
    rows = items_of((await c.get("/calls")).json())
    for row in rows:
        assert {"id", "status", "creation_time", "call_duration", "recipient"} <= set(row)
        assert "created_at" not in row and "to_phone_number" not in row
    body = (await c.get(f"/call-logs/{parent_of_retried(sim)}/retries")).json()
    assert "dialed_at" in body["data"][0], "retry rows drift too"


@check("P8")
async def _null_envelope(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    sim.dialect = "canonical"
    bodies = [(await c.get("/calls")).json() for _ in range(3)]
    assert bodies[0]["data"] is None
    assert bodies[1]["meta"] is None
    assert "totalPages" not in bodies[2]["meta"] and bodies[2]["data"]


@check("P9")
async def _shrinking(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    sim.dialect = "canonical"
    totals = [
        (await c.get("/calls", params={"page": p, "limit": 10})).json()["meta"]["total"]
        for p in range(1, 6)
    ]
    assert totals[0] > totals[1] > totals[2] > totals[3] and totals[4] == -1


@check("P10")
async def _same_page(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    one = (await c.get("/calls", params={"page": 1, "limit": 5})).json()
    for page in (2, 50, 999):
        assert (await c.get("/calls", params={"page": page, "limit": 5})).json() == one


@check("P11")
async def _bad_times(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    sim.dialect = "canonical"
    rows = items_of((await c.get("/calls", params={"limit": 6})).json())
    created = [r["created_at"] for r in rows]
    assert {"Invalid Date", 1714557600, "0001-01-01T00:00:00Z"} <= set(created)


@check("P12")
async def _nan(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    r = await c.get("/calls", params={"limit": 3})
    assert b"NaN" in r.content and b"Infinity" in r.content


@check("P13")
async def _duplicates(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    rows = items_of((await c.get("/calls", params={"limit": 5})).json())
    ids = [r["id"] for r in rows]
    assert len(ids) == 7 and len(set(ids)) == 5


@check("P14")
async def _huge(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    r = await c.get("/calls", params={"limit": 2})
    assert len(r.content) > 6 * 1024 * 1024


@check("P16")
async def _bad_utf8(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    r = await c.get("/campaigns")
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")
    assert b"\\ud800" in r.content


@check("P17")
async def _retry_shuffle(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    path = f"/call-logs/{parent_of_retried(sim)}/retries"
    seen = []
    for _ in range(4):
        rows = (await c.get(path)).json()["data"]
        seen.append([r["attempt"] for r in rows])
    n = len(seen[0])
    assert seen[0] == list(range(n, 0, -1)), "out of order"
    assert len(seen[1]) == n + 1 and len(set(seen[1])) == n, "duplicated"
    assert seen[2][0] == 0, "0-based"
    assert len(seen[3]) == n - 1, "a gap"
    assert (await c.get("/calls")).status_code == 200


@check("P18")
async def _path_ids(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    rows = items_of((await c.get("/calls", params={"limit": 5})).json())
    assert {"../campaigns", "call_1?x=1", "a/b", "%2F"} <= {r["id"] for r in rows}


@check("P20")
async def _reset_epoch(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    r = await c.get("/calls")
    assert int(r.headers["X-RateLimit-Reset"]) > 10**9


@check("hostile")
async def _hostile(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    rows = items_of((await c.get("/calls", params={"limit": 60})).json())
    names = {r["metadata"]["customer_name"] for r in rows}
    assert names <= set(HOSTILE_NAME_POOL) and len(names) > 20
    assert any(len(n) == 10_000 for n in names) or "N" * 10_000 in HOSTILE_NAME_POOL
    campaigns = items_of((await c.get("/campaigns")).json())
    assert all(x["name"] in HOSTILE_NAME_POOL for x in campaigns)


async def _one_case(case: str, sim: Simulator, c: httpx.AsyncClient) -> None:
    rows = items_of((await c.get("/calls", params={"limit": 12})).json())
    strings = set(HOSTILE_CASES[case])
    if case == "T17":
        assert {r["status"] for r in rows} & strings
    else:
        assert {r["metadata"]["customer_name"] for r in rows} <= strings
    if case == "T5":
        sim.dialect = "canonical"
        rows = items_of((await c.get("/calls", params={"status": "completed", "limit": 5})).json())
        assert {r["recording_url"] for r in rows} <= set(HOSTILE_URLS)


for _case in HOSTILE_CASES:

    async def _case_check(
        sim: Simulator, c: httpx.AsyncClient, clock: FakeClock, case: str = _case
    ) -> None:
        await _one_case(case, sim, c)

    CHECKS[_case] = _case_check


# ------------------------------------------------------------------- network


@check("N4")
async def _timeout(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    task = asyncio.create_task(c.get("/calls"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not task.done()
    clock.advance(3599)
    for _ in range(20):
        await asyncio.sleep(0)
    assert not task.done(), "still waiting after 59 minutes"
    clock.advance(1)
    assert (await task).status_code == 200


@check("N18")
async def _slow(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    task = asyncio.create_task(c.get("/calls"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not task.done()
    clock.advance(4)
    assert (await task).status_code == 200


@check("N5")
async def _trickle(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    campaign = sim.world.campaigns[0].id
    start = clock.monotonic()
    task = asyncio.create_task(c.get(f"/campaigns/{campaign}"))
    await settle(task, clock, 0.5)
    response = task.result()
    assert unwrap(response.json())["id"] == campaign
    assert clock.monotonic() - start >= 0.5 * (len(response.content) - 1)


@check("N7")
async def _reset(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    with pytest.raises(httpx.ReadError):
        await c.get("/calls")
    assert sim.requests.last() is not None


async def _expect_429(c: httpx.AsyncClient) -> httpx.Response:
    r = await c.get("/calls")
    assert r.status_code == 429
    assert r.json() == {"statusCode": 429, "message": "Too Many Requests",
                        "error": "Too Many Requests"}  # fmt: skip
    assert "X-RateLimit-Limit" in r.headers
    return r


@check("N8")
async def _retry_after_7(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    assert (await _expect_429(c)).headers["Retry-After"] == "7"


@check("N9")
async def _http_date(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    offsets = []
    for _ in range(3):
        when = parsedate_to_datetime((await _expect_429(c)).headers["Retry-After"])
        offsets.append((when - clock.now()).total_seconds())
    assert [round(o) for o in offsets] == [10, -30, 3600]


@check("N10")
async def _bad_retry_after(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    values = [(await _expect_429(c)).headers["Retry-After"] for _ in range(4)]
    assert values == ["-5", "abc", "1.5", "99999999"]


@check("N11")
async def _storm(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    seen = [(await _expect_429(c)).headers.get("Retry-After") for _ in range(6)]
    assert seen == ["5", None, "5", None, "5", None]


@check("N12")
async def _5xx_json(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    codes = []
    for _ in range(4):
        r = await c.get("/calls")
        assert r.json()["statusCode"] == r.status_code
        codes.append(r.status_code)
        if r.status_code == 503:
            assert r.headers["Retry-After"] == "3"
    assert codes == [500, 502, 503, 504]


@check("N21")
async def _5xx_html(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    responses = [await c.get("/calls") for _ in range(4)]
    assert [r.status_code for r in responses] == [502, 503, 504, 500]
    assert all(r.headers["content-type"].startswith("text/html") for r in responses)
    assert b"<h1>502 Bad Gateway</h1>" in responses[0].content
    assert len(responses[3].content) > 2 * 1024 * 1024


@check("N13")
async def _revoked(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    r = await c.get("/calls")
    assert r.status_code == 401 and r.json()["message"] == "API key has been revoked"
    sim.faults.disable("revoke-key")
    assert (await c.get("/calls")).status_code == 200


@check("N14")
async def _forbidden_retries(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    r = await c.get(f"/call-logs/{parent_of_retried(sim)}/retries")
    assert r.status_code == 403 and r.json()["error"] == "Forbidden"
    assert (await c.get("/calls")).status_code == 200
    assert (await c.get("/call-logs")).status_code == 200


@check("403")
async def _forbidden(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    assert (await c.get("/campaigns")).status_code == 403


@check("N15")
async def _gone(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    call = sim.world.calls[0].id
    r = await c.get(f"/calls/{call}")
    assert r.status_code == 404 and r.json()["message"] == "Call not found"
    assert (await c.get("/calls")).status_code == 200


@check("N16")
async def _redirect(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    r = await c.get("/calls")
    assert r.status_code == 302 and r.headers["location"] == "http://evil.example/v1/calls"


@check("N20")
async def _flap(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    seen = []
    for _ in range(4):
        seen.append((await c.get("/calls")).status_code)
        clock.advance(30)
    assert seen == [200, 503, 200, 503]


@check("no-call-logs")
async def _no_reference(sim: Simulator, c: httpx.AsyncClient, clock: FakeClock) -> None:
    campaign = sim.world.campaigns[0].id
    retries = f"/call-logs/{parent_of_retried(sim)}/retries"
    paths = ["/call-logs", f"/call-logs/campaign/{campaign}", "/campaigns", retries]
    for path in [*paths, f"/campaigns/{campaign}"]:
        r = await c.get(path)
        assert r.status_code == 404
        assert r.json()["message"].startswith(f"Cannot GET /v1{path}")
        assert r.json()["error"] == "Not Found"
    assert (await c.get("/calls", params={"batch_call_id": campaign})).status_code == 200
    assert (await c.get("/batch-calls")).status_code == 200


def test_every_catalogue_entry_has_a_check() -> None:
    controller = FaultController(FakeClock())
    assert set(controller.catalogue) == set(CHECKS)


@pytest.fixture(scope="module")
def frozen_world() -> World:
    """One busy world for every fault: speed 0, so no test's clock moves it for the others."""
    world = World(get_scenario("busy"), seed=5, clock=FakeClock(), speed=0)
    world.advance(900)
    return world


@pytest.mark.parametrize("fault_id", sorted(CHECKS))
async def test_fault_behaves_as_named(fault_id: str, frozen_world: World) -> None:
    clock = FakeClock()
    server = SimServer(frozen_world, FaultController(clock, seed=5), api_key=KEY, clock=clock)
    sim = Simulator(frozen_world, server)
    sim.faults.enable(fault_id)
    async with sim.client() as c:
        await CHECKS[fault_id](sim, c, clock)
    logged = [e for e in sim.requests if e.faults]
    assert logged, "the request log names the faults that acted"
    assert all(e.faults == (fault_id,) for e in logged)


@pytest.mark.parametrize(
    "alias",
    ["html-200", "5xx-json", "5xx-html", "slow", "timeout", "truncated", "invalid-json",
     "drift", "unknown-status", "reset", "revoke-key", "hostile", "429-storm", "no-call-logs"],
)  # fmt: skip
def test_readable_aliases_resolve(alias: str) -> None:
    controller = FaultController(FakeClock())
    assert controller.resolve(alias).id in controller.catalogue


def test_unknown_fault_names_the_choices() -> None:
    with pytest.raises(KeyError, match="html-200"):
        FaultController(FakeClock()).resolve("melt-down")


async def test_scope_count_and_probability() -> None:
    sim = Simulator.create("small", seed=1, clock=FakeClock(), api_key=KEY, rate_limit=10**6)
    sim.faults.enable("5xx-json", scope="/campaigns", count=2)
    async with sim.client() as c:
        assert (await c.get("/calls")).status_code == 200, "out of scope"
        assert (await c.get("/campaigns")).status_code == 500
        assert (await c.get("/campaigns")).status_code == 502
        assert (await c.get("/campaigns")).status_code == 200, "count used up"
        assert not sim.faults.active()
        sim.faults.enable("403", probability=0.5)
        codes = [(await c.get("/calls")).status_code for _ in range(200)]
    assert 60 < codes.count(403) < 140
    again = Simulator.create("small", seed=1, clock=FakeClock(), api_key=KEY, rate_limit=10**6)
    again.faults.enable("5xx-json", scope="/campaigns", count=2)
    async with again.client() as c:
        for _ in range(3):
            await c.get("/campaigns")
        again.faults.apply_specs(["403:p=0.5"])
        replay = [(await c.get("/calls")).status_code for _ in range(200)]
    assert replay == codes, "probability draws are seeded"


async def test_scripted_windows_switch_faults_on_and_off() -> None:
    clock = FakeClock()
    sim = Simulator.create(
        "small", seed=1, clock=clock, api_key=KEY, faults="5xx-json:at=10:until=20"
    )
    async with sim.client() as c:
        assert (await c.get("/calls")).status_code == 200
        clock.advance(10)
        assert (await c.get("/calls")).status_code == 500
        clock.advance(10)
        assert (await c.get("/calls")).status_code == 200
    sim.faults.script([(0, None, "slow", {"delay": 1})])
    assert sim.faults.is_active("N18")
    sim.faults.clear()
    assert sim.faults.active() == []


def test_parse_fault_specs() -> None:
    assert parse_fault_specs("slow:delay=2, 5xx-json:p=0.25:scope=/calls:n=3,hostile") == [
        ("slow", {"delay": 2}),
        ("5xx-json", {"probability": 0.25, "scope": "/calls", "count": 3}),
        ("hostile", {}),
    ]
    assert parse_fault_specs("") == []
    with pytest.raises(ValueError, match="key=value"):
        parse_fault_specs("slow:fast")


async def test_hostile_cases_can_be_picked_from_the_command_line() -> None:
    sim = Simulator.create(
        "busy", seed=2, clock=FakeClock(), api_key=KEY, faults="hostile:cases=T4"
    )
    async with sim.client() as c:
        rows = items_of((await c.get("/calls", params={"limit": 5})).json())
    assert {r["metadata"]["customer_name"] for r in rows} == set(HOSTILE_CASES["T4"])


async def test_faults_leave_errors_from_the_gateway_alone() -> None:
    sim = Simulator.create("small", seed=1, clock=FakeClock(), api_key=KEY, faults="P1")
    async with sim.client(api_key="wrong") as c:
        r = await c.get("/calls")
    assert r.status_code == 401 and r.json()["statusCode"] == 401, "a 401 is not rewritten"
    assert sim.faults.active()[0].fired == 0, "nor does it use up the fault"
