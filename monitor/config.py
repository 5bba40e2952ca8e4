"""Settings: the one place that knows where configuration comes from.

Layers, lowest to highest precedence: defaults, the TOML file (top-level values, then the
selected `[profiles.NAME]` over them), `DIALNEXA_*` environment variables, then flags. The file
lives at platformdirs' user config path (`DIALNEXA_MONITOR_CONFIG` overrides it, for tests and
for people who keep it elsewhere) and is read only when `load_settings` runs, never at import.

Built on pydantic-settings: `Settings` carries the environment conventions (prefix
`DIALNEXA_`, nested delimiter `__`) and `EnvSettingsSource` reads the environment, but the layers
are merged here rather than inside `Settings()`, for three reasons: every value's origin is
recorded (`config show` prints it), errors can name the file line or variable that is wrong,
and constructing `Settings(...)` directly (tests, `--demo`) never reads the environment behind
the caller's back.

The API key is a credential, not a setting (see `monitor.secrets`): it never comes from a flag
(it would show in `ps`) nor from the config file (config files get versioned and shared); it
is held as `SecretStr` and messages show at most its last four characters.

Every problem is raised as `ConfigError` with one plain paragraph that names the file and line,
the variable or the flag, and the fix. Pydantic's own error text is never shown, because it
includes (truncated) input values (FAULTS H6).
"""

from __future__ import annotations

import difflib
import json
import os
import re
import stat
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import SplitResult, urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from monitor.logs import redact
from monitor.secrets import (
    STDIN_PATH,
    FileIdentity,
    KeyringLookup,
    SecretError,
    check_key_text,
    current_uid,
    keyring_lookup,
    owner_name,
    read_key_file,
    read_key_stdin,
)

APP_NAME = "dialnexa-monitor"
DEFAULT_BASE_URL = "https://api.dialnexa.com/v1"
ENV_PREFIX = "DIALNEXA_"
CONFIG_PATH_ENV = "DIALNEXA_MONITOR_CONFIG"
PROFILE_ENV = "DIALNEXA_PROFILE"
API_KEY_ENV = "DIALNEXA_API_KEY"
EXAMPLE_CONFIG = "docs/config.example.toml"

MAX_CONFIG_BYTES = 1024 * 1024
"""A config file is a few hundred bytes; a megabyte means the path points at the wrong file."""

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

_KEYLIKE_NAMES = frozenset(
    {"api_key", "apikey", "api-key", "key", "token", "api_token", "secret", "bearer"}
)
"""File entries refused as "the key itself", so a pasted key never sits in a versioned file."""


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


class Settings(BaseSettings):
    """Every effective setting of the monitor, with where each came from.

    Construct it through `load_settings`; constructing it directly uses only the arguments given
    (no file, no environment), which is what tests and `--demo` want.
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
    theme: str = Field(default="textual-dark", min_length=1)
    """Textual theme name."""
    log_level: LogLevel = "INFO"
    """Level of the log file (never the terminal)."""
    config_file: Path | None = None
    """The config file that was read, or None when there was none."""
    origins: dict[str, str] = Field(default_factory=dict, repr=False)
    """Where each setting came from, by dotted name ("poll.active_calls_s"): "default",
    "file PATH:LINE [profiles.NAME]", "env NAME" or "flag --NAME"."""
    api_key_note: str | None = None
    """Why no key was found, when the keyring could not help (no backend, not installed)."""
    notes: tuple[str, ...] = ()
    """Non-fatal remarks for the user (no keyring here, plain http, missing config file)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # load_settings merges the layers itself (to track origins); a direct Settings(...)
        # must not read os.environ behind the caller's back.
        return (init_settings,)

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
    "log_level",
    "api_key_file",
    "keyring",
)
"""Settings a user may set in the file, the environment or by flag (the rest are derived)."""

POLL_FIELDS: tuple[str, ...] = tuple(PollSettings.model_fields)

