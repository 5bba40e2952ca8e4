"""The monitor and `snapshot` reading a relay (`--source redis://...`): no API call at all.

No client is built in this mode, so no request can reach the API behind the user's back; the
key is not needed. `snapshot --source` prints the relay's newest snapshot as JSON (or, with
`--format table`, the table `snapshot` prints, `monitor.relay_table`): exit 0 when
it is within the relay's freshness promise (`RELAY_FRESH_S`), 1 when it is older or there is
none (the age or the reason in `errors`), 2 for a URL refused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

from monitor.relay import mask_redis_in_logs

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2


def _target(args: argparse.Namespace, url: str, profile: str | None) -> Any:
    from monitor.feeds.redis_link import check_url, namespace_for

    namespace = namespace_for(profile, given=getattr(args, "namespace", None))
    return check_url(url, namespace, insecure=bool(getattr(args, "insecure_redis", False)))


def run_relayed_monitor(args: argparse.Namespace, settings: Any, url: str, notes: list[str]) -> int:
    """The live monitor on a relay's snapshots (called by `monitor.main.run_monitor`)."""
    from monitor.config.logs import setup_logging
    from monitor.feeds.redis import RedisFeed
    from monitor.feeds.redis_link import RedisUrlError
    from monitor.ui.app import MonitorApp
    from monitor.ui.state_file import UiState

    try:
        target = _target(args, url, settings.profile)
    except RedisUrlError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    try:
        setup_logging(settings)
    except OSError as exc:
        print(f"Cannot open the log file: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    mask_redis_in_logs(url)
    ui_state = UiState.load()
    if getattr(args, "reset_view", False):
        ui_state.reset()
    from monitor.ui.colors import color_system

    with color_system(settings.colors):
        app = MonitorApp(
            RedisFeed(target),
            ui_state=ui_state,
            tick=settings.tick,
            theme=settings.theme,
            handle_signals=True,
            startup_notes=notes,
        )
    app.run()
    return EXIT_OK if app.return_code is None else app.return_code


async def read_relay(target: Any) -> tuple[Any, float | None, dict[str, Any], list[str]]:
    """The newest snapshot in Redis, its age (s), the relay's words, and the errors."""
    from redis.exceptions import RedisError

    from monitor.feeds.redis import RedisFeed
    from monitor.feeds.redis_relay import redis_problem

    feed = RedisFeed(target)
    try:
        found = await feed.read_latest()
    except (RedisError, OSError) as exc:
        return None, None, {}, [redis_problem(exc, target.url)]
    finally:
        await feed.redis.aclose()
    entry = feed.entry
    if not found or entry is None:
        return None, None, {}, [f"no relay has published to {target.shown} ({target.snapshots})"]
    return feed.snapshot(), max(time.time() - entry.at, 0.0), entry.relay, []


def run_relay_snapshot(args: argparse.Namespace) -> int:
    """`snapshot --source redis://...`: the relay's newest snapshot, without the API."""
    from monitor.config import ConfigError, load_settings
    from monitor.feeds.redis_link import RELAY_FRESH_S, RedisUrlError

    try:
        settings = load_settings(profile=getattr(args, "profile", None), load_key=False)
        target = _target(args, str(args.source), settings.profile)
    except (ConfigError, RedisUrlError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    snap, age, relay, errors = asyncio.run(read_relay(target))
    if age is not None and age > RELAY_FRESH_S:
        errors.append(
            f"the relay's newest snapshot is {age:.0f}s old (it promises one every second; "
            f"older than {RELAY_FRESH_S:.0f}s means the relay is silent)"
        )
    if getattr(args, "format", "json") == "table":
        from monitor.relay_table import relay_table

        print(relay_table(snap, target.shown, age, relay, errors))
        return EXIT_PARTIAL if errors else EXIT_OK
    out = {
        "source": target.shown,
        "namespace": target.namespace,
        "age_s": None if age is None else round(age, 1),
        "relay": relay,
        "errors": errors,
        "snapshot": None if snap is None else json.loads(snap.model_dump_json()),
    }
    print(json.dumps(out, indent=2))
    return EXIT_PARTIAL if errors else EXIT_OK


__all__ = ["read_relay", "run_relay_snapshot", "run_relayed_monitor"]
