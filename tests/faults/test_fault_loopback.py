"""A few drills over real loopback HTTP: the simulator under uvicorn on 127.0.0.1 (port 0), the
real client's socket stack, the engine on a fake clock. Faults ASGI cannot produce in-process
(refused connections, a server that goes away with pooled connections open) and a couple of the
catalogue's faults through real sockets."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from monitor.clock import FakeClock
from monitor.sim import Simulator
from monitor.sim.serve import serve_loopback
from tests.faults.harness import ERROR_BACKOFF_CAP_S, start_drill
from tests.leakscan import make_canary

pytestmark = pytest.mark.timeout(45)
REAL_IO_S = 0.003


def _sim() -> tuple[FakeClock, Simulator, str]:
    clock = FakeClock()
    key = make_canary()
    return clock, Simulator.create("small", seed=7, clock=clock, api_key=key), key


async def test_N1_connection_refused_for_30s_then_back_on_the_same_port(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    clock, sim, key = _sim()
    async with serve_loopback(sim) as base_url:
        d = await start_drill(sim=sim, clock=clock, key=key, base_url=base_url,
                              warmup_s=60, real_io_s=REAL_IO_S)  # fmt: skip
    try:
        port = int(base_url.rsplit(":", 1)[1].split("/")[0])
        calls, campaigns = d.known()
        assert calls and campaigns and d.store.health.state == "ok"
        t0 = d.now
        await d.run_for(30)  # the server is gone: nothing listens on the port
        assert not d.task.done()
        health = d.store.health
        assert health.state == "unreachable", health
        assert any("connection refused" in m.lower() for m in d.messages), d.messages
        active = next(p for p in d.engine.view().panes if p.pane == "active")
        # Its age and its error in words (it turns "stale" only after two missed polls at the
        # backed-off interval, up to 61 s).
        assert active.error and "refused" in active.error
        assert active.age_s is not None and active.age_s >= 30
        assert d.known() == (calls, campaigns), "last good data kept"
        async with serve_loopback(sim, port=port):
            t_up = d.now
            took = await d.until(lambda: d.fresh_since("active", t_up), ERROR_BACKOFF_CAP_S + 10)
            assert took is not None, "not fresh after the API came back"
            assert d.store.health.state == "ok"
            assert calls <= d.known()[0]
        assert t0 < t_up
        assert not d.leaks(caplog.text)
    finally:
        await d.close()


RESET_RETRY_BUG_FIXED = (
    "monitor/api/client.py DialNexaClient._send retries every httpx.RemoteProtocolError at once "
    "(meant for a stale pooled connection, N6), including a connection dropped mid-body after "
    "the headers (N7/N22 over a real socket): every request during the fault is sent twice at "
    "the same instant (0 s apart, same path and query), 40 requests a minute vs 27 steady"
)


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param("5xx-html", id="N21"),
        pytest.param("reset", id="N7"),
        pytest.param("429-storm", id="N11"),
    ],
)
async def test_catalogue_fault_over_loopback(fault: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    clock, sim, key = _sim()
    words = {"5xx-html": "html page", "reset": "", "429-storm": "rate limited"}[fault]
    states = {"5xx-html": {"server_error"}, "reset": {"unreachable"},
              "429-storm": {"rate_limited"}}[fault]  # fmt: skip
    async with serve_loopback(sim) as base_url:
        d = await start_drill(sim=sim, clock=clock, key=key, base_url=base_url,
                              warmup_s=60, real_io_s=REAL_IO_S)  # fmt: skip
        try:
            steady = d.max_per_minute(d.now - 60, d.now)
            options: dict[str, Any] = {"retry_after": 10} if fault == "429-storm" else {}
            sim.faults.enable(fault, **options)
            t0 = d.now
            detected = await d.until(
                lambda: d.store.health.state in states and words in d.store.health.message.lower(),
                15,
            )
            assert detected is not None, (d.store.health, d.messages)
            await d.run_for(45)
            assert d.max_per_minute(t0, d.now) <= steady
            assert d.min_gap_same_target(t0, d.now) >= 1.0
            sim.faults.disable(fault)
            t_clear = d.now
            took = await d.until(
                lambda: d.fresh_since("active", t_clear) and d.store.health.state == "ok",
                ERROR_BACKOFF_CAP_S + 10 + 10,
            )
            assert took is not None
            assert not d.leaks(caplog.text)
        finally:
            await d.close()