_FLAG_NAMES: Mapping[str, str] = {"tick": "--no-tick"}


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


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The config file's path: `DIALNEXA_MONITOR_CONFIG`, else the platform's user config dir.

    No file system access: the directory is not created.
    """
    env = os.environ if environ is None else environ
    override = env.get(CONFIG_PATH_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


# ---------------------------------------------------------------------------------------------
# Reading the file


@dataclass
class _FileLayer:
    path: Path
    exists: bool
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def profiles(self) -> dict[str, Any]:
        value = self.data.get("profiles", {})
        return value if isinstance(value, dict) else {}


def _line_of(text: str, key_path: tuple[str, ...]) -> int | None:
    """Best-effort line number of the assignment to `key_path` in TOML `text` (1-based).

    tomllib reports positions only for syntax errors; for a valid file whose value is wrong,
    this finds the line so the message can point at it.
    """
    table: tuple[str, ...] = ()
    header = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
    part = r"(?:[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')"
    assign = re.compile(rf"^\s*({part}(?:\s*\.\s*{part})*)\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if m := header.match(line):
            table = _split_dotted(m.group(1))
            if table == key_path:
                return number
            continue
        if (m := assign.match(line)) and table + _split_dotted(m.group(1)) == key_path:
            return number
    return None


def _split_dotted(text: str) -> tuple[str, ...]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_\-]+)", text)
    return tuple(next(p for p in groups if p) if any(groups) else "" for groups in parts)


def _place(layer: _FileLayer, key_path: tuple[str, ...]) -> str:
    line = _line_of(layer.text, key_path)
    return f"{layer.path}, line {line}" if line else str(layer.path)


def _read_config_file(path: Path, *, uid: int | None = None) -> _FileLayer:
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return _FileLayer(path=path, exists=False)
    except OSError as exc:
        raise ConfigError(
            f"The config file {path} cannot be opened: {exc.strerror}. Fix its permissions, or "
            f"point {CONFIG_PATH_ENV} at another file."
        ) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        if str(path) == os.devnull:
            return _FileLayer(path=path, exists=True)
        raise ConfigError(
            f"The config file {path} is not a regular file. Point {CONFIG_PATH_ENV} at a "
            "TOML file, or remove the variable."
        )
    with os.fdopen(fd, "rb") as fh:
        check_config_file(path, FileIdentity(mode=st.st_mode, uid=st.st_uid), uid=uid)
        raw = fh.read(MAX_CONFIG_BYTES + 1)
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"The config file {path} is larger than 1 MiB; is it the right file?")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}, line {line}: the config file is not valid UTF-8 text. Save it as UTF-8."
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_error_message(path, str(exc), text)) from None
    return _FileLayer(path=path, exists=True, text=text, data=data)


def _toml_error_message(path: Path, detail: str, text: str) -> str:
    # tomllib's messages are fixed phrases plus "(at line L, column C)"; the offending line is
    # deliberately not quoted, because a mistyped line may be a pasted key.
    m = re.search(r"\(at line (\d+), column (\d+)\)", detail)
    reason = detail.split(" (at ")[0].rstrip(".")
    if m:
        where = f"{path}, line {m.group(1)}, column {m.group(2)}"
    elif "end of document" in detail:
        where = f"{path}, line {text.rstrip(chr(10)).count(chr(10)) + 1} (the end of the file)"
    else:
        where = str(path)
    return (
        f"{where}: this is not valid TOML ({reason}). Text values need double quotes "
        '(base_url = "https://…"), true/false are lower case, and each [section] header stands '
        f"on its own line. See {EXAMPLE_CONFIG} for a complete example."
    )


def check_config_file(path: Path, ident: FileIdentity, *, uid: int | None = None) -> None:
    """Refuse a config file that another user can change (they could redirect the key).

    The file holds no key, so being readable is fine (and lets it be versioned); being
    writable by others, or owned by someone other than you or root, is not: whoever can edit
    it can point `base_url` at their own server and receive your key.

    Raises:
        ConfigError: naming the owner, or with the `chmod` to run.
    """
    if sys.platform == "win32":  # pragma: no cover - POSIX modes do not apply there
        return
    me = current_uid() if uid is None else uid
    if ident.uid not in (me, 0):
        raise ConfigError(
            f"The config file {path} belongs to {owner_name(ident.uid)}, not to you "
            f"({owner_name(me)}). Whoever can edit it can send your key to another server. "
            f"Copy it to a file you own and point {CONFIG_PATH_ENV} at it."
        )
    perms = stat.S_IMODE(ident.mode)
    if perms & 0o022:
        raise ConfigError(
            f"The config file {path} is writable by others (mode {perms:04o}), so another "
            f"user could send your key to their own server. Run: chmod go-w {path}"
        )


def _suggest(name: str, valid: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def _check_table(
    layer: _FileLayer,
    table: Mapping[str, Any],
    prefix: tuple[str, ...],
    *,
    top: bool,
    problems: list[str] | None = None,
) -> None:
    """Refuse unknown names and key-like entries in one settings table (top level or profile).

    With `problems`, every problem is added there (the caller reports them all at once, as a
    compiler does); without, the first one raises.
    """
    found: list[str] = []
    try:
        _check_names(layer, table, prefix, top=top, found=found)
    finally:
        if problems is not None:
            problems.extend(found)
    if found and problems is None:
        raise ConfigError(found[0])


def _check_names(
    layer: _FileLayer,
    table: Mapping[str, Any],
    prefix: tuple[str, ...],
    *,
    top: bool,
    found: list[str],
) -> None:
    section = f" in [{'.'.join(prefix)}]" if prefix else ""
    allowed = SETTABLE + (("default_profile", "profiles") if top else ())
    for name, value in table.items():
        where = _place(layer, (*prefix, name))
        if name.lower() in _KEYLIKE_NAMES:
            found.append(
                f"{where}: the config file must not contain the API key ({name}{section}). "
                "Config files get copied and versioned; keys must not. Delete that line, then "
                "put the key in a file only you can read (chmod 600) and name it with "
                f'api_key_file = "…", or set {API_KEY_ENV}.'
            )
            continue
        if name not in allowed:
            hint = _suggest(name, allowed)
            if not top and name in ("default_profile", "profiles"):
                hint = f" {name} belongs at the top of the file, not inside a profile."
            found.append(
                f"{where}: unknown setting {name!r}{section}.{hint} Valid settings: "
                f"{', '.join(allowed)}."
            )
            continue
        if name == "poll":
            if not isinstance(value, dict):
                found.append(
                    f"{where}: poll must be a section ([poll] with one cadence per line), not a "
                    "single value."
                )
                continue
            for sub in value:
                if sub not in POLL_FIELDS:
                    found.append(
                        f"{_place(layer, (*prefix, 'poll', sub))}: unknown setting "
                        f"{sub!r} in [{'.'.join((*prefix, 'poll'))}].{_suggest(sub, POLL_FIELDS)}"
                        f" Valid cadences: {', '.join(POLL_FIELDS)}."
                    )


def _file_values(layer: _FileLayer, profile: str | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The file's values for `profile` (profile over top level) and their origins."""
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    tables: list[tuple[tuple[str, ...], Mapping[str, Any]]] = [((), layer.data)]
    if profile is not None:
        tables.append((("profiles", profile), layer.profiles()[profile]))
    for prefix, table in tables:
        suffix = f" [profiles.{profile}]" if prefix else ""
        for name, value in table.items():
            if name in ("default_profile", "profiles"):
                continue
            if name == "poll":
                merged = dict(values.get("poll", {}))
                for sub, subvalue in value.items():
                    merged[sub] = subvalue
                    origins[f"poll.{sub}"] = (
                        f"file {_place_short(layer, (*prefix, 'poll', sub))}{suffix}"
                    )
                values["poll"] = merged
                continue
            if name == "api_key_file" and isinstance(value, str):
                # Relative to the config file, so the pair can move together.
                value = layer.path.parent / Path(value).expanduser()
            values[name] = value
            origins[name] = f"file {_place_short(layer, (*prefix, name))}{suffix}"
    return values, origins


