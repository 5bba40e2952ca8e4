"""Finding the API key: a credential with its own sources, not a layered setting.

The first source that has a key wins, in this order: `--api-key-file` (a path, or `-` for
standard input), `DIALNEXA_API_KEY`, the `api_key_file` setting (environment, profile or file),
then the system keyring under the profile's name (unless `keyring = false`). The key is never a
flag value (it would show in `ps`) nor a config file value (those get versioned). It is looked
for once the settings are validated, because two of its sources are settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from monitor.config.paths import config_path
from monitor.config.secrets import (
    STDIN_PATH,
    KeyringLookup,
    SecretError,
    check_key_text,
    read_key_file,
    read_key_stdin,
)
from monitor.config.settings import API_KEY_ENV, ConfigError, Settings


@dataclass(frozen=True)
class FoundKey:
    """The key (or None), its short source for `api_key_source`, its detailed origin for
    `config show`, and a note on why there is none (when the keyring could not help)."""

    key: SecretStr | None
    source: str = "none"
    origin: str = "none"
    note: str | None = None


def find_key(
    settings: Settings,
    *,
    environ: Mapping[str, str],
    flag_key_file: Path | None,
    origins: Mapping[str, str],
    lookup: KeyringLookup,
) -> FoundKey:
    """The key from the first source that has one.

    Args:
        settings: the validated settings (`api_key_file`, `keyring`, `profile`).
        environ: the environment, for `DIALNEXA_API_KEY`.
        flag_key_file: `--api-key-file` (already `~`-expanded), or None.
        origins: where `api_key_file` came from, for messages.
        lookup: how to ask the keyring.

    Raises:
        ConfigError: a source has a key that cannot be used (the message never holds it).
    """
    try:
        if flag_key_file == STDIN_PATH:
            return FoundKey(read_key_stdin(), "stdin", "stdin (flag --api-key-file -)")
        if flag_key_file is not None:
            key = read_key_file(flag_key_file, origin="--api-key-file")
            detail = f"file {flag_key_file} (flag --api-key-file)"
            return FoundKey(key, f"file {flag_key_file}", detail)
        if API_KEY_ENV in environ:
            raw = environ[API_KEY_ENV]
            if not raw.strip():
                raise ConfigError(
                    f"{API_KEY_ENV} is set but empty. Set it to your workspace's API key, or "
                    "unset it to use a key file or the keyring; to try the monitor without a "
                    "key, run it with --demo."
                )
            key = check_key_text(raw, API_KEY_ENV)
            return FoundKey(key, f"env {API_KEY_ENV}", f"env {API_KEY_ENV}")
        key_file = settings.api_key_file
        if key_file is not None:
            kind, _, rest = origins.get("api_key_file", "").partition(" ")
            said = f"api_key_file in {rest}" if kind == "file" else rest or "api_key_file"
            key = read_key_file(key_file, origin=said)
            return FoundKey(key, f"file {key_file}", f"file {key_file} ({said})")
        if settings.keyring:
            username = settings.profile or "default"
            found = lookup(username)
            if found.key is not None:
                detail = f"keyring (service dialnexa-monitor, user {username})"
                return FoundKey(found.key, "keyring", detail)
            return FoundKey(None, note=found.note)
    except SecretError as exc:
        raise ConfigError(str(exc)) from None
    return FoundKey(None)


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
