"""The simulator's webhook sender (issue 22, point 4): every call's start and end posted in the
documented families, signed, with the delivery faults asked for and nothing else."""

from __future__ import annotations

import json
from collections import Counter

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.api.vocab import FINAL_STATUSES
from monitor.api.webhook import Refused, read_delivery
from monitor.clock import FakeClock
from monitor.sim import Simulator
from monitor.sim.webhook_sender import WebhookSender
from monitor.sim.webhooks import Outbox, parse_faults

SECRET = b"whsec_sim_canary_51f0"


def collector() -> tuple[Starlette, list[tuple[bytes, dict[str, str]]]]:
    got: list[tuple[bytes, dict[str, str]]] = []

    async def hook(request: Request) -> Response:
        got.append((await request.body(), dict(request.headers)))
        return Response(status_code=204)

    return Starlette(routes=[Route("/hook", hook, methods=["POST"])]), got


async def run_sender(
    faults: str, seconds: float
) -> tuple[WebhookSender, list[tuple[bytes, dict[str, str]]]]:
    clock = FakeClock()
    sim = Simulator.create("small", seed=3, clock=clock)
    app, got = collector()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app))
    sender = WebhookSender(sim.world, "http://relay/hook", SECRET, faults=parse_faults(faults),
                           client=client)  # fmt: skip
    for _ in range(int(seconds / 0.5)):
        clock.advance(0.5)
        await sender.step(client)
    await client.aclose()
    return sender, got


async def test_every_ending_is_posted_signed_in_all_three_families() -> None:
    sender, got = await run_sender("", 300)
    ended = {cid for cid in sender.ended_at}
    assert len(ended) > 10
    seen_end: set[str] = set()
    families: Counter[str] = Counter()
    headers_used: Counter[str] = Counter()
    for body, headers in got:
        delivery = read_delivery(body, headers, SECRET)  # raises unless signed with SECRET
        assert delivery.call is not None
        doc = json.loads(body)
        families["event_type" if "event_type" in doc else "type" if "type" in doc else "event"] += 1
        headers_used.update(h for h in headers if "signature" in h)
        if delivery.call.status in FINAL_STATUSES:
            seen_end.add(delivery.call.id)
            assert delivery.event in ("call.ended", "call.completed", "call.failed",
                                      "call.no_answer")  # fmt: skip
    assert seen_end == ended  # no ending lost, none invented
    assert all(families[k] > 0 for k in ("event", "type", "event_type"))
    assert headers_used["x-nexa-signature"] > 0 and headers_used["x-dialnexa-signature"] > 0
    assert sender.answers == Counter({204: len(got)})


async def test_dropped_and_badly_signed_endings_are_the_ones_missing() -> None:
    sender, got = await run_sender("drop=0.2,badsig=0.2", 120)
    received: set[str] = set()
    statuses: list[int] = []
    forged = 0
    for body, headers in got:
        try:
            delivery = read_delivery(body, headers, SECRET)
        except Refused as refused:
            statuses.append(refused.status)
            forged += 1
            continue
        if delivery.call is not None and delivery.call.status in FINAL_STATUSES:
            received.add(delivery.call.id)
    lost = set(sender.outbox.dropped)
    assert forged > 0 and lost
    assert set(statuses) == {403}
    assert received == set(sender.ended_at) - lost


def test_duplicates_reorders_and_delays_are_posted_as_asked() -> None:
    box = Outbox(SECRET, parse_faults("dup=1"))
    box.push({"n": 1}, call_id="call_a", ended=True, now=0.0)
    assert [json.loads(p.body) for p in box.due(1.0)] == [{"n": 1}, {"n": 1}]

    box = Outbox(SECRET, {"reorder": 1.0})
    box.push({"n": 1}, call_id="call_a", ended=False, now=0.0)
    box.push({"n": 2}, call_id="call_a", ended=True, now=0.1)
    assert [json.loads(p.body)["n"] for p in box.due(0.2)] == [2, 1]

    box = Outbox(SECRET, {"delay": 1.0})
    box.push({"n": 1}, call_id="call_a", ended=True, now=0.0)
    assert box.due(1.0) == [] and box.pending() == 1
    assert len(box.due(9.0)) == 1


@pytest.mark.parametrize("spec", ["explode=0.1", "drop=2", "dup=x"])
def test_an_unknown_or_impossible_fault_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="webhook fault"):
        parse_faults(spec)
