"""The relay's command line (issue 18): `relay`, and `--source` for the monitor and `snapshot`.

Kept apart from `monitor.cli` so the commands of other issues merge line by line; `cli.py`
calls these with its own helpers for the flags every command shares.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from monitor.relay_webhooks import add_webhook_flags

URL_HELP = (
    "redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss:// (TLS). A password on the command line "
    'shows in `ps`: prefer source = "..." in the config file or DIALNEXA_SOURCE.'
)


def _redis_flags(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    default = argparse.SUPPRESS if sub else None
    parser.add_argument(
        "--namespace",
        default=default,
        help="the relay's name in Redis (default: the profile's name, or 'default')",
    )
    parser.add_argument(
        "--insecure-redis",
        action="store_true",
        default=default if sub else False,
        help="allow a Redis on another machine without a password (a private network only)",
    )


def add_source_flags(parser: argparse.ArgumentParser, *, sub: bool = False) -> None:
    """`--source redis://...` for the monitor (and `snapshot`): read a relay, not the API."""
    parser.add_argument(
        "--source",
        metavar="URL",
        default=argparse.SUPPRESS if sub else None,
        help="read snapshots from a relay through Redis instead of polling the API. " + URL_HELP,
    )
    _redis_flags(parser, sub=sub)


def add_relay_parser(
    sub: Any,
    common: Callable[..., None],
    sim_world: Callable[[argparse.ArgumentParser], None],
) -> None:
    relay = sub.add_parser(
        "relay",
        allow_abbrev=False,
        help="poll the API once and publish to Redis for any number of monitors",
        description="One engine (one budget) per workspace/profile polls the API and publishes "
        "snapshots to a Redis stream; monitors started with --source redis://... show them. "
        "The API key never goes to Redis.",
    )
    common(relay, sub=True)
    relay.add_argument("--redis", metavar="URL", help="the Redis to publish to. " + URL_HELP)
    _redis_flags(relay, sub=False)
    relay.add_argument(
        "--watch-limit",
        type=int,
        default=None,
        help="calls kept under watch, whoever looks: the most recent selections, then the "
        "relay's own picks, the newest calls in flight (default 5)",
    )
    relay.add_argument("--demo", action="store_true", help="relay the embedded simulator")
    add_webhook_flags(relay)
    sim_world(relay)


def dispatch(args: argparse.Namespace) -> int | None:
    """The status of a relay command, or None when the command is not the relay's."""
    if args.command == "relay":
        from monitor.relay import run_relay

        return run_relay(args)
    if args.command == "snapshot" and getattr(args, "source", None):
        from monitor.relay_view import run_relay_snapshot

        return run_relay_snapshot(args)
    return None


__all__ = ["add_relay_parser", "add_source_flags", "dispatch"]