def _place_short(layer: _FileLayer, key_path: tuple[str, ...]) -> str:
    line = _line_of(layer.text, key_path)
    return f"{layer.path}:{line}" if line else str(layer.path)


# ---------------------------------------------------------------------------------------------
# The environment


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source reading an injected mapping, not os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._environ.items()}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if field_name not in SETTABLE:
            return None, field_name, False
        return super().get_field_value(field, field_name)


def _env_values(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    upper = {k.upper(): k for k in environ}
    try:
        values = dict(_MappingEnvSource(Settings, environ)())
    except SettingsError:
        raise ConfigError(
            f"The environment variable {ENV_PREFIX}POLL is not valid JSON. Set single cadences "
            f"instead, for example {ENV_PREFIX}POLL__ACTIVE_CALLS_S=10."
        ) from None
    origins: dict[str, str] = {}
    for name, value in list(values.items()):
        if name not in SETTABLE:
            del values[name]
            continue
        var = f"{ENV_PREFIX}{name.upper()}"
        if name == "poll" and isinstance(value, dict):
            for sub in value:
                nested = f"{var}__{sub.upper()}"
                origins[f"poll.{sub}"] = f"env {nested if nested in upper else var}"
        else:
            origins[name] = f"env {var}"
    if isinstance(values.get("api_key_file"), str):
        values["api_key_file"] = Path(values["api_key_file"]).expanduser()
    return values, origins


# ---------------------------------------------------------------------------------------------
# Merging and validation


def _flag(name: str) -> str:
    return _FLAG_NAMES.get(name, "--" + name.replace("_", "-"))


_RANK = {"default": 0, "file": 1, "env": 3, "flag": 4}


def _rank(origin: str | None) -> int:
    """Precedence of an origin; a profile outranks the file's top level."""
    text = origin or "default"
    rank = _RANK.get(text.split(" ")[0], 0)
    return rank + 1 if rank == 1 and "[profiles." in text else rank


_EXPECTED: Mapping[str, str] = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text (in double quotes in the file)",
    "tuple_type": "a list of campaign ids",
    "list_type": "a list",
    "iterable_type": "a list",
    "model_type": "a section of settings",
    "model_attributes_type": "a section of settings",
    "dict_type": "a section of settings",
    "path_type": "a file path",
    "string_too_short": "non-empty text",
}


