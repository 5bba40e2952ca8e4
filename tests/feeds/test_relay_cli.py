"""The relay's commands as a user runs them: `relay --demo` publishes until SIGTERM (exit 0),
`snapshot --source` prints its newest snapshot without the API (exit 1 with the age when the
relay is silent, or the reason when there is none), `--source` builds no API client, and a
URL refused is exit 2 with one sentence (issue 18)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from monitor import main as monitor_main
from monitor.api import client as api_client
from monitor.cli import main
from monitor.feeds import LiveFeed
from monitor.feeds.redis_link import check_url
from monitor.feeds.redis_relay import RelayPublisher
from tests.feeds.redisserver import RedisServer
from tests.ui.fixtures import make_engine


@pytest.fixture(autouse=True)
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALNEXA_MONITOR_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("DIALNEXA_MONITOR_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("DIALNEXA_MONITOR_CONFIG", os.devnull)
    monkeypatch.delenv("DIALNEXA_API_KEY", raising=False)
    monkeypatch.delenv("DIALNEXA_SOURCE", raising=False)


def publish_once(server: RedisServer, *, age: float = 0.0) -> None:
    async def go() -> None:
        relay = RelayPublisher(
            LiveFeed(make_engine()),
            check_url(server.url, "default"),
            wall=lambda: time.time() - age,
        )
        await relay.publish(relay.feed.snapshot())
        await relay.redis.aclose()

    asyncio.run(go())


def snapshot_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    """`snapshot ARGS`: its exit status and JSON; its stderr kept in `said`."""
    status = main(["snapshot", *args])
    printed = capsys.readouterr()
    said[:] = [printed.err]
    return status, json.loads(printed.out)


said: list[str] = [""]


def test_snapshot_source_prints_the_relays_newest_and_says_when_it_is_old(
    redis_server: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = snapshot_json(capsys, "--source", redis_server.url)
    (error,) = out["errors"]
    assert status == 1 and error["resource"] == "relay/default"
    assert error["kind"] == "not_found" and "no relay has published" in error["message"]
    assert out["campaigns"] == [] and out["active_calls"] is None and out["age_s"] is None
    publish_once(redis_server, age=60)
    status, out = snapshot_json(capsys, "--source", redis_server.url)
    assert status == 1 and out["age_s"] == pytest.approx(60, abs=2)
    (error,) = out["errors"]
    assert error["kind"] == "timeout" and error["resource"] == "relay/default"
    assert "60s old" in error["message"] or "61s old" in error["message"]
    assert "snapshot: relay/default: the relay's newest snapshot is 6" in said[0]
    publish_once(redis_server)
    status, out = snapshot_json(capsys, "--source", redis_server.url)
    assert status == 0 and out["errors"] == [] and out["active_calls"]
    assert out["namespace"] == "default" and out["source"] == redis_server.url


def test_snapshot_source_format_table_prints_the_table_not_json(
    redis_server: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine()
    sent = LiveFeed(engine).snapshot().data
    publish_once(redis_server)
    status = main(["snapshot", "--source", redis_server.url, "--format", "table"])
    out = capsys.readouterr().out
    assert status == 0 and not out.lstrip().startswith("{")
    assert f"Active calls ({len(sent.active)})" in out
    assert sent.active[0].id in out
    assert f"Campaigns ({len(sent.campaigns)})" in out
    assert any(c.name and c.name in out for c in sent.campaigns)
    assert "Concurrency:" in out and "via relay: its newest snapshot is 0s old" in out
    publish_once(redis_server, age=60)
    status = main(["snapshot", "--source", redis_server.url, "--format", "table"])
    out = capsys.readouterr().out
    assert status == 1 and "error: the relay's newest snapshot is 6" in out


def test_snapshot_source_redis_gone_is_exit_1_with_the_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out = snapshot_json(capsys, "--source", "redis://:hunter2hunter2@127.0.0.1:1/0")
    (error,) = out["errors"]
    assert status == 1 and error["kind"] == "unreachable"
    assert "Redis at redis://:[redacted]@127.0.0.1:1/0" in error["message"]
    assert "hunter2" not in json.dumps(out)


def test_a_url_refused_is_exit_2_with_one_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "--source", "redis://10.9.8.7:6379"]) == 2
    assert "--insecure-redis" in capsys.readouterr().err
    assert main(["relay", "--demo", "--redis", "redis://10.9.8.7:6379"]) == 2
    assert "--insecure-redis" in capsys.readouterr().err
    assert main(["relay", "--demo"]) == 2
    assert "no Redis URL" in capsys.readouterr().err


def test_the_monitor_in_source_mode_builds_no_api_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refused(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an API client was built in --source mode")

    monkeypatch.setattr(api_client.DialNexaClient, "__init__", refused)
    got: list[str] = []

    def relayed(_args: object, _settings: object, url: str, _notes: object) -> int:
        got.append(url)
        return 0

    monkeypatch.setattr("monitor.relay_view.run_relayed_monitor", relayed)
    monkeypatch.setenv("DIALNEXA_SOURCE", "redis://127.0.0.1:6379/3")
    assert main([]) == 0  # the config's `source` (here from the environment)
    assert main(["--source", "redis://127.0.0.1:6379/4"]) == 0
    assert got == ["redis://127.0.0.1:6379/3", "redis://127.0.0.1:6379/4"]
    assert monitor_main.EXIT_OK == 0


def test_relay_demo_publishes_until_sigterm_and_exits_0(
    redis_server: RedisServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**os.environ, "DIALNEXA_MONITOR_LOG_DIR": str(tmp_path / "logs")}
    relay = subprocess.Popen(
        [sys.executable, "-m", "monitor", "relay", "--demo", "--redis", redis_server.url],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        status, out = 1, {}
        while time.monotonic() < deadline:
            status, out = snapshot_json(capsys, "--source", redis_server.url)
            if status == 0 and out["active_calls"]:
                break
            time.sleep(0.3)
        assert status == 0, out
    finally:
        relay.send_signal(signal.SIGTERM)
        _, err = relay.communicate(timeout=15)
    assert relay.returncode == 0, err
    assert "publishing to redis://127.0.0.1" in err and "stopped (SIGTERM)" in err


def test_rediss_speaks_tls_to_a_real_tls_redis_and_masks_its_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rediss://` end to end: a redis-server that only speaks TLS and wants a password (a
    self-signed certificate made here with openssl), a relay publishing to it and
    `snapshot --source` reading it back; the password appears nowhere in what is printed."""
    import shutil
    import socket

    from tests.sockets import free_port

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("openssl is not installed; as root: apt-get install -y openssl")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    password = "tls-canary-4f1c9a"
    server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", "0", "--tls-port", str(port),
         "--bind", "127.0.0.1", "--tls-cert-file", str(cert), "--tls-key-file", str(key),
         "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no", "--requirepass", password,
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        url = f"rediss://:{password}@127.0.0.1:{port}/0?ssl_ca_certs={cert}"

        async def publish() -> None:
            relay = RelayPublisher(LiveFeed(make_engine()), check_url(url, "default"))
            await relay.publish(relay.feed.snapshot())
            await relay.redis.aclose()

        asyncio.run(publish())
        status, out = snapshot_json(capsys, "--source", url)
        assert status == 0, out
        assert out["active_calls"]
        printed = json.dumps(out)
        assert password not in printed and "[redacted]" in str(out["source"])
        plain = f"redis://:{password}@127.0.0.1:{port}/0"
        status, out = snapshot_json(capsys, "--source", plain)  # no TLS: refused by the server
        assert status != 0 and password not in json.dumps(out)
    finally:
        server.terminate()
        server.wait(5)


