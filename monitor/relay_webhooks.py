"""`relay --webhook-listen HOST:PORT`: the receiver wired into the relay (issue 22).

Kept apart from `monitor.relay` so that module's edits stay a few lines. The secret is found
like the key (`monitor.config.webhook_secret`), joins the key among the secrets every log
handler masks, and goes to the receiver as a `SecretStr`; it never reaches Redis or a snapshot
(nothing there has a field for it).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
from typing import Any

from monitor.feeds.webhook_receiver import Receiver, parse_listen

log = logging.getLogger("monitor.relay")


class WebhookSetupError(Exception):
    """One paragraph for stderr; never holds the secret."""


def prepare(
    args: argparse.Namespace, settings: Any, engine: Any
) -> tuple[Receiver, socket.socket] | None:
    """The receiver and its bound socket, or None when `--webhook-listen` was not given."""
    from monitor.config import ConfigError
    from monitor.config.logs import SecretFilter
    from monitor.config.webhook_secret import find_webhook_secret

    listen = getattr(args, "webhook_listen", None)
    if not listen:
        return None
    try:
        host, port = parse_listen(str(listen))
        secret = find_webhook_secret(
            flag_file=getattr(args, "webhook_secret_file", None),
            environ=os.environ,
            profile=getattr(settings, "profile", None),
            use_keyring=bool(getattr(settings, "keyring", True)),
        )
    except (ValueError, ConfigError) as exc:
        raise WebhookSetupError(str(exc)) from None
    for handler in logging.getLogger().handlers:
        for f in handler.filters:
            if isinstance(f, SecretFilter):
                f.add_secret(secret.get_secret_value())
    flow = engine.receive_webhooks(f"{host}:{port}")
    receiver = Receiver(flow, secret, host, port)
    try:
        sock = receiver.bind()
    except OSError as exc:
        raise WebhookSetupError(
            f"--webhook-listen {listen}: cannot listen there ({exc.strerror or exc})."
        ) from None
    flow.tally.listening = f"{host}:{receiver.port}"
    if host not in ("127.0.0.1", "::1", "localhost"):
        log.warning(
            "relay: webhooks received on %s, not loopback: put TLS in front (a reverse proxy)",
            host,
        )
    log.info("relay: receiving webhooks on http://%s:%d/ (signed deliveries only)", host,
             receiver.port)  # fmt: skip
    return receiver, sock


def add_webhook_flags(relay: argparse.ArgumentParser) -> None:
    from pathlib import Path

    relay.add_argument(
        "--webhook-listen",
        metavar="HOST:PORT",
        help="receive DialNexa webhook deliveries here (e.g. 127.0.0.1:8788; loopback unless a "
        "host is given: put the team's TLS reverse proxy in front)",
    )
    relay.add_argument(
        "--webhook-secret-file",
        metavar="FILE",
        type=Path,
        help="the webhook signing secret (owner-only file); or DIALNEXA_WEBHOOK_SECRET, or the "
        "keyring (user <profile>:webhook)",
    )


__all__ = ["WebhookSetupError", "add_webhook_flags", "prepare"]