def _expected(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind in _EXPECTED:
        return f"must be {_EXPECTED[kind]}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', 'the documented values')}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {
            "greater_than_equal": ("at least", "ge"),
            "greater_than": ("more than", "gt"),
            "less_than_equal": ("at most", "le"),
            "less_than": ("less than", "lt"),
        }[kind]
        return f"must be {bound[0]} {ctx.get(bound[1])}"
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return "is not a setting"
    if kind == "missing":
        return "is required"
    return "is not valid here"


def _validation_message(exc: ValidationError, origins: Mapping[str, str]) -> str:
    problems: list[str] = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
        index = next((part for part in error["loc"] if isinstance(part, int)), None)
        name = ".".join(loc) or "settings"
        origin = origins.get(name) or origins.get(loc[0] if loc else "", "default")
        item = f" (item {index + 1})" if index is not None else ""
        detail = _expected(error)
        if error["type"] == "extra_forbidden":
            valid = POLL_FIELDS if name.startswith("poll.") else SETTABLE
            detail += "." + _suggest(loc[-1], valid)
        end = "" if detail.endswith((".", "?")) else "."
        problems.append(f"{name}{item} from {_origin_words(origin)} {detail}{end}")
    lead = "A setting is wrong" if len(problems) == 1 else f"{len(problems)} settings are wrong"
    return (
        f"{lead}: "
        + " ".join(problems)
        + " Fix the value where it is set (`dialnexa-monitor config show` lists every source)."
    )


def _origin_words(origin: str) -> str:
    kind, _, rest = origin.partition(" ")
    if kind == "file":
        return f"the config file ({rest})"
    if kind == "env":
        return f"the environment ({rest})"
    if kind == "flag":
        return f"the command line ({rest})"
    return "the defaults"


