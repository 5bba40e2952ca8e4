"""The same server over real loopback HTTP (uvicorn on port 0), and `dialnexa-monitor sim`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from monitor.clock import FakeClock
from monitor.sim import Simulator
from monitor.sim.dialects import DIALECTS
from monitor.sim.serve import serve_loopback
from tests.sim.simkit import KEY, fetch_every_endpoint, items_of

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def sim() -> Simulator:
    s = Simulator.create("busy", seed=11, clock=FakeClock(), api_key=KEY)
    s.world.advance(600)
    return s


async def test_every_endpoint_over_loopback_in_every_dialect(sim: Simulator) -> None:
    async with serve_loopback(sim) as base_url:
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        async with httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10
        ) as client:
            for dialect in DIALECTS:
                sim.dialect = dialect
                bodies = await fetch_every_endpoint(client, sim)
                assert len(items_of(bodies["calls"])) == 5
                canonical_page = dialect == "canonical"
                assert isinstance(bodies["calls"], dict) == canonical_page
            sim.dialect = "canonical"
            page2 = (await client.get("/calls", params={"page": 2, "limit": 50})).json()
            assert page2["meta"]["page"] == 2 and len(page2["data"]) == 50
            busy = (await client.get("/calls", params={"status": "busy", "limit": 1})).json()
            assert busy["meta"]["total"] == sim.world.outcome_counts()["busy"]
            response = await client.post("/calls", json={"to_number": "+1"})
            assert response.status_code == 405
            assert response.headers["X-RateLimit-Limit"] == "150"
            wrong = await client.get("/calls", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            dates = wrong.headers.get_list("date")
            assert len(dates) == 1, "uvicorn's own Date is off; the simulator's clock rules"
            clock = sim.world.clock
            assert parsedate_to_datetime(dates[0]) == clock.now().replace(microsecond=0)
    assert [e.method for e in sim.requests][-3:] == ["GET", "POST", "GET"]


async def test_rate_limit_over_loopback() -> None:
    clock = FakeClock()
    sim = Simulator.create("small", clock=clock, api_key=KEY, rate_limit=3)
    async with (
        serve_loopback(sim) as base_url,
        httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {KEY}"}) as c,
    ):
        codes = [(await c.get("/campaigns")).status_code for _ in range(4)]
        last = await c.get("/campaigns")
    assert codes == [200, 200, 200, 429]
    assert last.status_code == 429 and last.headers["Retry-After"] == "60"
    assert last.json()["error"] == "Too Many Requests"


async def test_faults_over_loopback(sim: Simulator) -> None:
    clock = sim.world.clock
    assert isinstance(clock, FakeClock)
    async with (
        serve_loopback(sim) as base_url,
        httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=10
        ) as c,
    ):
        sim.faults.enable("reset", count=1)
        with pytest.raises(httpx.TransportError):
            await c.get("/calls")
        assert (await c.get("/calls")).status_code == 200, "the next connection works"
        sim.faults.enable("html-200", count=1)
        response = await c.get("/calls")
        assert response.status_code == 200 and response.content.startswith(b"<html>")
        sim.faults.enable("slow", count=1, delay=30)
        task = asyncio.create_task(c.get("/campaigns"))
        for _ in range(50):
            await asyncio.sleep(0.01)
            last = sim.requests.last()
            if last is not None and last.path == "/v1/campaigns":
                break
        assert not task.done()
        clock.advance(30)
        assert (await asyncio.wait_for(task, 5)).status_code == 200
        sim.faults.enable("timeout")
        stuck = asyncio.create_task(c.get("/calls", timeout=0.3))
        with pytest.raises(httpx.ReadTimeout):
            await stuck
        sim.faults.clear()


def _read_first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not line:
        proc.kill()
        raise AssertionError(f"no base URL on stdout within {timeout} s")
    return line[0].strip()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_sim_command_serves_on_loopback_and_stops_cleanly(sig: signal.Signals) -> None:
    env = {**os.environ, "DIALNEXA_API_KEY": "dnx_test_subprocess"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "sim", "--port", "0", "--scenario", "small"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = _read_first_line(proc, 20)
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        assert not base_url.endswith(":0/v1")
        headers = {"Authorization": "Bearer dnx_test_subprocess"}
        response = httpx.get(f"{base_url}/campaigns", headers=headers, timeout=10)
        assert response.status_code == 200
        assert items_of(response.json())[0]["id"].startswith("cmp_")
        demo = httpx.get(f"{base_url}/campaigns", headers={"Authorization": "Bearer demo"})
        assert demo.status_code == 401, "with DIALNEXA_API_KEY set, only that key works"
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert "Traceback" not in stderr
    assert "dnx_test_subprocess" not in stderr, "the key is never printed"


def test_sim_command_accepts_demo_without_a_key_and_rejects_bad_options() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DIALNEXA_API_KEY"}
    bad = subprocess.run(
        [sys.executable, "-m", "monitor", "sim", "--port", "0", "--faults", "melt-down"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 2 and "unknown fault" in bad.stderr and "Traceback" not in bad.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "sim", "--port", "0", "--dialect", "openapi"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = _read_first_line(proc, 20)
        response = httpx.get(f"{base_url}/calls", headers={"Authorization": "Bearer demo"})
        assert response.status_code == 200 and isinstance(response.json(), list)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
