"""The relay's promises about secrets and the API: the key never reaches Redis (every key and
value in the server scanned for a canary), a Redis password is masked everywhere, a remote
Redis without a password is refused, `rediss://` is accepted, and viewers' intents reach the
real engine's scheduler, bounded to the most recent selections (issue 18)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import SecretStr

from monitor.api.client import DialNexaClient
from monitor.config import Settings
from monitor.feeds import LiveFeed
from monitor.feeds.redis import RedisFeed
from monitor.feeds.redis_link import RedisUrlError, check_url, mask_url
from monitor.feeds.redis_relay import RelayPublisher, redis_problem
from monitor.polling.engine import Engine
from monitor.sim import Simulator
from tests.feeds.redisserver import RedisServer
from tests.feeds.test_relay_redis import running, until
from tests.leakscan import assert_no_leak, make_canary


def sim_relay(server: RedisServer, key: str, *, limit: int = 5) -> tuple[RelayPublisher, Engine]:
    sim = Simulator.create(scenario="busy", seed=7, api_key=key)
    client = DialNexaClient(sim.base_url, SecretStr(key), transport=sim.transport())
    engine = Engine(client, Settings(concurrency_cap=sim.world.cap))
    return RelayPublisher(LiveFeed(engine), check_url(server.url, "sec"), limit=limit), engine


async def test_the_key_never_goes_to_redis_and_intents_reach_the_scheduler_bounded(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = make_canary()
    relay, engine = sim_relay(redis_server, key, limit=2)
    viewers = [RedisFeed(check_url(redis_server.url, "sec")) for _ in range(3)]
    async with running(relay, *viewers):
        first = viewers[0]
        await until(lambda: first.entry is not None and len(first.snapshot().data.active) >= 3)
        ids = [r.id for r in first.snapshot().data.active[:3]]
        for viewer, cid in zip(viewers, ids, strict=True):
            viewer.select_call(cid)
            viewer.focus_campaign(first.snapshot().data.active[0].campaign_id)
            await asyncio.sleep(0.3)  # one after the other: the most recent is the last
        # The budget goes to the two most recent selections, and the scheduler has their jobs.
        await until(lambda: engine.selected_call_id == ids[2])
        assert engine.watched_calls == (ids[1],)
        await until(lambda: f"call/{ids[1]}" in engine.jobs and f"call/{ids[2]}" in engine.jobs)
        assert f"call/{ids[0]}" not in engine.jobs
        assert engine.focused_campaign_id == first.snapshot().data.active[0].campaign_id
        await until(lambda: (e := viewers[2].entry) is not None and e.relay.get("dropped") == 1)
        for viewer, cid in zip(viewers[1:], ids[1:], strict=True):
            await until(
                lambda v=viewer, c=cid: (s := v.snapshot().selection) is not None and s.call_id == c
            )
        await asyncio.sleep(1.5)  # a few more entries, with the selections' details in them
    everything = redis_server.everything()
    assert b"call_" in everything  # the scan sees the data itself
    assert_no_leak(everything, key)
    assert_no_leak(caplog.text, key)


def test_a_redis_password_is_masked_in_every_word_said_about_it() -> None:
    url = "redis://monitor:s3cretPassw0rd99@10.1.2.3:6379/0"
    target = check_url(url, "team")
    assert target.shown == "redis://monitor:[redacted]@10.1.2.3:6379/0"
    assert "s3cret" not in redis_problem(ConnectionError(f"cannot reach {url}"), url)
    assert "s3cret" not in mask_url("rediss://:s3cretPassw0rd99@redis.example:6380")
    with pytest.raises(RedisUrlError) as refused:
        check_url("http://:s3cretPassw0rd99@host/", "team")
    assert "s3cret" not in str(refused.value)


def test_a_remote_redis_without_a_password_is_refused_unless_told_insecure() -> None:
    with pytest.raises(RedisUrlError, match="--insecure-redis"):
        check_url("redis://10.1.2.3:6379", "team")
    assert check_url("redis://10.1.2.3:6379", "team", insecure=True).url
    assert check_url("redis://127.0.0.1:6379", "team").url  # loopback: this machine only
    assert check_url("redis://localhost", "team").url
    assert check_url("redis://:pw@redis.example:6379", "team").url


def test_rediss_is_accepted_and_speaks_tls() -> None:
    target = check_url("rediss://:pw@redis.example:6380/0", "team")
    client = target.client()
    kwargs = client.connection_pool.connection_kwargs
    assert client.connection_pool.connection_class.__name__ == "SSLConnection"
    assert kwargs["host"] == "redis.example" and kwargs["port"] == 6380
