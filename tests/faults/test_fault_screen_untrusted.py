"""Issue 15's crash and leak cases in the live app under Pilot: the real app on the real engine
and client, the simulator over loopback (`screen_harness.screen_drill`), with a transport that
makes the answers misbehave after the warm-up. Each test is named after the case in the issue.

The app must keep running and answering keys, report no internal error (the bug notification,
"a bug in the monitor"), show the API's state in words, and show the key nowhere (every screen
looked at, the frame, notifications, the status line all along).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from monitor.clock import FakeClock
from tests.envfix import utc_and_private_dirs
from tests.faults.screen_harness import ScreenDrill, keys_without_idle_waits, screen_drill

pytestmark = pytest.mark.timeout(90)

_utc_and_private_dirs = pytest.fixture(autouse=True)(utc_and_private_dirs)
_keys_without_idle_waits = pytest.fixture(autouse=True)(keys_without_idle_waits)

Rule = Callable[[httpx.Request, httpx.Response, bytes], httpx.Response | None]


class Misbehave(httpx.AsyncBaseTransport):
    """The simulator's answers, rewritten by `rule` once it is set (None: unchanged)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.rule: Rule | None = None
        self.applied = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.rule is None:
            return response
        content = await response.aread()
        changed = self.rule(request, response, content)
        if changed is None:
            return httpx.Response(
                response.status_code, headers=_plain(response.headers), content=content
            )
        self.applied += 1
        return changed

    async def aclose(self) -> None:
        await self.inner.aclose()


def _plain(headers: httpx.Headers) -> dict[str, str]:
    # The body is handed on decoded: its encoding and length headers no longer apply.
    drop = {"content-encoding", "content-length", "transfer-encoding"}
    return {k: v for k, v in headers.items() if k.lower() not in drop}


def rewritten(response: httpx.Response, payload: Any, **headers: str) -> httpx.Response:
    return httpx.Response(
        response.status_code,
        headers={**_plain(response.headers), **headers},
        content=json.dumps(payload).encode(),
    )


def rows_of(payload: Any) -> list[Any]:
    if isinstance(payload, list):
        return payload
    if isinstance(payload, dict):
        for key in ("data", "items", "callLogs"):
            if isinstance(payload.get(key), list):
                return list(payload[key])
    return []


Wrap = Callable[[httpx.AsyncBaseTransport, FakeClock], httpx.AsyncBaseTransport]


def misbehaving() -> tuple[dict[str, Misbehave], Wrap]:
    """The drill's transport wrapper, and where to find it to set its rule after warm-up."""
    holder: dict[str, Misbehave] = {}

    def wrap(inner: httpx.AsyncBaseTransport, clock: FakeClock) -> httpx.AsyncBaseTransport:
        holder["t"] = Misbehave(inner)
        return holder["t"]

    return holder, wrap


def survived(d: ScreenDrill) -> None:
    d.alive()
    assert d.store.internal_error is None, d.store.internal_error
    assert "bug in the monitor" not in d.notifications()
    assert not d.leaks(), "a fragment of the key is on the screen"


@pytest.mark.parametrize("status", [401, 400, 500])
async def test_key_echoed_in_error_message_is_masked(status: int) -> None:
    holder, wrap = misbehaving()

    def echo(request: httpx.Request, response: httpx.Response, body: bytes) -> httpx.Response:
        said = request.headers.get("Authorization", "")
        return httpx.Response(
            status, json={"statusCode": status, "message": f"refused {said} key={said[7:]}"}
        )

    async with screen_drill(warmup_s=20, transport=wrap) as d:
        holder["t"].rule = echo
        await d.run_for(20, draw_every=2)
        survived(d)
        words = {401: "KEY REFUSED", 400: "API ok", 500: "API SERVER ERROR"}[status]
        assert words in d.status.api, d.status
        health = d.store.health.message
        assert d.key not in health and (status == 400 or "[redacted]" in health), health
        await d.responsive()


async def test_retry_attempt_in_year_9999_and_retry_wait_minutes_1e12() -> None:
    holder, wrap = misbehaving()

    def far(request: httpx.Request, response: httpx.Response, body: bytes) -> httpx.Response | None:
        if response.status_code != 200 or not body:
            return None
        payload = json.loads(body)
        path = request.url.path
        if path.endswith("/retries"):
            rows = rows_of(payload)
            if rows and isinstance(rows[-1], dict):
                rows[-1]["called_at"] = "9999-12-31T23:59:59Z"
                rows[-1]["timestamp"] = "9999-12-31T23:59:59Z"
                rows[-1]["duration_sec"] = 600
            return rewritten(response, {"data": rows})
        if path.startswith("/v1/calls"):
            for row in rows_of(payload) or ([payload] if isinstance(payload, dict) else []):
                if isinstance(row, dict):
                    row["retry"] = {"max_retries": 3, "wait_minutes": 1e12}
            return rewritten(response, payload)
        return None

    async with screen_drill(warmup_s=20, transport=wrap) as d:
        holder["t"].rule = far
        await d.run_for(40, draw_every=2)
        assert holder["t"].applied > 5
        survived(d)
        assert d.status.api.startswith("API ok"), d.status
        await d.pilot.press("enter")  # the call screen and its timeline, drawn from them
        await d.run_for(10, draw_every=2)
        survived(d)
        await d.responsive()


async def test_rate_limit_limit_1e400_and_retry_after_superscript_two() -> None:
    holder, wrap = misbehaving()

    limited = {"left": 3}

    def odd(request: httpx.Request, response: httpx.Response, body: bytes) -> httpx.Response:
        headers = {"X-RateLimit-Limit": "1e400", "X-RateLimit-Remaining": "NaN"}
        if limited["left"] > 0:
            limited["left"] -= 1
            return httpx.Response(
                429,
                headers={**headers, "Retry-After": "²".encode()},
                json={"statusCode": 429, "message": "Too Many Requests"},
            )
        return httpx.Response(
            response.status_code, headers={**_plain(response.headers), **headers}, content=body
        )

    async with screen_drill(warmup_s=20, transport=wrap) as d:
        holder["t"].rule = odd
        seen = await d.until(lambda: "RATE LIMITED" in d.status.api, 10)
        assert seen is not None, "a 429 with Retry-After: ² was not taken as rate limiting"
        back = await d.until(lambda: d.status.api.startswith("API ok"), 90, draw_every=2)
        assert back is not None, d.status
        survived(d)
        await d.responsive()


async def test_metadata_nested_990_deep() -> None:
    holder, wrap = misbehaving()

    deep = '[{"id": "call_deep", "status": "in-progress", "metadata": '
    deep += "[" * 990 + "]" * 990 + "}]"

    def nested(
        request: httpx.Request, response: httpx.Response, body: bytes
    ) -> httpx.Response | None:
        if request.url.path == "/v1/calls":
            return httpx.Response(200, content=deep.encode())
        return None

    async with screen_drill(warmup_s=20, transport=wrap) as d:
        holder["t"].rule = nested
        seen = await d.until(lambda: "BAD DATA FROM API" in d.status.api, 20)
        assert seen is not None, d.status
        await d.run_for(20, draw_every=2)
        survived(d)
        assert "call_deep" not in d.store.calls
        await d.responsive()
