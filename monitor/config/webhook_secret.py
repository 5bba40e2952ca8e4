"""The webhook signing secret: a credential handled exactly like the API key (issue 22).

The first source that has it wins: `--webhook-secret-file FILE` (owner-only, checked on the
open descriptor like a key file), `DIALNEXA_WEBHOOK_SECRET`, then the system keyring (service
`dialnexa-monitor`, user `<profile>:webhook`). Never a flag value (it would show in `ps`), never
in a config file, never in a log, Redis or a snapshot: callers hold it as `SecretStr` and hand
bytes only to the HMAC.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from monitor.config.secrets import (
    KeyringLookup,
    SecretError,
    check_key_text,
    keyring_lookup,
    read_key_file,
)
from monitor.config.settings import ConfigError

WEBHOOK_SECRET_ENV = "DIALNEXA_WEBHOOK_SECRET"


def keyring_user(profile: str | None) -> str:
    return f"{profile or 'default'}:webhook"


def find_webhook_secret(
    *,
    flag_file: Path | None,
    environ: Mapping[str, str],
    profile: str | None = None,
    use_keyring: bool = True,
    lookup: KeyringLookup = keyring_lookup,
) -> SecretStr:
    """The secret from the first source that has one.

    Raises:
        ConfigError: no source has it, or the one that has it is unusable (never quoted).
    """
    try:
        if flag_file is not None:
            return read_key_file(flag_file.expanduser(), origin="--webhook-secret-file")
        if WEBHOOK_SECRET_ENV in environ:
            return check_key_text(environ[WEBHOOK_SECRET_ENV], WEBHOOK_SECRET_ENV)
        note = ""
        if use_keyring:
            found = lookup(keyring_user(profile))
            if found.key is not None:
                return found.key
            note = f" ({found.note}.)" if found.note else ""
    except SecretError as exc:
        # Its words say "API key"; the source named is the webhook secret's own.
        raise ConfigError(str(exc).replace("The API key", "The webhook secret")) from None
    raise ConfigError(
        f"No webhook secret found.{note} Put the signing secret from the vendor's dashboard "
        "alone in a file, run chmod 600 on it and pass --webhook-secret-file FILE, or set "
        f"{WEBHOOK_SECRET_ENV}, or store it with: keyring set dialnexa-monitor "
        f"{keyring_user(profile)}."
    )


__all__ = ["WEBHOOK_SECRET_ENV", "find_webhook_secret", "keyring_user"]
