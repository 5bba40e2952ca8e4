"""What a monitor via relay says about the API while the relay is silent (issue 18): it cannot
know the API's state then, so the status line says "API ?" beside "RELAY SILENT since T", and
the request figures only as the last known, never "API ok" with figures passed off as now."""

from __future__ import annotations

import time
from typing import Any

from monitor.feeds.redis import RedisFeed
from monitor.ui.app import MonitorApp
from monitor.ui.widgets.status_line import StatusLine
from tests.feeds.redisserver import RedisServer
from tests.feeds.test_relay_redis import a_relay, target


async def _viewing(redis_server: RedisServer) -> tuple[Any, RedisFeed, list[float], MonitorApp]:
    """A relay that published once, and an app reading it through Redis on a wall clock the
    test moves (`clock[0]`)."""
    relay, engine = a_relay(redis_server)
    await relay.publish(relay.feed.snapshot())
    clock = [time.time()]
    viewer = RedisFeed(target(redis_server), wall=lambda: clock[0])
    assert await viewer.read_latest()
    return engine, viewer, clock, MonitorApp(viewer, run_feed=False, min_render_interval_s=0)


async def test_a_silent_relay_makes_the_api_state_unknown_on_the_status_line(
    redis_server: RedisServer,
) -> None:
    engine, viewer, clock, app = await _viewing(redis_server)
    health = engine.store.health
    used = f"{health.used_last_minute}/{health.budget_per_min}"
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            app.render_now()
            await pilot.pause()
            line = app.screen.query_one(StatusLine)
            assert line.text("status-api").startswith("API ok · via relay, 0s old")
            assert line.text("status-budget").strip().startswith(f"requests {used} per min")
            clock[0] += 60  # the relay wrote nothing for a minute: it is silent
            app.tick_now()
            await pilot.pause()
            api = line.text("status-api")
            assert api.startswith("API ? · RELAY SILENT since ") and "API ok" not in api
            assert line.text("status-budget").strip() == f"requests ? per min (last known {used})"
            assert "no data yet" not in line.text("status-ages")
            assert "STALE" in line.text("status-ages")
    finally:
        await viewer.redis.aclose()


async def test_at_80_columns_a_silent_relay_leaves_no_cut_next_poll(
    redis_server: RedisServer,
) -> None:
    """A trial at 80 columns read "…RELAY SILENT since 22:00:42  next p": a monitor via relay
    has no poll of its own ("next poll –" said nothing), so the API's words and the request
    figures have the line, whole."""
    _engine, viewer, clock, app = await _viewing(redis_server)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            app.render_now()
            await pilot.pause()
            line = app.screen.query_one(StatusLine)
            clock[0] += 60
            app.tick_now()
            await pilot.pause()
            api = line.text("status-api")
            assert api.startswith("API ? · RELAY SILENT since ")
            assert line.text("status-next") == ""
            parts = [line.text(k) for k in ("status-api", "status-paused", "status-budget")]
            assert len("".join(parts)) <= 80, parts
    finally:
        await viewer.redis.aclose()