def _select_profile(
    layer: _FileLayer, profile: str | None, environ: Mapping[str, str]
) -> tuple[str | None, str]:
    if profile:
        chosen, origin = profile, "flag --profile"
    elif environ.get(PROFILE_ENV):
        chosen, origin = environ[PROFILE_ENV], f"env {PROFILE_ENV}"
    elif "default_profile" in layer.data:
        value = layer.data["default_profile"]
        if not isinstance(value, str) or not value:
            raise ConfigError(
                f"{_place(layer, ('default_profile',))}: default_profile must be the name of a "
                'profile in double quotes, like default_profile = "eu".'
            )
        chosen, origin = value, f"file {_place_short(layer, ('default_profile',))}"
    else:
        return None, "default"
    if not layer.exists:
        raise ConfigError(
            f"Profile {chosen!r} was asked for ({origin}), but there is no config file at "
            f"{layer.path}. Create it with a [profiles.{chosen}] section (see {EXAMPLE_CONFIG}), "
            f"or set {CONFIG_PATH_ENV} to the file that has it."
        )
    raw_profiles = layer.data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise ConfigError(
            f"{_place(layer, ('profiles',))}: profiles must be sections written "
            "[profiles.NAME], not a single value."
        )
    names = tuple(sorted(raw_profiles))
    if chosen not in raw_profiles:
        available = (
            f"Available profiles: {', '.join(names)}.{_suggest(chosen, names)}"
            if names
            else "The file defines no profiles ([profiles.NAME] sections)."
        )
        raise ConfigError(
            f"There is no profile {chosen!r} in {layer.path} (asked for by {origin}). {available}"
        )
    return chosen, origin


def _check_profiles(layer: _FileLayer, problems: list[str] | None = None) -> None:
    raw = layer.data.get("profiles", {})
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{_place(layer, ('profiles',))}: profiles must be sections written "
            "[profiles.NAME], not a single value."
        )
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise ConfigError(
                f"{_place(layer, ('profiles', name))}: profile {name!r} must be a section "
                f"([profiles.{name}] followed by its settings), not a single value."
            )
        _check_table(layer, table, ("profiles", name), top=False, problems=problems)


def _resolve_key(
    *,
    environ: Mapping[str, str],
    flag_key_file: Path | None,
    values: Mapping[str, Any],
    origins: Mapping[str, str],
    profile: str | None,
    lookup: KeyringLookup,
) -> tuple[SecretStr | None, str, str, str | None]:
    """The key, its short source, its detailed origin and a note (when none was found)."""
    try:
        if flag_key_file == STDIN_PATH:
            return read_key_stdin(), "stdin", "stdin (flag --api-key-file -)", None
        if flag_key_file is not None:
            key = read_key_file(flag_key_file, origin="--api-key-file")
            return key, f"file {flag_key_file}", f"file {flag_key_file} (flag --api-key-file)", None
        if API_KEY_ENV in environ:
            raw = environ[API_KEY_ENV]
            if not raw.strip():
                raise ConfigError(
                    f"{API_KEY_ENV} is set but empty. Set it to your workspace's API key, or "
                    "unset it to use a key file or the keyring; to try the monitor without a "
                    "key, run it with --demo."
                )
            key = check_key_text(raw, API_KEY_ENV)
            return key, f"env {API_KEY_ENV}", f"env {API_KEY_ENV}", None
        key_file = values.get("api_key_file")
        if isinstance(key_file, Path):
            where = origins.get("api_key_file", "")
            kind, _, rest = where.partition(" ")
            said = f"api_key_file in {rest}" if kind == "file" else rest or "api_key_file"
            key = read_key_file(key_file, origin=said)
            return key, f"file {key_file}", f"file {key_file} ({said})", None
        if values.get("keyring", True) is not False:
            username = profile or "default"
            found = lookup(username)
            if found.key is not None:
                detail = f"keyring (service dialnexa-monitor, user {username})"
                return found.key, "keyring", detail, None
            return None, "none", "none", found.note
    except SecretError as exc:
        raise ConfigError(str(exc)) from None
    return None, "none", "none", None


