"""`load_settings`: the layers read, checked and handed to pydantic-settings, then the key.

Layers, lowest to highest precedence: defaults, the TOML file (top-level values, then the
selected `[profiles.NAME]` over them), `DIALNEXA_*` environment variables, then flags. The file
lives at platformdirs' user config path (`DIALNEXA_MONITOR_CONFIG` overrides it) and is read
only when `load_settings` runs, never at import.

The steps: read the file once and check its names (every problem at once); choose the profile;
build one source per layer (`monitor.config.sources`) and let `Settings` merge them; then find
the key (`monitor.config.key`), which needs the validated settings. Every problem is raised as
`ConfigError` with one plain paragraph that names the file and line, the variable or the flag,
and the fix (`monitor.config.errors`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from monitor.config.errors import base_url_message, joined_problems, validation_message
from monitor.config.file import ConfigDocument, read_config_file
from monitor.config.file_checks import file_problems
from monitor.config.key import FoundKey, find_key
from monitor.config.paths import CONFIG_PATH_ENV, config_path
from monitor.config.profiles import ProfileSource, choose_profile
from monitor.config.secrets import KeyringLookup, keyring_lookup
from monitor.config.settings import (
    POLL_FIELDS,
    SETTABLE,
    ConfigError,
    Settings,
    urlsplit_checked,
)
from monitor.config.sources import EnvironmentSource, FileTableSource, FlagLayer, Origins


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
    programmatic_key = given.pop("api_key", None)

    path = config_path(env)
    document = read_config_file(path, uid=uid)
    if not document.exists and env.get(CONFIG_PATH_ENV):
        notes.append(f"{CONFIG_PATH_ENV} names {path}, which does not exist; using defaults.")
    # Every problem of the file at once (not one per run): names first, then values.
    problems = file_problems(document)
    if problems:
        problems += _value_problems(document, profile, env)
        raise ConfigError(joined_problems(problems))
    chosen, profile_origin = choose_profile(document, profile, env)

    settings, origins = _layered_settings(document, chosen, env, given, api_key_file)
    found = _key(
        settings,
        programmatic_key,
        load_key=load_key,
        environ=env,
        flag_key_file=api_key_file,
        origins=origins,
        lookup=keyring if keyring is not None else keyring_lookup,
    )
    if found.note:
        notes.append(found.note)
    origins = {**_DEFAULT_ORIGINS, **origins}
    origins["api_key"] = found.origin
    origins["profile"] = profile_origin

    if settings.base_url.startswith("http://") and not _is_loopback(settings.base_url):
        notes.append(
            "The base URL uses plain http to a host that is not this machine: the key would "
            "cross the network unencrypted. Use https."
        )
    # Derived fields only, all of their declared types: nothing here needs validating again.
    return settings.model_copy(
        update={
            "api_key": found.key,
            "api_key_source": found.source,
            "api_key_note": found.note,
            "origins": origins,
            "notes": tuple(notes),
        }
    )


_DEFAULT_ORIGINS: Mapping[str, str] = {
    **{name: "default" for name in SETTABLE if name != "poll"},
    **{f"poll.{sub}": "default" for sub in POLL_FIELDS},
}
"""Every user-settable value's origin when no layer sets it."""


def _layered_settings(
    document: ConfigDocument,
    profile: str | None,
    env: Mapping[str, str],
    given: Mapping[str, Any],
    api_key_file: Path | None,
) -> tuple[Settings, Origins]:
    """The settings from the flags over the environment over the profile over the file, and
    where each value came from."""
    layers: list[FileTableSource | EnvironmentSource] = [FileTableSource(Settings, document)]
    if profile is not None:
        layers.append(ProfileSource(Settings, document, profile))
    layers.append(EnvironmentSource(Settings, env))
    flags = FlagLayer(given, api_key_file)
    origins: Origins = {}
    for layer in (*layers, flags):  # lowest first: a higher layer's origin replaces a lower's
        origins.update(layer.origins)
    derived = {"profile": profile, "config_file": document.path if document.exists else None}
    try:
        settings = Settings.from_layers({**flags.values, **derived}, tuple(reversed(layers)))
    except ValidationError as exc:
        raise ConfigError(
            base_url_message(exc, origins) or validation_message(exc, origins)
        ) from None
    return settings, origins


def _key(
    settings: Settings,
    programmatic_key: object,
    *,
    load_key: bool,
    environ: Mapping[str, str],
    flag_key_file: Path | None,
    origins: Mapping[str, str],
    lookup: KeyringLookup,
) -> FoundKey:
    if programmatic_key is not None:
        key = programmatic_key
        if not isinstance(key, SecretStr):
            key = SecretStr(str(key))
        return FoundKey(key, "override", "override")
    if not load_key:
        return FoundKey(None, origin="not loaded")
    return find_key(
        settings,
        environ=environ,
        flag_key_file=flag_key_file.expanduser() if flag_key_file is not None else None,
        origins=origins,
        lookup=lookup,
    )


def _value_problems(
    document: ConfigDocument, profile: str | None, env: Mapping[str, str]
) -> list[str]:
    """The file's wrong values, checked with its unknown names left out (best effort: a file
    whose structure is broken gives what it can)."""
    origins: Origins = {}
    try:
        chosen, _origin = choose_profile(document, profile, env)
        layers = [FileTableSource(Settings, document, known_only=True)]
        if chosen is not None:
            layers.append(ProfileSource(Settings, document, chosen, known_only=True))
        for layer in layers:
            origins.update(layer.origins)
        Settings.from_layers({}, tuple(reversed(layers)))
    except ValidationError as exc:
        return [validation_message(exc, origins).split(" Fix the value")[0]]
    except Exception:  # the structure problems already said what is wrong
        return []
    return []


def _is_loopback(url: str) -> bool:
    host = (urlsplit_checked(url).hostname or "").lower()
    return host in ("localhost", "testserver") or host.startswith("127.") or host == "::1"


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
    if getattr(args, "colors", None):
        overrides["colors"] = args.colors
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
