"""The relay through a real redis-server: snapshots round trip, a late viewer gets the newest at
once, each viewer sees its own selected call, and every fault ends as words and recovers by
itself: Redis restarted, the relay killed and restarted, Redis full, Redis gone (issue 18)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable

import pytest

from monitor.feeds import LiveFeed
from monitor.feeds import redis as redis_feed
from monitor.feeds.redis import RedisFeed
from monitor.feeds.redis_link import STREAM_MAXLEN, RedisTarget, check_url
from monitor.feeds.redis_relay import RelayPublisher
from tests.feeds.redisserver import RedisServer
from tests.ui.fixtures import FakeEngine, call, make_engine

CALL_A = "call_a1b2c3d4e5f6"


async def until(check: Callable[[], bool], within: float = 8.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def target(server: RedisServer, namespace: str = "test") -> RedisTarget:
    return check_url(server.url, namespace)


@contextlib.asynccontextmanager
async def running(*parts: RelayPublisher | RedisFeed) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(p.run()) for p in parts]
    try:
        yield
    finally:
        for p in parts:
            p.stop()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)


def a_relay(server: RedisServer) -> tuple[RelayPublisher, FakeEngine]:
    engine = make_engine()
    return RelayPublisher(LiveFeed(engine), target(server)), engine


async def test_a_snapshot_round_trips_and_an_unchanged_part_is_not_written_again(
    redis_server: RedisServer,
) -> None:
    relay, _engine = a_relay(redis_server)
    sent = relay.feed.snapshot()
    await relay.publish(sent)
    viewer = RedisFeed(target(redis_server))
    assert await viewer.read_latest()
    got = viewer.snapshot()
    assert got.data == sent.data and got.data.model_dump_json() == sent.data.model_dump_json()
    assert (got.health, got.next_poll_s, got.active_poll_s) == (
        sent.health,
        sent.next_poll_s,
        sent.active_poll_s,
    )
    assert got.mono == pytest.approx(sent.mono, abs=1)
    assert abs((got.now - sent.now).total_seconds()) < 1 and got.last_data == sent.last_data
    assert [(p.pane, p.stale, p.error) for p in got.panes] == [
        (p.pane, p.stale, p.error) for p in sent.panes
    ]
    for mine, theirs in zip(got.panes, sent.panes, strict=True):
        assert (mine.age_s is None) == (theirs.age_s is None)
        assert mine.age_s is None or mine.age_s == pytest.approx(theirs.age_s, abs=1)
    assert got.fallbacks.startswith("via relay, 0s old")
    parts_before = redis_server.sync().hget(target(redis_server).parts, "data")
    await relay.publish(relay.feed.latest())  # the store did not change: same data object
    assert redis_server.sync().hget(target(redis_server).parts, "data") == parts_before
    entries = redis_server.sync().xrange(target(redis_server).snapshots)
    serials = [json.loads(fields[b"parts"])["data"] for _id, fields in entries]
    assert len(entries) == 2 and serials[0] == serials[1]
    await viewer.redis.aclose()
    await relay.redis.aclose()


async def test_latest_keeps_the_data_taken_and_moves_the_clock_and_health_on(
    redis_server: RedisServer,
) -> None:
    # As LiveFeed: `snapshot()` takes new data, `latest()` reuses it with the newest clock.
    relay, engine = a_relay(redis_server)
    await relay.publish(relay.feed.snapshot())
    viewer = RedisFeed(target(redis_server))
    await viewer.read_latest()
    taken = viewer.snapshot()
    engine.store.upsert_call(call("call_newer0000001", "dialing", ago=1), engine.clock.monotonic())
    engine.clock.advance(3)
    await relay.publish(relay.feed.snapshot())
    await viewer.read_latest()
    later = viewer.latest()
    assert later.data is taken.data and later.mono == pytest.approx(taken.mono + 3, abs=0.5)
    newest = viewer.snapshot()
    assert newest.data is not taken.data and newest.data.version > taken.data.version
    assert viewer.latest().data is newest.data
    await viewer.redis.aclose()
    await relay.redis.aclose()


async def test_a_late_viewer_gets_the_newest_at_once_and_the_stream_stays_bounded(
    redis_server: RedisServer,
) -> None:
    relay, engine = a_relay(redis_server)
    for n in range(STREAM_MAXLEN + 30):
        if n % 10 == 0:
            engine.store.upsert_call(
                call(f"call_late{n:07d}", "dialing", ago=1),
                engine.clock.monotonic(),
            )
        await relay.publish(relay.feed.snapshot())
    assert redis_server.sync().xlen(target(redis_server).snapshots) == STREAM_MAXLEN
    late = RedisFeed(target(redis_server))
    assert await late.read_latest()
    assert f"call_late{STREAM_MAXLEN + 20:07d}" in {r.id for r in late.snapshot().data.active}
    await late.redis.aclose()
    await relay.redis.aclose()


async def test_each_viewer_sees_its_own_selected_call_and_the_relay_says_what_it_watches(
    redis_server: RedisServer,
) -> None:
    relay, engine = a_relay(redis_server)
    one, two = RedisFeed(target(redis_server)), RedisFeed(target(redis_server))
    ids = [r.id for r in relay.feed.snapshot().data.active]
    other = next(i for i in ids if i != CALL_A)
    async with running(relay, one, two):
        await until(lambda: one.entry is not None and two.entry is not None)
        one.select_call(CALL_A)
        await asyncio.sleep(0.2)  # the relay's "most recent" is by arrival
        two.select_call(other)
        for feed, cid in ((one, CALL_A), (two, other)):
            await until(
                lambda f=feed, c=cid: (s := f.snapshot().selection) is not None and s.call_id == c
            )
        assert engine.selected_call_id == other  # the most recent
        await until(lambda: (one.entry or None) is not None and one.entry.relay.get("viewers") == 2)
        assert one.entry is not None and one.entry.relay["watching"] == [other, CALL_A]
        assert "2 viewers" in one.latest().fallbacks
        one.refresh_now()
        await until(lambda: engine.refreshes == 1)
        two.focus_campaign("cmp_winback2")  # its own campaign's calls, by id, from the relay
        await until(lambda: (f := two.snapshot().focus) is not None and f.calls != ())
        assert one.snapshot().focus is None
        assert engine.focused_campaign_id == "cmp_winback2"


async def test_redis_restarted_is_words_then_everything_comes_back_by_itself(
    redis_server: RedisServer,
) -> None:
    relay, _engine = a_relay(redis_server)
    viewer = RedisFeed(target(redis_server))
    async with running(relay, viewer):
        await until(lambda: viewer.entry is not None and viewer.snapshot().data.active != ())
        redis_server.stop()
        await until(lambda: viewer.problem is not None and relay.problem is not None)
        assert viewer.latest().fallbacks.startswith("REDIS UNREACHABLE since")
        redis_server.start()  # empty: the relay must write every part again
        await until(lambda: viewer.problem is None and relay.problem is None, within=15)
        await until(lambda: redis_server.sync().hexists(target(redis_server).parts, "data"))
        seen = viewer.entry
        await until(lambda: viewer.entry is not seen)
        snap = viewer.snapshot()
        assert snap.data.active and snap.fallbacks.startswith("via relay")


async def test_the_relay_silent_makes_viewers_stale_and_a_new_relay_brings_them_back(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_feed, "RELAY_FRESH_S", 1.5)
    relay, _engine = a_relay(redis_server)
    viewer = RedisFeed(target(redis_server))
    async with running(viewer):
        async with running(relay):
            await until(lambda: viewer.entry is not None)
            viewer.select_call(CALL_A)
            await until(lambda: relay.viewers.calls()[0] == [CALL_A])
        # the relay is gone (killed: nothing more is written)
        await until(lambda: viewer.latest().fallbacks.startswith("RELAY SILENT since"))
        assert all(p.stale for p in viewer.latest().panes)
        again, _ = a_relay(redis_server)
        async with running(again):
            await until(lambda: viewer.latest().fallbacks.startswith("via relay"))
            # It knows the viewer's view at once, not at the next heartbeat (10 s).
            await until(lambda: again.viewers.calls()[0] == [CALL_A], within=3)
            assert not any(p.stale for p in viewer.latest().panes)


async def test_redis_full_is_said_by_the_relay_and_it_carries_on_when_there_is_room(
    redis_server: RedisServer,
) -> None:
    relay, _engine = a_relay(redis_server)
    admin = redis_server.sync()
    admin.config_set("maxmemory-policy", "noeviction")
    admin.config_set("maxmemory", "1")  # below what the server already uses: every write OOMs
    async with running(relay):
        await until(lambda: relay.problem is not None)
        assert relay.problem is not None and "full" in relay.problem
        admin.config_set("maxmemory", "0")
        await until(lambda: relay.problem is None)
        published = relay.published
        await until(lambda: relay.published > published)


async def test_redis_gone_is_a_sentence_on_the_status_line_never_a_crash() -> None:
    gone = check_url("redis://127.0.0.1:1/0", "test")
    viewer = RedisFeed(gone)
    async with running(viewer):
        await until(lambda: viewer.problem is not None)
        words = viewer.latest().fallbacks
    assert words.startswith("via relay: Redis at redis://127.0.0.1:1/0:")