def load_settings(
    *,
    overrides: Mapping[str, Any] | None = None,
    profile: str | None = None,
    api_key_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    load_key: bool = True,
    keyring: KeyringLookup | None = None,
    uid: int | None = None,
) -> Settings:
    """Build the effective settings: defaults < file (< its profile) < environment < flags.

    Args:
        overrides: values from flags; None values mean "flag not given". `api_key` is accepted
            for programmatic use (never wire a flag to it).
        profile: `--profile`; else `DIALNEXA_PROFILE`; else the file's `default_profile`.
        api_key_file: `--api-key-file`; wins over every other key source.
        environ: the environment; defaults to `os.environ`.
        load_key: False skips every key source (`--demo` needs none, and must not fail on a
            bad key file nor wake a desktop keyring prompt).
        keyring: how to ask the keyring (tests inject one); defaults to the system keyring.
        uid: the user to check file ownership against; defaults to the effective uid.

    Returns:
        Frozen settings, with `origins`, `api_key_source` and `notes` filled in.

    Raises:
        ConfigError: one paragraph naming the file and line, variable or flag, and the fix.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    notes: list[str] = []
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    # Accepted in overrides too, so a caller can pass every flag in one mapping.
    profile = profile or given.pop("profile", None)
    if api_key_file is None and "api_key_file" in given:
        api_key_file = Path(given.pop("api_key_file"))
    given.pop("api_key_file", None)
    path = config_path(env)
    layer = _read_config_file(path, uid=uid)
    if not layer.exists and env.get(CONFIG_PATH_ENV):
        notes.append(f"{CONFIG_PATH_ENV} names {path}, which does not exist; using defaults.")
    # Every problem of the file at once (not one per run): names first, then values.
    problems: list[str] = []
    _check_table(layer, layer.data, (), top=True, problems=problems)
    _check_profiles(layer, problems)
    if problems:
        problems += _value_problems(layer, profile, env)
        raise ConfigError(joined_problems(problems))
    chosen, profile_origin = _select_profile(layer, profile, env)

    file_values, file_origins = _file_values(layer, chosen)
    env_values, env_origins = _env_values(env)
    flag_values: dict[str, Any] = {}
    flag_origins: dict[str, str] = {}
    programmatic_key: SecretStr | None = None
    for name, value in given.items():
        if name not in (*SETTABLE, "api_key"):
            raise ConfigError(
                f"{_flag(name)} does not map onto a setting.{_suggest(name, SETTABLE)} "
                f"Settings: {', '.join(SETTABLE)}."
            )
        if name == "api_key":
            programmatic_key = value if isinstance(value, SecretStr) else SecretStr(str(value))
            continue
        if name == "poll" and isinstance(value, Mapping):
            flag_values.setdefault("poll", {}).update(value)
            flag_origins.update({f"poll.{sub}": f"flag {_flag(sub)}" for sub in value})
            continue
        flag_values[name] = value
        flag_origins[name] = f"flag {_flag(name)}"
    if api_key_file is not None:
        flag_values["api_key_file"] = api_key_file.expanduser()
        flag_origins["api_key_file"] = "flag --api-key-file"

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for layer_values, layer_origins in (
        (file_values, file_origins),
        (env_values, env_origins),
        (flag_values, flag_origins),
    ):
        for name, value in layer_values.items():
            if name == "poll" and isinstance(value, Mapping):
                values["poll"] = {**values.get("poll", {}), **value}
            else:
                values[name] = value
        origins.update(layer_origins)

    # The plan is a shortcut for the cap; whichever was set at the higher layer wins.
    plan = values.get("plan")
    if (
        isinstance(plan, str)
        and plan.strip().lower() in PLAN_CAPS
        and (
            "concurrency_cap" not in values
            or _rank(origins.get("plan")) > _rank(origins.get("concurrency_cap"))
        )
    ):
        values["concurrency_cap"] = PLAN_CAPS[plan.strip().lower()]
        origins["concurrency_cap"] = f"{origins['plan']} (plan {plan.strip().lower()})"

    if "base_url" in values and isinstance(values["base_url"], str):
        try:
            values["base_url"] = validate_base_url(values["base_url"])
        except ConfigError as exc:
            raise ConfigError(
                f"base_url from {_origin_words(origins['base_url'])}: {exc}"
            ) from None

    key: SecretStr | None = None
    source = "none"
    key_origin = "none"
    key_note: str | None = None
    if programmatic_key is not None:
        key, source, key_origin = programmatic_key, "override", "override"
    elif load_key:
        key, source, key_origin, note = _resolve_key(
            environ=env,
            flag_key_file=api_key_file.expanduser() if api_key_file is not None else None,
            values=values,
            origins=origins,
            profile=chosen,
            lookup=keyring if keyring is not None else keyring_lookup,
        )
        if note:
            key_note = note
            notes.append(note)
    else:
        key_origin = "not loaded"

    for name in SETTABLE:
        if name == "poll":
            for sub in POLL_FIELDS:
                origins.setdefault(f"poll.{sub}", "default")
        else:
            origins.setdefault(name, "default")
    origins["api_key"] = key_origin
    origins["profile"] = profile_origin

    base = str(values.get("base_url", DEFAULT_BASE_URL))
    if base.startswith("http://") and not _is_loopback(base):
        notes.append(
            "The base URL uses plain http to a host that is not this machine: the key would "
            "cross the network unencrypted. Use https."
        )
    try:
        return Settings(
            **values,
            api_key=key,
            api_key_source=source,
            api_key_note=key_note,
            profile=chosen,
            config_file=path if layer.exists else None,
            origins=origins,
            notes=tuple(notes),
        )
    except ValidationError as exc:
        raise ConfigError(_validation_message(exc, origins)) from None


def joined_problems(problems: list[str]) -> str:
    """One paragraph for one problem; numbered when there are several."""
    if len(problems) == 1:
        return problems[0]
    listed = " ".join(f"({n}) {p}" for n, p in enumerate(problems, 1))
    return f"{len(problems)} problems in the configuration: {listed}"


def _value_problems(layer: _FileLayer, profile: str | None, env: Mapping[str, str]) -> list[str]:
    """The file's wrong values, checked with its unknown names left out (best effort: a file
    whose structure is broken gives what it can)."""
    try:
        chosen, _origin = _select_profile(layer, profile, env)
        values, origins = _file_values(layer, chosen)
        values = {k: v for k, v in values.items() if k in SETTABLE}
        if isinstance(values.get("poll"), dict):
            values["poll"] = {k: v for k, v in values["poll"].items() if k in POLL_FIELDS}
        Settings(**values)
    except ValidationError as exc:
        return [_validation_message(exc, origins).split(" Fix the value")[0]]
    except Exception:  # the structure problems already said what is wrong
        return []
    return []


def _is_loopback(url: str) -> bool:
    host = (urlsplit_checked(url).hostname or "").lower()
    return host in ("localhost", "testserver") or host.startswith("127.") or host == "::1"


def require_api_key(settings: Settings) -> SecretStr:
    """The key, or a `ConfigError` telling the user every way to provide one.

    Raises:
        ConfigError: no key source gave a key.
    """
    if settings.api_key is not None:
        return settings.api_key
    note = f" ({settings.api_key_note}.)" if settings.api_key_note else ""
    where = settings.config_file or config_path()
    raise ConfigError(
        f"No API key found.{note} Set {API_KEY_ENV}, or put the key alone in a file, run "
        "chmod 600 on it and pass --api-key-file FILE (or set api_key_file in "
        f"{where}), or store it in the system keyring with: keyring set dialnexa-monitor "
        f"{settings.profile or 'default'}. To try the monitor without a key, run it with --demo."
    )


def overrides_from_args(args: Any) -> dict[str, Any]:
    """Flag values from an argparse namespace, for `load_settings(overrides=...)`.

    Only flags that map onto settings are taken; absent flags are left out so lower layers
    show through.
    """
    overrides: dict[str, Any] = {}
    base_url = getattr(args, "base_url", None)
    if base_url:
        overrides["base_url"] = base_url
    if getattr(args, "no_tick", False):
        overrides["tick"] = False
    return overrides


def settings_from_args(
    args: Any,
    *,
    environ: Mapping[str, str] | None = None,
    load_key: bool = True,
    keyring: KeyringLookup | None = None,
) -> Settings:
    """`load_settings` fed from the common flags (--base-url, --profile, --api-key-file)."""
    return load_settings(
        overrides=overrides_from_args(args),
        profile=getattr(args, "profile", None),
        api_key_file=getattr(args, "api_key_file", None),
        environ=environ,
        load_key=load_key,
        keyring=keyring,
    )
