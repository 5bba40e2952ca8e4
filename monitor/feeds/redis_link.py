"""Where the relay's snapshots live in Redis, and how a URL to it is checked and shown.

A team's Redis is shared: the URL's password is a credential like the API key (masked in every
word the monitor says), and a Redis reachable from other machines without a password would hand
the team's call data to anyone on the network, so it is refused unless the user says
`--insecure-redis`. `rediss://` (TLS) is redis-py's own scheme and accepted as is.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import redis.asyncio as aioredis

SCHEMES = ("redis", "rediss", "unix")
PREFIX = "dialnexa-monitor"
"""Every key the monitor writes starts with this (one Redis may serve other programs)."""

STREAM_MAXLEN = 120
"""Snapshots kept in the stream (about two minutes at one a second): a late viewer needs the
newest only, a reconnecting one a little history; Redis memory is bounded by it."""
INTENTS_MAXLEN = 1000
"""Viewers' intents kept: a few per key press, read by the relay within a second."""

RELAY_FRESH_S = 5.0
"""The relay publishes at least once a second; a snapshot older than this is not current
(`snapshot --source` exits 1, a monitor marks the panes STALE: "relay silent since T")."""


class RedisUrlError(ValueError):
    """A Redis URL the monitor will not use; the message never holds its password."""


@dataclass(frozen=True, slots=True)
class RedisTarget:
    """A checked Redis URL and the keys of one workspace/profile in it."""

    url: str
    namespace: str

    @property
    def shown(self) -> str:
        """The URL as the monitor shows it: the password masked."""
        return mask_url(self.url)

    def key(self, name: str) -> str:
        return f"{PREFIX}:{self.namespace}:{name}"

    @property
    def snapshots(self) -> str:
        return self.key("snapshots")

    @property
    def parts(self) -> str:
        return self.key("parts")

    @property
    def intents(self) -> str:
        return self.key("intents")

    def client(self) -> aioredis.Redis:
        # Short timeouts: a Redis that went away must become words on the status line within
        # seconds, never a hung screen. health_check_interval re-tests an idle connection.
        return aioredis.Redis.from_url(
            self.url,
            socket_connect_timeout=3.0,
            socket_timeout=5.0,
            health_check_interval=15,
            decode_responses=False,
        )


def mask_url(text: str, url: str | None = None) -> str:
    """`redis://user:secret@host/0` -> `redis://user:[redacted]@host/0`, wherever a URL with a
    password is in `text`; and `url`'s password itself wherever it appears alone."""
    masked = re.sub(
        r"(?i)\b([a-z][a-z0-9+.\-]*://)([^/@:\s]*):[^/@\s]*@", r"\1\2:[redacted]@", text
    )
    password = password_of(url) if url else None
    return masked.replace(password, "[redacted]") if password else masked


def namespace_for(profile: str | None, *, demo: bool = False, given: str | None = None) -> str:
    """One stream per workspace/profile: `--namespace`, else `demo`, the profile or `default`."""
    name = given or ("demo" if demo else profile or "default")
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", name):
        raise RedisUrlError(f"namespace {name!r}: letters, digits, '_', '.', '-' (1-64)")
    return name


def _loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, namespace: str, *, insecure: bool = False) -> RedisTarget:
    """A Redis URL checked for use; raises `RedisUrlError` (its message masked).

    Args:
        url: redis://, rediss:// (TLS) or unix:// URL.
        namespace: the workspace/profile's name in the keys.
        insecure: allow a non-loopback Redis without a password.
    """
    parts = urlsplit(url)
    shown = mask_url(url)
    if parts.scheme not in SCHEMES:
        raise RedisUrlError(
            f"{shown}: the Redis URL must start with redis://, rediss:// or unix://"
        )
    if parts.scheme == "unix":
        return RedisTarget(url, namespace)
    try:
        host = parts.hostname or ""
        parts.port  # noqa: B018 (a bad port raises here, with the URL in our words)
    except ValueError:
        raise RedisUrlError(f"{shown}: not a valid Redis URL") from None
    if not parts.password and not _loopback(host) and not insecure:
        raise RedisUrlError(
            f"{shown}: a Redis on another machine without a password would give the team's "
            "call data to anyone who can reach it. Give it a password "
            "(redis://:PASSWORD@host:6379, or rediss:// for TLS), or pass --insecure-redis "
            "if the network is private."
        )
    return RedisTarget(url, namespace)


def password_of(url: str) -> str | None:
    """The URL's password (to mask it whole in logs as the key is)."""
    try:
        return urlsplit(url).password
    except ValueError:
        return None


__all__ = [
    "INTENTS_MAXLEN",
    "PREFIX",
    "RELAY_FRESH_S",
    "STREAM_MAXLEN",
    "RedisTarget",
    "RedisUrlError",
    "check_url",
    "mask_url",
    "namespace_for",
    "password_of",
]
