"""The config file's names: unknown settings, the key pasted in, malformed sections.

These are checked on the parsed file before any value is used, and every problem of the file is
reported at once (as a compiler does), each with its line: a typo in a name would otherwise be
silently ignored, and a key in a file that gets copied and versioned is a leak waiting to
happen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from monitor.config.errors import suggest
from monitor.config.file import ConfigDocument
from monitor.config.settings import API_KEY_ENV, POLL_FIELDS, SETTABLE, ConfigError

_KEYLIKE_NAMES = frozenset(
    {"api_key", "apikey", "api-key", "key", "token", "api_token", "secret", "bearer"}
)
"""File entries refused as "the key itself", so a pasted key never sits in a versioned file."""

TOP_ONLY: tuple[str, ...] = ("default_profile", "profiles")
"""Names allowed at the top of the file only: they choose a profile, they are not settings."""


def file_problems(document: ConfigDocument) -> list[str]:
    """Every naming problem of the file: its top level, then each profile.

    Raises:
        ConfigError: `profiles` or a profile is not a section (nothing further can be read).
    """
    problems: list[str] = []
    check_table(document, document.data, (), top=True, problems=problems)
    check_profiles(document, problems)
    return problems


def check_table(
    document: ConfigDocument,
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
        _check_names(document, table, prefix, top=top, found=found)
    finally:
        if problems is not None:
            problems.extend(found)
    if found and problems is None:
        raise ConfigError(found[0])


def _check_names(
    document: ConfigDocument,
    table: Mapping[str, Any],
    prefix: tuple[str, ...],
    *,
    top: bool,
    found: list[str],
) -> None:
    section = f" in [{'.'.join(prefix)}]" if prefix else ""
    allowed = SETTABLE + (TOP_ONLY if top else ())
    for name, value in table.items():
        where = document.place((*prefix, name))
        if name.lower() in _KEYLIKE_NAMES:
            found.append(
                f"{where}: the config file must not contain the API key ({name}{section}). "
                "Config files get copied and versioned; keys must not. Delete that line, then "
                "put the key in a file only you can read (chmod 600) and name it with "
                f'api_key_file = "…", or set {API_KEY_ENV}.'
            )
            continue
        if name not in allowed:
            hint = suggest(name, allowed)
            if not top and name in TOP_ONLY:
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
                        f"{document.place((*prefix, 'poll', sub))}: unknown setting "
                        f"{sub!r} in [{'.'.join((*prefix, 'poll'))}].{suggest(sub, POLL_FIELDS)}"
                        f" Valid cadences: {', '.join(POLL_FIELDS)}."
                    )


def check_profiles(document: ConfigDocument, problems: list[str] | None = None) -> None:
    """Check every `[profiles.NAME]` table as `check_table` checks the top level."""
    raw = document.data.get("profiles", {})
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{document.place(('profiles',))}: profiles must be sections written "
            "[profiles.NAME], not a single value."
        )
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise ConfigError(
                f"{document.place(('profiles', name))}: profile {name!r} must be a section "
                f"([profiles.{name}] followed by its settings), not a single value."
            )
        check_table(document, table, ("profiles", name), top=False, problems=problems)
