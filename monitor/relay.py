"""`dialnexa-monitor relay`: one engine polls the API and publishes to Redis for every viewer.

The same engine and budget as the live monitor, one per workspace/profile (`--namespace`,
default the profile's name or `default`); its snapshots go to a Redis stream that any number
of monitors read (`--source redis://...`), and their intents come back (see
`monitor.feeds.redis_relay`). The API key stays in this process: nothing written to Redis holds
it. The Redis URL's password is masked like the key in every word and log line.

It is a service: Redis going away is logged and retried, never a reason to exit. Exit status:
0 after SIGTERM/SIGINT (a clean stop); 2 for a configuration problem (no key, a Redis URL
refused), one paragraph on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import Any

from pydantic import SecretStr

EXIT_OK = 0
EXIT_USAGE = 2

log = logging.getLogger("monitor.relay")


def _usage(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_USAGE


def redis_url(args: argparse.Namespace, settings: Any) -> str | None:
    """`--redis`/`--source`, else the settings' `source` (config file, DIALNEXA_SOURCE)."""
    given = getattr(args, "redis", None) or getattr(args, "source", None)
    if given:
        return str(given)
    source = getattr(settings, "source", None)
    return source.get_secret_value() if isinstance(source, SecretStr) else None


def mask_redis_in_logs(url: str) -> None:
    """The Redis password joins the key among the secrets every log handler masks."""
    from monitor.config.logs import SecretFilter
    from monitor.feeds.redis_link import password_of

    password = password_of(url)
    if not password:
        return
    for handler in logging.getLogger().handlers:
        for f in handler.filters:
            if isinstance(f, SecretFilter):
                f.add_secret(password)


def service_logging(settings: Any, url: str) -> None:
    """The private log file, and stderr too (a service's journal), both masked."""
    from monitor.config.logs import SecretFilter, setup_logging

    setup_logging(settings, keep_terminal=True)
    secrets = [settings.api_key.get_secret_value()] if settings.api_key is not None else []
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    stderr.addFilter(SecretFilter(secrets))
    logging.getLogger().addHandler(stderr)
    mask_redis_in_logs(url)


def run_relay(args: argparse.Namespace) -> int:
    """The relay until SIGTERM/SIGINT; returns the exit status."""
    from monitor.api.client import DialNexaClient
    from monitor.config import ConfigError, load_settings, require_api_key
    from monitor.feeds import LiveFeed
    from monitor.feeds.redis_link import STREAM_MAXLEN, RedisUrlError, check_url, namespace_for
    from monitor.feeds.redis_relay import RelayPublisher
    from monitor.feeds.relay_viewers import WATCH_LIMIT
    from monitor.polling.engine import Engine
    from monitor.relay_webhooks import WebhookSetupError
    from monitor.relay_webhooks import prepare as prepare_webhooks

    demo = bool(getattr(args, "demo", False))
    try:
        settings = load_settings(
            overrides={"base_url": getattr(args, "base_url", None)},
            profile=getattr(args, "profile", None),
            api_key_file=getattr(args, "api_key_file", None),
            load_key=not demo,
        )
        url = redis_url(args, settings)
        if not url:
            raise ConfigError(
                "relay: no Redis URL. Give --redis redis://HOST:6379, or (to keep a password out "
                'of `ps`) source = "redis://:PASSWORD@HOST:6379" in the config file or '
                "DIALNEXA_SOURCE in the environment."
            )
        namespace = namespace_for(settings.profile, given=getattr(args, "namespace", None))
        target = check_url(url, namespace, insecure=bool(getattr(args, "insecure_redis", False)))
    except (ConfigError, RedisUrlError) as exc:
        return _usage(str(exc))

    transport = None
    base_url, key = settings.base_url, settings.api_key
    if demo:
        from monitor.sim import Simulator

        try:
            sim = Simulator.create(
                scenario=args.scenario, seed=args.seed, speed=args.speed, faults=args.faults or ()
            )
        except (ValueError, KeyError) as exc:
            return _usage(f"--demo: {exc}")
        transport, base_url, key = sim.transport(), sim.base_url, SecretStr(sim.server.api_key)
        if settings.concurrency_cap is None:
            settings = settings.model_copy(update={"concurrency_cap": sim.world.cap})
    elif key is None:
        try:
            key = require_api_key(settings)
        except ConfigError as exc:
            return _usage(str(exc))
    try:
        service_logging(settings, url)
    except OSError as exc:
        return _usage(f"Cannot open the log file: {exc.strerror or exc}")

    client = DialNexaClient(base_url, key, transport=transport)
    engine = Engine(client, settings)
    try:
        hooks = prepare_webhooks(args, settings, engine)
    except WebhookSetupError as exc:
        return _usage(str(exc))
    publisher = RelayPublisher(LiveFeed(engine), target, limit=args.watch_limit or WATCH_LIMIT)
    log.info(
        "relay: polling %s for namespace %s, publishing to %s (stream %s, MAXLEN %d)",
        "the simulator" if demo else base_url,
        namespace,
        target.shown,
        target.snapshots,
        STREAM_MAXLEN,
    )
    return asyncio.run(_serve(publisher, client, hooks))


async def _serve(publisher: Any, client: Any, hooks: Any = None) -> int:
    loop = asyncio.get_running_loop()
    got: list[int] = []

    def on_signal(signum: int) -> None:
        got.append(signum)
        publisher.stop()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(signum, on_signal, signum)
    receiving = asyncio.create_task(hooks[0].serve(hooks[1])) if hooks else None
    try:
        await publisher.run()
    finally:
        if receiving is not None:
            hooks[0].stop()
            await asyncio.gather(receiving, return_exceptions=True)
        await client.aclose()
    log.info("relay: stopped (%s)", signal.Signals(got[0]).name if got else "done")
    return EXIT_OK


__all__ = ["mask_redis_in_logs", "redis_url", "run_relay", "service_logging"]
