"""The settings model: every effective setting, its type, bounds and default.

`Settings` is a pydantic-settings model whose sources are the configuration layers, highest
precedence first: flags (its init arguments), `DIALNEXA_*` environment variables, the selected
`[profiles.NAME]` table of the config file, the file's top level, then the defaults. The layers
of one load are built by `monitor.config.load` and handed to `settings_customise_sources`
through `Settings.from_layers`; constructing `Settings(...)` directly (tests, `--demo`) reads
nothing but its arguments, never the environment behind the caller's back.

The API key is a credential, not a setting (see `monitor.config.secrets`): it never comes from a
flag (it would show in `ps`) nor from the config file (config files get versioned and shared);
it is held as `SecretStr` and messages show at most its last four characters.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import SplitResult, urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from monitor.config.logs import redact
from monitor.config.record import AlertRule, RecordSettings, coerce_record

DEFAULT_BASE_URL = "https://api.dialnexa.com/v1"
ENV_PREFIX = "DIALNEXA_"
PROFILE_ENV = "DIALNEXA_PROFILE"
API_KEY_ENV = "DIALNEXA_API_KEY"
EXAMPLE_CONFIG = "docs/config.example.toml"

Plan = Literal["starter", "growth", "professional", "scale", "business"]

PLAN_CAPS: Mapping[str, int] = {
    "starter": 5,
    "growth": 25,
    "professional": 25,
    "scale": 100,
    "business": 100,
}
"""Concurrency slots per plan, from the vendor's pricing and deploy pages (API sheet §10)."""

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class ConfigError(Exception):
    """A configuration problem the user must fix; the message is one plain paragraph."""


class PollSettings(BaseModel):
    """How often each resource is polled, in seconds. The vendor asks for at most 1 request/s
    per resource, hence the floor of 1 s on every cadence."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    active_calls_s: float = Field(default=5.0, ge=1.0, le=3600.0)
    """Active calls list: what operators watch most, so the fastest cadence."""
    selected_call_s: float = Field(default=5.0, ge=1.0, le=3600.0)
    """The call open in the detail view."""
    max_backoff_s: float = Field(default=30.0, ge=1.0, le=3600.0)
    """Ceiling of the exponential backoff while nothing changes or errors repeat."""
    campaign_counts_s: float = Field(default=30.0, ge=1.0, le=3600.0)
    """Per-campaign status counts (six `limit=1` requests per campaign)."""
    retries_s: float = Field(default=30.0, ge=1.0, le=3600.0)
    """Retry history of the selected call, while its series is not final."""
    batch_list_s: float = Field(default=30.0, ge=1.0, le=3600.0)
    """The batch-call list that carries per-batch counters."""
    analysis_s: float = Field(default=180.0, ge=1.0, le=3600.0)
    """Post-call analysis paging for the qualified rate; expensive, so slow."""


_LAYERS: ContextVar[tuple[PydanticBaseSettingsSource, ...]] = ContextVar(
    "monitor_config_layers", default=()
)
"""The layers below the flags for the `Settings` being built by `Settings.from_layers`.

