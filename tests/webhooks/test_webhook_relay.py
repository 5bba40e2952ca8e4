"""The relay receiving webhooks on loopback from the simulator's sender (issue 22): the status
reaches the monitors through Redis, and the webhook secret is in no artefact: not in Redis, the
logs, a snapshot, the receiver's answers, nor the command line (there is no flag for it)."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from monitor.api.client import DialNexaClient
from monitor.api.webhook import sign
from monitor.cli import build_parser
from monitor.config import ConfigError, Settings
from monitor.config.webhook_secret import WEBHOOK_SECRET_ENV, find_webhook_secret
from monitor.feeds import LiveFeed
from monitor.feeds.redis import RedisFeed
from monitor.feeds.redis_link import check_url
from monitor.feeds.redis_relay import RelayPublisher
from monitor.feeds.webhook_receiver import Receiver
from monitor.polling.engine import Engine
from monitor.sim import Simulator
from monitor.sim.webhook_sender import WebhookSender
from monitor.sim.webhooks import parse_faults
from tests.feeds.redisserver import RedisServer
from tests.feeds.test_relay_redis import running, until
from tests.leakscan import assert_no_leak, make_canary


async def test_a_relay_with_webhooks_tells_its_viewers_and_keeps_the_secret(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = make_canary()
    sim = Simulator.create(scenario="busy", seed=7, speed=5.0)
    client = DialNexaClient(sim.base_url, SecretStr("demo"), transport=sim.transport())
    engine = Engine(client, Settings(concurrency_cap=sim.world.cap))
    flow = engine.receive_webhooks("127.0.0.1:0")
    receiver = Receiver(flow, SecretStr(secret), "127.0.0.1", 0)
    sock = receiver.bind()
    serving = asyncio.create_task(receiver.serve(sock))
    url = f"http://127.0.0.1:{receiver.port}/hooks/dialnexa"
    sender = WebhookSender(
        sim.world, url, secret.encode(), faults=parse_faults("badsig=0.2,dup=0.2")
    )
    relay = RelayPublisher(LiveFeed(engine), check_url(redis_server.url, "wh"))
    viewer = RedisFeed(check_url(redis_server.url, "wh"))
    sending = asyncio.create_task(sender.run())
    try:
        async with running(relay, viewer):
            await until(
                lambda: (
                    viewer.entry is not None
                    and (w := viewer.snapshot().webhooks) is not None
                    and w.mode == "flowing"
                    and w.received > 5
                    and w.refused.get("403", 0) > 0
                ),
                within=20,
            )
            shown = viewer.snapshot()
            assert "webhooks on" in shown.fallbacks
            async with httpx.AsyncClient() as http:
                health = (await http.get(f"http://127.0.0.1:{receiver.port}/healthz")).text
                body = b'{"event":"call.ended","data":{"id":"call_zz","status":"completed"}}'
                forged = await http.post(url, content=body, headers={"x-nexa-signature": "x"})
                assert forged.status_code == 403
                signed = {"X-DialNexa-Signature": sign(body, secret.encode())}
                assert (await http.post(url, content=body, headers=signed)).status_code == 200
            await until(lambda: "call_zz" in engine.store.calls)
            snapshot_json = relay.feed.snapshot().model_dump_json()
    finally:
        sender.stop()
        receiver.stop()
        await asyncio.gather(sending, serving, return_exceptions=True)
        await client.aclose()
    assert sender.answers[200] > 0 and sender.answers[403] > 0
    for artefact in (redis_server.everything(), caplog.text, snapshot_json, health,
                     forged.text):  # fmt: skip
        assert_no_leak(artefact, secret)
    assert b"webhooks" in redis_server.everything()  # the scan sees the status itself


def test_there_is_no_flag_that_takes_the_secret_itself(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    for argv in (["relay", "--webhook-secret", "s3cret"], ["sim", "--webhook-secret", "s3cret"]):
        with pytest.raises(SystemExit):
            parser.parse_args(argv)
    args = parser.parse_args(["relay", "--webhook-listen", "127.0.0.1:8788",
                              "--webhook-secret-file", "/x"])  # fmt: skip
    assert args.webhook_listen == "127.0.0.1:8788" and args.webhook_secret_file == Path("/x")
    capsys.readouterr()


def test_the_secret_file_must_be_private_and_is_never_quoted(tmp_path: Path) -> None:
    secret = make_canary()
    path = tmp_path / "webhook-secret"
    path.write_text(secret + "\n")
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError) as shared:
        find_webhook_secret(flag_file=path, environ={}, use_keyring=False)
    assert "chmod 600" in str(shared.value) or "600" in str(shared.value)
    assert_no_leak(str(shared.value), secret)
    os.chmod(path, 0o600)
    found = find_webhook_secret(flag_file=path, environ={}, use_keyring=False)
    assert found.get_secret_value() == secret
    assert secret not in repr(found)
    from_env = find_webhook_secret(flag_file=None, environ={WEBHOOK_SECRET_ENV: secret},
                                   use_keyring=False)  # fmt: skip
    assert from_env.get_secret_value() == secret
    with pytest.raises(ConfigError, match="No webhook secret"):
        find_webhook_secret(flag_file=None, environ={}, use_keyring=False)
