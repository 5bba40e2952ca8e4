"""The API key as a credential: where it may come from, and the checks it must pass.

The monitor runs on shared jump hosts, so the rules follow OpenSSH and libpq rather than
convenience: a key file readable by anyone but its owner is refused (with the `chmod` to run),
a file owned by someone else is refused (with the owner named), and a key is never echoed:
messages show at most its last four characters, as Stripe's dashboard does (FAULTS S2, S3, S6).

The keyring is an optional extra. A headless host has no backend and `keyring` raises
`NoKeyringError` (FAULTS H9); that, and `keyring` not being installed at all, become one calm
note rather than a traceback.

Everything here raises `SecretError` with a one-paragraph message; `monitor.config.key` turns it
into a `ConfigError` without adding anything (it is already user-facing).
"""

from __future__ import annotations

import os
import shlex
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pydantic import SecretStr

KEYRING_SERVICE = "dialnexa-monitor"
"""Service name under which the key is stored in the system keyring."""

MAX_KEY_FILE_BYTES = 4096
"""A key is well under a hundred bytes; anything this big is the wrong file, so stop reading."""

_MIN_TAIL_KEY_LENGTH = 16
"""Below this length, even the last four characters give away too large a share of the key."""


class SecretError(Exception):
    """The key could not be used; the message is one plain paragraph and never holds the key."""


def key_tail(key: str) -> str:
    """The part of a key that may be shown: "…" and its last four characters, or "…".

    Args:
        key: the key as given.

    Returns:
        At most the last four characters, only when they are printable ASCII and the key is
        long enough for them to be a small share of it.
    """
    tail = key.strip()[-4:]
    if len(key.strip()) < _MIN_TAIL_KEY_LENGTH or not all(" " < ch < "\x7f" for ch in tail):
        return "…"
    return "…" + tail


def check_key_text(key: str, origin: str) -> SecretStr:
    """Refuse a key that would be sent wrongly, naming the problem but never the key (S6).

    The vendor asks for the key to be sent exactly as given (some keys are `key_id:secret`), so
    nothing is trimmed or rewritten here: a key with stray whitespace, quotes or a `Bearer `
    prefix is a pasting mistake the user should fix at the source.

    Args:
        key: the candidate key.
        origin: where it came from, for the message ("DIALNEXA_API_KEY", "the file /x/key").

    Returns:
        The key wrapped in `SecretStr`.

    Raises:
        SecretError: the key is empty or malformed.
    """
    shown = key_tail(key)
    problem: str | None = None
    if not key.strip():
        problem = "is empty"
    elif key != key.strip():
        problem = "has whitespace or a line break before or after it"
    elif key[:7].lower() in ("bearer ", "bearer\t", "bearer:"):
        problem = "starts with 'Bearer'; give the key alone, the monitor adds 'Bearer ' itself"
    elif any(ch.isspace() for ch in key):
        problem = "contains whitespace inside it"
    elif any(ch in "\"'`" for ch in key):
        problem = "contains quote characters (copied with its quotes?)"
    elif not all(" " < ch < "\x7f" for ch in key):
        problem = "contains characters that cannot be sent in an HTTP header"
    if problem is None:
        return SecretStr(key)
    ending = f" (the key ending {shown})" if shown != "…" else ""
    raise SecretError(
        f"The API key from {origin}{ending} {problem}. Fix it at the source; the monitor "
        "sends the key exactly as given and never prints it."
    )


@dataclass(frozen=True)
class FileIdentity:
    """What the permission check needs to know about a file; injectable for tests (S3)."""

    mode: int
    uid: int


def owner_name(uid: int) -> str:
    """A user name for `uid`, or the number when the system has no entry for it."""
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def current_uid() -> int:
    """The effective user id, or -1 where the platform has none (Windows skips the checks)."""
    geteuid: Callable[[], int] | None = getattr(os, "geteuid", None)
    return geteuid() if geteuid is not None else -1


def check_private_file(
    path: Path,
    ident: FileIdentity,
    *,
    uid: int | None = None,
    what: str = "The key file",
) -> None:
    """Refuse a secret file that others can read or that someone else owns, as ssh does.

    Args:
        path: the file, for the message.
        ident: its mode and owner (from `os.fstat` of the opened file, so there is no race).
        uid: the user the monitor runs as; defaults to the effective uid.
        what: how to name the file in the message.

    Raises:
        SecretError: with the exact command to run, or the owner to talk to.
    """
    if sys.platform == "win32":  # pragma: no cover - POSIX modes do not apply there
        return
    me = current_uid() if uid is None else uid
    quoted = shlex.quote(str(path))
    if ident.uid != me:
        raise SecretError(
            f"{what} {path} belongs to {owner_name(ident.uid)}, not to you "
            f"({owner_name(me)}). Someone who owns your key file can swap or read your key: "
            f"copy the key into a file you own, then run: chmod 600 <that file>."
        )
    perms = stat.S_IMODE(ident.mode)
    if perms & 0o077:
        readable = "readable" if perms & 0o044 else "accessible"
        raise SecretError(
            f"{what} {path} is {readable} by others (mode {perms:04o}). Run: chmod 600 {quoted}"
        )


STDIN_PATH = Path("-")
"""`--api-key-file -` reads the key from standard input (`pass show dnx | … config check`)."""