def test_snapshot_source_prints_a_direct_snapshots_layout_plus_the_relays_facts(
    redis_server: RedisServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A script written for a direct `snapshot` reads the relay's unchanged (INTERFACE.md): the
    same top-level fields, the same fields in each part, errors as `{resource, kind,
    message}`; the relay's own facts are fields a direct snapshot does not have."""
    direct_status, direct = snapshot_json(capsys, "--demo", "--scenario", "small")
    assert direct_status in (0, 1) and direct["campaigns"] and direct["active_calls"]
    publish_once(redis_server, age=60)
    status, relayed = snapshot_json(capsys, "--source", redis_server.url)
    assert status == 1
    extras = {"source", "namespace", "age_s", "relay", "webhooks", "snapshot"}
    assert set(direct) <= set(relayed) and not extras & set(direct)
    assert set(relayed) - set(direct) == extras
    assert relayed["base_url"] == redis_server.url and relayed["generated_at"].endswith("Z")
    for part in ("campaigns", "active_calls"):
        mine, theirs = direct[part][0], relayed[part][0]
        documented = (
            {"id", "status", "campaign_id", "duration_s"} if part == "active_calls" else mine
        )
        assert set(documented) <= set(theirs), set(documented) - set(theirs)
    assert set(direct["concurrency"]) == set(relayed["concurrency"])
    assert relayed["concurrency"]["in_flight"] == len(relayed["active_calls"])
    (error,) = relayed["errors"]
    assert set(error) == {"resource", "kind", "message"} and error["kind"] == "timeout"
    assert all(set(e) == set(error) for e in direct["errors"])
    assert isinstance(relayed["notes"], list) and isinstance(relayed["insights"], list)
    assert isinstance(relayed["snapshot"], dict)  # the layout before, kept for a release
