"""Settings: the one place that knows where configuration comes from.

Minimal first version (environment only); the configuration issue layers a TOML file, profiles,
key files and the keyring on top of the same `Settings` shape and `load_settings` signature.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr

DEFAULT_BASE_URL = "https://api.dialnexa.com/v1"


class ConfigError(Exception):
    """A configuration problem the user must fix; the message is one plain paragraph."""


class Settings(BaseModel):
    """Every effective setting of the monitor."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    base_url: str = DEFAULT_BASE_URL
    api_key: SecretStr | None = None
    campaigns: tuple[str, ...] = ()
    """Campaign ids to watch; empty means discover them from the API."""
    concurrency_cap: int | None = None
    """Workspace concurrency cap (no API exposes it); None means unknown."""
    request_budget_per_min: int = 60
    """Our ceiling on requests per minute, shared by every poller (40% of the observed 150)."""
    qualified_key: str = "qualified"
    """The key in a call's post-call analysis that marks a qualified lead."""
    tick: bool = True
    theme: str = "textual-dark"
    log_level: str = "INFO"


def validate_base_url(url: str) -> str:
    """Refuse URLs that cannot work or would leak a key through httpx's logs (FAULTS S5)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"The base URL {url!r} is not an http(s) URL with a host. "
            f"Use for example {DEFAULT_BASE_URL}."
        )
    if parts.username or parts.password or parts.query:
        raise ConfigError(
            "The base URL must not carry credentials or a query string: httpx would log and "
            "print them. Put the key in DIALNEXA_API_KEY or a key file, not in the URL."
        )
    return url.rstrip("/")


def load_settings(
    *,
    overrides: Mapping[str, Any] | None = None,
    profile: str | None = None,
    api_key_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build the effective settings (flags in `overrides` win over the environment)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if env.get("DIALNEXA_BASE_URL"):
        values["base_url"] = env["DIALNEXA_BASE_URL"]
    if "DIALNEXA_API_KEY" in env:
        key = env["DIALNEXA_API_KEY"]
        if not key.strip():
            raise ConfigError(
                "DIALNEXA_API_KEY is set but empty. Set it to your workspace's API key, or run "
                "with --demo to watch the built-in simulator."
            )
        values["api_key"] = SecretStr(key)
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    values["base_url"] = validate_base_url(str(values.get("base_url", DEFAULT_BASE_URL)))
    return Settings(**values)