def read_key_stdin(stream: IO[str] | None = None) -> SecretStr:
    """Read the key from standard input: one line, its line break removed.

    For scripts and secret managers piping the key in; the interactive monitor needs the
    terminal on stdin, so this suits `snapshot` and `config check`.

    Raises:
        SecretError: stdin is a terminal (nothing piped), empty, or the key is malformed.
    """
    source = sys.stdin if stream is None else stream
    if source is None or source.isatty():
        raise SecretError(
            "--api-key-file - reads the key from standard input, but nothing is piped in. "
            "Pipe it (for example: pass show dialnexa | dialnexa-monitor snapshot "
            "--api-key-file -), or name a key file."
        )
    line = source.readline(MAX_KEY_FILE_BYTES + 1)
    if line.endswith("\r\n"):
        line = line[:-2]
    elif line.endswith("\n"):
        line = line[:-1]
    if not line:
        raise SecretError("--api-key-file - found nothing on standard input. Pipe the key in.")
    return check_key_text(line, "standard input")


def read_key_file(
    path: Path,
    *,
    origin: str,
    identify: Callable[[os.stat_result], FileIdentity] | None = None,
    uid: int | None = None,
) -> SecretStr:
    """Read a key file after checking who can read it.

    The file is opened first and checked through `fstat` on the open descriptor, so a file
    swapped between the check and the read cannot slip through.

    Args:
        path: the key file (`~` is expanded).
        origin: where the path came from, for messages ("--api-key-file", "api_key_file in …").
        identify: maps the stat result to the owner and mode checked; tests inject another owner.
        uid: the user the monitor runs as; defaults to the effective uid.

    Returns:
        The key; one trailing line break is removed (editors add one), nothing else.

    Raises:
        SecretError: the file is missing, unreadable, shared with others, or malformed.
    """
    path = path.expanduser()
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise SecretError(
            f"The key file {path} (from {origin}) does not exist. Create it with the key on one "
            f"line and run: chmod 600 {shlex.quote(str(path))}"
        ) from None
    except OSError as exc:
        raise SecretError(
            f"The key file {path} (from {origin}) cannot be opened: {exc.strerror}. Check the "
            "path, and that you own the file."
        ) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise SecretError(
            f"The key file {path} (from {origin}) is not a regular file. Point it at a "
            "file holding the key on one line."
        )
    with os.fdopen(fd, "rb") as fh:
        ident = identify(st) if identify else FileIdentity(mode=st.st_mode, uid=st.st_uid)
        check_private_file(path, ident, uid=uid)
        try:
            raw = fh.read(MAX_KEY_FILE_BYTES + 1)
        except OSError as exc:
            raise SecretError(
                f"The key file {path} (from {origin}) cannot be read: {exc.strerror}."
            ) from None
    if len(raw) > MAX_KEY_FILE_BYTES:
        raise SecretError(
            f"The key file {path} (from {origin}) is larger than {MAX_KEY_FILE_BYTES} bytes; "
            "it should hold only the key, on one line. Is this the right file?"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretError(
            f"The key file {path} (from {origin}) is not text. It should hold only the key, "
            "on one line."
        ) from None
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if not text:
        raise SecretError(
            f"The key file {path} (from {origin}) is empty. Put the key in it, on one line."
        )
    if "\n" in text.strip():
        raise SecretError(
            f"The key file {path} (from {origin}) has more than one line. It should hold only "
            "the key, on one line."
        )
    return check_key_text(text, f"the file {path}")


SECRET_ENV_VARS: tuple[str, ...] = ("DIALNEXA_API_KEY",)
"""Variables that hold a key's value (not a path to it)."""


def child_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a child process (pager, browser, editor), without the key (S13).

    Children inherit the environment by default and may log or forward it; they never need
    the key.
    """
    env = os.environ if environ is None else environ
    return {k: v for k, v in env.items() if k.upper() not in SECRET_ENV_VARS}


@dataclass(frozen=True)
class KeyringResult:
    """What the keyring gave: a key, or a calm note on why not (never both)."""

    key: SecretStr | None = None
    note: str | None = None


KeyringLookup = Callable[[str], KeyringResult]
"""Looks a key up by keyring user name ("default" or the profile's name)."""


def keyring_lookup(username: str) -> KeyringResult:
    """Ask the system keyring for the key, turning every failure into a one-line note (H9).

    Args:
        username: the keyring user name: the profile's name, or "default".

    Returns:
        The key if one is stored, else a note saying why there is none.

    Raises:
        SecretError: the stored key is malformed.
    """
    try:
        import keyring
        from keyring.errors import KeyringError, NoKeyringError
    except Exception:
        # The keyring extra is optional; any import failure (missing, broken backend
        # plugin) only means this source is not available.
        return KeyringResult(note="keyring support is not installed (pip install keyring)")
    try:
        value = keyring.get_password(KEYRING_SERVICE, username)
    except NoKeyringError:
        return KeyringResult(note="No system keyring here (headless host)")
    except KeyringError as exc:
        return KeyringResult(note=f"The system keyring could not be read ({type(exc).__name__})")
    except Exception as exc:
        # Third-party backends raise their own errors (D-Bus, locked wallets); none of them
        # may become a traceback, and their text is not shown in case it echoes a secret.
        return KeyringResult(note=f"The system keyring failed ({type(exc).__name__})")
    if value is None:
        return KeyringResult(
            note=f"No key in the system keyring for service {KEYRING_SERVICE!r}, user {username!r}"
        )
    # A malformed stored key is the key the user chose, so it is an error, not a note.
    return KeyringResult(key=check_key_text(value, f"the system keyring (user {username!r})"))
