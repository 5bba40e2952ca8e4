"""`sim --webhook`: the sender built from the command line, its secret read like a key."""

from __future__ import annotations

import argparse
import os

from monitor.sim import Simulator
from monitor.sim.webhook_sender import WebhookSender
from monitor.sim.webhooks import parse_faults


def make_sender(sim: Simulator, args: argparse.Namespace) -> WebhookSender:
    """Raises ValueError with one line for the user (never holding the secret)."""
    from monitor.config import ConfigError
    from monitor.config.webhook_secret import find_webhook_secret

    url = str(args.webhook)
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"--webhook {url!r}: give an http:// or https:// URL")
    try:
        secret = find_webhook_secret(
            flag_file=getattr(args, "webhook_secret_file", None),
            environ=os.environ,
            use_keyring=False,
        )
    except ConfigError as exc:
        raise ValueError(str(exc)) from None
    faults = parse_faults(getattr(args, "webhook_faults", "") or "")
    return WebhookSender(
        sim.world,
        url,
        secret.get_secret_value().encode(),
        faults=faults,
        seed=args.seed,
        dialect=sim.dialect,
    )


__all__ = ["make_sender"]