`settings_customise_sources` is a classmethod, so the per-load sources (an injected environment,
the file read once) reach it through this variable; outside `from_layers` it is empty.
"""


class Settings(BaseSettings):
    """Every effective setting of the monitor, with where each came from.

    Construct it through `load_settings`; constructing it directly uses only the arguments given
    (no file, no environment), which is what tests and `--demo` want. `origins`,
    `api_key*`, `profile`, `config_file` and `notes` are filled in by `load_settings`.
    """

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        hide_input_in_errors=True,
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        case_sensitive=False,
    )

    base_url: str = DEFAULT_BASE_URL
    """API base URL; always ends in /v1 for the real API (legacy unversioned paths 404)."""
    api_key: SecretStr | None = None
    """The key; never from a flag or the config file. None until one is found (or --demo)."""
    api_key_source: str = "none"
    """Where the key came from: "env DIALNEXA_API_KEY", "file /path", "keyring" or "none"."""
    api_key_file: Path | None = None
    """The key file named by --api-key-file, DIALNEXA_API_KEY_FILE or the config file."""
    keyring: bool = True
    """Look in the system keyring when no other source gives a key."""
    profile: str | None = None
    """The selected profile, or None for the top-level values only."""
    campaigns: Annotated[tuple[str, ...], NoDecode] = ()
    """Campaign ids to watch; empty means discover them from the API."""
    concurrency_cap: int | None = Field(default=None, ge=1, le=100_000)
    """Workspace concurrency cap (no API exposes it); None means unknown."""
    plan: Plan | None = None
    """Plan name, a shortcut for `concurrency_cap` (starter 5, growth/professional 25,
    scale/business 100)."""
    request_budget_per_min: int = Field(default=60, ge=1, le=10_000)
    """Our ceiling on requests per minute, shared by every poller (40% of the observed 150)."""
    poll: PollSettings = PollSettings()
    """Poll cadences."""
    qualified_key: str = Field(default="qualified", min_length=1)
    """The key in a call's post-call analysis that marks a qualified lead."""
    tick: bool = True
    """Tick durations every second; off for very slow links."""
    colors: Literal["auto", "256", "truecolor"] = "auto"
    """How many colours the screen is written in: `256` writes ~20% fewer bytes than 24-bit
    (`monitor.ui.colors`); `auto` follows the terminal (COLORTERM, TERM)."""
    theme: str = Field(default="textual-dark", min_length=1)
    """Textual theme name."""
    log_level: LogLevel = "INFO"
    """Level of the log file (never the terminal)."""
    # -- flight recorder (issue 17) --
    record: RecordSettings = RecordSettings()
    """`[record]`: record while watching, where, retention (`record = true` is short for it)."""
    bell: bool = True
    """Ring the terminal's bell (BEL) when an alert fires."""
    alerts: tuple[AlertRule, ...] = ()
    """`[[alerts]]`: the rules watched (monitor.alerts)."""

    config_file: Path | None = None
    """The config file that was read, or None when there was none."""
    origins: dict[str, str] = Field(default_factory=dict, repr=False)
    """Where each setting came from, by dotted name ("poll.active_calls_s"): "default",
    "file PATH:LINE [profiles.NAME]", "env NAME" or "flag --NAME"."""
    api_key_note: str | None = None
    """Why no key was found, when the keyring could not help (no backend, not installed)."""
    notes: tuple[str, ...] = ()
    """Non-fatal remarks for the user (no keyring here, plain http, missing config file)."""

    # -- the relay (issue 18) --
    source: SecretStr | None = None
    """`redis://...` / `rediss://...`: read a relay's snapshots from Redis instead of polling
    the API (the relay's own Redis for `relay`). A secret: its password is masked."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Highest precedence first: the init arguments (the flags), then the layers of
        # `from_layers`. pydantic-settings' own os.environ source is never used: the
        # environment is an injected mapping (tests, and no surprise reads).
        return (init_settings, *_LAYERS.get())

    @classmethod
    def from_layers(
        cls, flags: Mapping[str, Any], layers: tuple[PydanticBaseSettingsSource, ...]
    ) -> Settings:
        """Settings from `flags` over `layers` (highest precedence first) over the defaults.

        Raises:
            pydantic.ValidationError: a value is wrong (its text carries no input).
        """
        with _layered(layers):
            return cls(**flags)

    @field_validator("base_url", mode="before")
    @classmethod
    def _check_base_url(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return validate_base_url(value)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("campaigns", mode="before")
    @classmethod
    def _split_campaigns(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    value = json.loads(text)
                except json.JSONDecodeError:
                    raise ValueError(
                        'a JSON list was expected, like ["cmp_a", "cmp_b"], '
                        "or ids separated by commas"
                    ) from None
            else:
                value = [part for part in text.split(",")]
        if isinstance(value, list | tuple):
            ids = [v.strip() if isinstance(v, str) else v for v in value]
            ids = [v for v in ids if v != ""]
            return tuple(dict.fromkeys(ids))
        return value

    @field_validator("record", mode="before")
    @classmethod
    def _record_short_form(cls, value: object) -> object:
        return coerce_record(value)

    @field_validator("plan", mode="before")
    @classmethod
    def _lower_plan(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().upper()
            return "WARNING" if value == "WARN" else value
        return value

    @model_validator(mode="before")
    @classmethod
    def _cap_from_plan(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("concurrency_cap") is None:
            plan = data.get("plan")
            if isinstance(plan, str) and plan.strip().lower() in PLAN_CAPS:
                return {**data, "concurrency_cap": PLAN_CAPS[plan.strip().lower()]}
        return data


SETTABLE: tuple[str, ...] = (
    "base_url",
    "campaigns",
    "concurrency_cap",
    "plan",
    "request_budget_per_min",
    "poll",
    "qualified_key",
    "theme",
    "tick",
    "colors",
    "log_level",
    "api_key_file",
    "keyring",
    "record",
    "bell",
    "alerts",
)
"""Settings a user may set in the file, the environment or by flag (the rest are derived)."""
SETTABLE += ("source",)  # the relay (issue 18): `source = "redis://..."`

POLL_FIELDS: tuple[str, ...] = tuple(PollSettings.model_fields)


@contextmanager
def _layered(layers: tuple[PydanticBaseSettingsSource, ...]) -> Iterator[None]:
    token = _LAYERS.set(layers)
    try:
        yield
    finally:
        _LAYERS.reset(token)


def validate_base_url(url: str) -> str:
    """Refuse URLs that cannot work or would leak a key through httpx's logs (FAULTS S5, H7).

    Credentials are checked before anything else and the URL is echoed only once it is known
    to carry none.

    Returns:
        The URL without surrounding whitespace or trailing slashes.

    Raises:
        ConfigError: with the fix.
    """
    url = url.strip()
    try:
        parts = urlsplit_checked(url)
    except ValueError:
        raise ConfigError(
            f"The base URL cannot be parsed as a URL. Use for example {DEFAULT_BASE_URL}."
        ) from None
    if "@" in parts.netloc or parts.query or parts.fragment or "?" in url:
        raise ConfigError(
            "The base URL must not carry credentials, a query string or a #fragment: httpx "
            "would log and print them. Put the key in DIALNEXA_API_KEY or a key file, not in "
            "the URL."
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"The base URL {redact(url)!r} is not an http(s) URL with a host. "
            f"Use for example {DEFAULT_BASE_URL}."
        )
    if any(ch.isspace() for ch in url):
        raise ConfigError(
            f"The base URL {redact(url)!r} contains whitespace. Use for example {DEFAULT_BASE_URL}."
        )
    return url.rstrip("/")


def urlsplit_checked(url: str) -> SplitResult:
    """`urlsplit`, also raising ValueError for a bad port (which urlsplit defers)."""
    parts = urlsplit(url)
    _ = parts.port
    return parts
