"""What a monitor via relay says about the API while the relay is silent (issue 18): it cannot
know the API's state then, so the status line says "API ?" beside "RELAY SILENT since T", and
the request figures only as the last known, never "API ok" with figures passed off as now."""

from __future__ import annotations

import time

from monitor.feeds.redis import RedisFeed
from monitor.ui.app import MonitorApp
from monitor.ui.widgets.status_line import StatusLine
from tests.feeds.redisserver import RedisServer
from tests.feeds.test_relay_redis import a_relay, target


async def test_a_silent_relay_makes_the_api_state_unknown_on_the_status_line(
    redis_server: RedisServer,
) -> None:
    relay, engine = a_relay(redis_server)
    health = engine.store.health
    used = f"{health.used_last_minute}/{health.budget_per_min}"
    await relay.publish(relay.feed.snapshot())
    clock = [time.time()]
    viewer = RedisFeed(target(redis_server), wall=lambda: clock[0])
    assert await viewer.read_latest()
    app = MonitorApp(viewer, run_feed=False, min_render_interval_s=0)
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
