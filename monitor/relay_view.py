"""The monitor and `snapshot` reading a relay (`--source redis://...`): no API call at all.

No client is built in this mode, so no request can reach the API behind the user's back; the
key is not needed. `snapshot --source` prints the relay's newest snapshot as a direct
`snapshot` prints the whole dashboard (the same JSON layout, or with `--format table` the same
table; `monitor.relay_table`), with the relay's source, namespace and age added: exit 0 when
it is within the relay's freshness promise (`RELAY_FRESH_S`), 1 when it is older or there is
none (the age or the reason in `errors`), 2 for a URL refused."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime
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


async def read_relay(
    target: Any,
) -> tuple[Any, float | None, dict[str, Any], list[dict[str, str]]]:
    """The newest snapshot in Redis, its age (s), the relay's words, and the errors (each
    `{resource, kind, message}` as a direct `snapshot`'s, the resource `relay/<namespace>`)."""
    from redis.exceptions import RedisError

    from monitor.feeds.redis import RedisFeed
    from monitor.feeds.redis_relay import redis_problem

    resource = f"relay/{target.namespace}"
    feed = RedisFeed(target)
    try:
        found = await feed.read_latest()
    except (RedisError, OSError) as exc:
        problem = redis_problem(exc, target.url)
        return None, None, {}, [{"resource": resource, "kind": "unreachable", "message": problem}]
    finally:
        await feed.redis.aclose()
    entry = feed.entry
    if not found or entry is None:
        message = f"no relay has published to {target.shown} ({target.snapshots})"
        return None, None, {}, [{"resource": resource, "kind": "not_found", "message": message}]
    return feed.snapshot(), max(time.time() - entry.at, 0.0), entry.relay, []


def relay_json(
    target: Any,
    snap: Any,
    age: float | None,
    relay: dict[str, Any],
    errors: list[dict[str, str]],
) -> str:
    """A direct whole-dashboard `snapshot`'s JSON (INTERFACE.md: the same fields, errors as
    objects) from the relay's snapshot, `base_url` being the relay's Redis (masked), plus the
    relay's own facts under names a direct snapshot does not use (README, the relay)."""
    from monitor.relay_table import snapshot_report
    from monitor.report import Report

    if snap is None:
        report = Report(base_url=target.shown, generated_at=datetime.now(UTC), dashboard=True)
    else:
        report = snapshot_report(snap, target.shown)
    report.errors.extend(errors)
    out: dict[str, Any] = json.loads(report.to_json_text())
    out.setdefault("counts_attribution", None)  # the relay's engine's tally is not published
    out.update(
        source=target.shown,
        namespace=target.namespace,
        age_s=None if age is None else round(age, 1),
        relay=relay,
        webhooks=None
        if snap is None or snap.webhooks is None
        else json.loads(snap.webhooks.model_dump_json()),
        # The layout before (the relay's `MonitorSnapshot` whole), kept for one release.
        snapshot=None if snap is None else json.loads(snap.model_dump_json()),
    )
    return json.dumps(out, indent=2, ensure_ascii=True, allow_nan=False)


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
            {
                "resource": f"relay/{target.namespace}",
                "kind": "timeout",
                "message": f"the relay's newest snapshot is {age:.0f}s old (it promises one "
                f"every second; older than {RELAY_FRESH_S:.0f}s means the relay is silent)",
            }
        )
    if getattr(args, "format", "json") == "table":
        from monitor.relay_table import relay_table

        print(relay_table(snap, target.shown, age, relay, errors))
    else:
        print(relay_json(target, snap, age, relay, errors))
    for err in errors:  # as a direct `snapshot`: each on stderr too (cron mails it)
        print(f"snapshot: {err['resource']}: {err['message']}", file=sys.stderr)
    return EXIT_PARTIAL if errors else EXIT_OK


__all__ = ["read_relay", "relay_json", "run_relay_snapshot", "run_relayed_monitor"]
