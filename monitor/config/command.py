"""`dialnexa-monitor config path|show|check`: where settings come from, and whether they work.

`show` is the answer to "why is it polling that URL?": every effective setting with the layer
that set it (default, file and line with its profile, environment variable, flag). The key is
shown only as its source and last four characters. `check` proves the settings end to end with
one cheap authenticated request (`GET /calls?limit=1`) through the same `DialNexaClient` the
monitor uses, and says what went wrong in words an operator can act on.

Exit status: 0 ok, 1 the API check failed, 2 a configuration error (message on stderr, no
traceback), matching the rest of the CLI.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pydantic import SecretStr

from monitor.config.key import require_api_key
from monitor.config.load import settings_from_args
from monitor.config.logs import LOG_FILE_NAME, redact
from monitor.config.paths import (
    CONFIG_PATH_ENV,
    EXPORTS_DIR_NAME,
    STATE_FILE_NAME,
    config_path,
    data_dir,
    log_dir,
)
from monitor.config.secrets import KeyringLookup, key_tail
from monitor.config.settings import EXAMPLE_CONFIG, POLL_FIELDS, ConfigError, Settings

if TYPE_CHECKING:
    import httpx

EXIT_OK = 0
EXIT_API = 1
EXIT_CONFIG = 2

CHECK_LIMIT = 1
"""One call is the cheapest authenticated read the API offers."""

_SHOW_ORDER: tuple[str, ...] = (
    "base_url",
    "api_key",
    "api_key_file",
    "keyring",
    "campaigns",
    "concurrency_cap",
    "plan",
    "request_budget_per_min",
    *(f"poll.{name}" for name in POLL_FIELDS),
    "qualified_key",
    "tick",
    "colors",
    "theme",
    "log_level",
)
_SHOW_ORDER += ("source",)  # the relay (issue 18): its URL, the password masked


def run_config(
    args: Any,
    *,
    environ: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    keyring: KeyringLookup | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run `config path`, `config show` or `config check`.

    Args:
        args: the argparse namespace (`config_command`, and the common --base-url, --profile,
            --api-key-file).
        environ: the environment; defaults to `os.environ`.
        transport: an httpx transport for `check` (tests, the simulator).
        keyring: how to ask the keyring; defaults to the system keyring.
        stdout: where results go; defaults to `sys.stdout`.
        stderr: where errors and notes go; defaults to `sys.stderr`.

    Returns:
        0 ok, 1 the API check failed, 2 a configuration error.
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    action = getattr(args, "config_command", None) or "show"
    try:
        if action == "path":
            return _path(environ, out, err)
        settings = settings_from_args(args, environ=environ, keyring=keyring)
        if action == "show":
            _show(settings, out)
            _paths(environ, out, config_file=settings.config_file)
            _notes(settings, err)
            return EXIT_OK
        if action == "check":
            return _check(settings, transport, out, err)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=err)
        if action == "show":
            # The paths do not depend on the settings: still useful while the file is wrong.
            # On stderr: stdout stays empty on an error (scripts read it as the answer).
            _paths(environ, err, config_file=None)
            if _file_to_blame(args, environ, keyring, exc):
                print(
                    f"To run without the config file meanwhile: {CONFIG_PATH_ENV}=/dev/null "
                    "dialnexa-monitor ... (--demo ignores a broken file by itself).",
                    file=err,
                )
        return EXIT_CONFIG
    print(f"Unknown config action {action!r}; use path, show or check.", file=err)
    return EXIT_CONFIG


def _file_to_blame(
    args: Any, environ: Mapping[str, str] | None, keyring: Any, exc: ConfigError
) -> bool:
    """The same error without the config file would not come: leaving the file out helps
    (an error from the environment or a flag comes again, and that advice would mislead)."""
    without = {**(os.environ if environ is None else environ), CONFIG_PATH_ENV: os.devnull}
    try:
        settings_from_args(args, environ=without, keyring=keyring)
    except ConfigError as again:
        return str(again) != str(exc)
    return True


def _path(environ: Mapping[str, str] | None, out: TextIO, err: TextIO) -> int:
    env = os.environ if environ is None else environ
    path = config_path(env)
    # The path alone on stdout, so `$(dialnexa-monitor config path)` works in scripts.
    print(path, file=out)
    origin = f" (set by {CONFIG_PATH_ENV})" if env.get(CONFIG_PATH_ENV) else ""
    if path.is_file():
        print(f"The config file exists{origin}.", file=err)
    else:
        print(
            f"The config file does not exist yet{origin}; defaults and the environment are "
            f"used. {EXAMPLE_CONFIG} is a complete, commented example to copy there.",
            file=err,
        )
    return EXIT_OK


def _printable(text: str) -> str:
    # Values come from files and the environment; control characters must not reach the
    # terminal as escape sequences.
    return text if text.isprintable() else repr(text)


def _value(settings: Settings, name: str) -> str:
    if name == "api_key":
        if settings.api_key is None:
            return "(none)"
        return key_tail(settings.api_key.get_secret_value())
    if name.startswith("poll."):
        value: Any = getattr(settings.poll, name.removeprefix("poll."))
    else:
        value = getattr(settings, name)
    if name == "campaigns":
        return ", ".join(_printable(c) for c in value) if value else "(discover from the API)"
    if name == "concurrency_cap" and value is None:
        return "(unknown)"
    if value is None:
        return "(not set)"
    if isinstance(value, SecretStr):  # `source`: a Redis URL, its password masked
        return _printable(redact(value.get_secret_value()))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return _printable(str(value))


def _show(settings: Settings, out: TextIO) -> None:
    secrets = [settings.api_key.get_secret_value()] if settings.api_key is not None else []
    if settings.config_file is not None:
        file_line = str(settings.config_file)
    else:
        file_line = "(none: defaults, environment and flags only)"
    profile = settings.profile or "(none: top-level values only)"
    profile_from = settings.origins.get("profile", "default")
    rows = [
        (name, _value(settings, name), settings.origins.get(name, "default"))
        for name in _SHOW_ORDER
    ]
    width_name = max(len(r[0]) for r in rows)
    width_value = min(max(len(r[1]) for r in rows), 48)
    lines = [
        f"config file  {file_line}",
        f"profile      {profile}" + (f"  ({profile_from})" if settings.profile else ""),
        "",
        f"{'setting':<{width_name}}  {'value':<{width_value}}  from",
    ]
    for name, value, origin in rows:
        lines.append(f"{name:<{width_name}}  {value:<{width_value}}  {origin}")
    for line in lines:
        # Belt and braces: nothing above should hold the key, and now nothing can.
        print(redact(line, secrets, mask_tail=False).rstrip(), file=out)


def _paths(environ: Mapping[str, str] | None, out: TextIO, *, config_file: Path | None) -> None:
    """Every file the monitor reads or writes: config, log, saved view state, CSV exports."""
    env = os.environ if environ is None else environ
    config = config_file or config_path(env)
    exists = "" if config.is_file() else "  (does not exist: defaults)"
    rows = [
        ("config file", f"{config}{exists}"),
        ("log file", str(log_dir(env) / LOG_FILE_NAME)),
        ("view state", f"{data_dir(env) / STATE_FILE_NAME}  (saved sorts and filters)"),
        ("CSV exports", f"{data_dir(env) / EXPORTS_DIR_NAME}/  (ctrl+s)"),
    ]
    print("", file=out)
    print("files", file=out)
    for name, value in rows:
        print(f"  {name:<12} {_printable(value)}", file=out)


def _notes(settings: Settings, err: TextIO) -> None:
    for note in settings.notes:
        print(f"note: {note}", file=err)


def _check(
    settings: Settings, transport: httpx.AsyncBaseTransport | None, out: TextIO, err: TextIO
) -> int:
    key = require_api_key(settings)
    secret = key.get_secret_value()
    _notes(settings, err)
    ok, message = asyncio.run(_probe(settings, transport))
    shown = f"{key_tail(secret)} ({settings.api_key_source})"
    if ok:
        print(
            redact(
                f"ok: {settings.base_url} accepted the key {shown}; {message}",
                [secret],
                mask_tail=False,
            ),
            file=out,
        )
        return EXIT_OK
    print(
        redact(
            f"check failed: {message} (key {shown}, base URL {settings.base_url})",
            [secret],
            mask_tail=False,
        ),
        file=err,
    )
    return EXIT_API


async def _probe(
    settings: Settings, transport: httpx.AsyncBaseTransport | None
) -> tuple[bool, str]:
    """One `GET /calls?limit=1`; (True, timing) or (False, the problem in plain words)."""
    from monitor.api import errors
    from monitor.api.client import DialNexaClient

    started = time.monotonic()
    client = DialNexaClient(settings.base_url, settings.api_key, transport=transport)
    try:
        await client.list_calls(limit=CHECK_LIMIT)
    except errors.Unauthorized:
        return False, (
            "key refused (HTTP 401): the API does not accept this key. It may be mistyped, "
            "revoked, or from another workspace; create or copy it again in the DialNexa "
            "dashboard."
        )
    except errors.Forbidden:
        return False, (
            "key accepted but not allowed to list calls (HTTP 403): give it the calls:read "
            "permission in the DialNexa dashboard."
        )
    except (errors.EndpointUnavailable, errors.NotFound):
        return False, (
            "the server has no /calls here (HTTP 404): check base_url; the DialNexa API's "
            "ends in /v1."
        )
    except errors.RateLimited as exc:
        wait = f" for {exc.retry_after:g} s" if exc.retry_after else ""
        return False, (
            f"rate limited (HTTP 429): the key works but its request budget is spent; wait{wait} "
            "and try again, or stop other tools using the same key."
        )
    except errors.ServerError as exc:
        return False, f"the API is having trouble (HTTP {exc.status}): {exc}. Try again later."
    except errors.Timeout as exc:
        return False, f"no answer in time: {exc}. Check the network path to the API."
    except errors.Unreachable as exc:
        return False, f"unreachable: {exc}. Check base_url, DNS, proxy and firewall."
    except errors.BadPayload as exc:
        return False, (
            f"the server answered, but not like the DialNexa API ({exc}). Check base_url."
        )
    except errors.ApiError as exc:
        return False, f"the API refused the request: {exc}."
    except Exception as exc:
        # A bug or an odd environment must still end in one line, never a traceback.
        return False, f"the check itself failed ({type(exc).__name__})."
    finally:
        await client.aclose()
    elapsed_ms = (time.monotonic() - started) * 1000
    return True, f"GET /calls?limit={CHECK_LIMIT} answered in {elapsed_ms:.0f} ms."
