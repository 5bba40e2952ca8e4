"""The config file read once, safely: who may edit it, its size, its encoding, its TOML.

The file is opened first and checked through `fstat` on the open descriptor (no race between
the check and the read), refused when another user can change it (they could point `base_url`
at their own server and receive the key), and parsed with `tomllib`. Its text is kept, because
tomllib reports positions only for syntax errors: every later message about a valid file's
wrong value finds the line here, so it can say "config.toml, line 7".

`ConfigDocument` is what the rest of `monitor.config` reads: the structure checks
(`file_checks`), the profile choice (`profiles`) and the two file sources (`sources`).
"""

from __future__ import annotations

import os
import re
import stat
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monitor.config.paths import CONFIG_PATH_ENV
from monitor.config.secrets import FileIdentity, current_uid, owner_name
from monitor.config.settings import EXAMPLE_CONFIG, ConfigError

MAX_CONFIG_BYTES = 1024 * 1024
"""A config file is a few hundred bytes; a megabyte means the path points at the wrong file."""


@dataclass
class ConfigDocument:
    """The config file as read: its path, whether it exists, its text and its parsed tables."""

    path: Path
    exists: bool
    text: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def profiles(self) -> dict[str, Any]:
        """The `[profiles.NAME]` tables (empty when the file has none or they are malformed)."""
        value = self.data.get("profiles", {})
        return value if isinstance(value, dict) else {}

    def place(self, key_path: tuple[str, ...]) -> str:
        """Where `key_path` is set, for a sentence: "PATH, line N" (or the path alone)."""
        line = line_of(self.text, key_path)
        return f"{self.path}, line {line}" if line else str(self.path)

    def place_short(self, key_path: tuple[str, ...]) -> str:
        """Where `key_path` is set, for an origin: "PATH:N" (or the path alone)."""
        line = line_of(self.text, key_path)
        return f"{self.path}:{line}" if line else str(self.path)


def line_of(text: str, key_path: tuple[str, ...]) -> int | None:
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


def read_config_file(path: Path, *, uid: int | None = None) -> ConfigDocument:
    """Open, check and parse the config file; a missing file is a document that does not exist.

    Args:
        path: the file (`monitor.config.paths.config_path`).
        uid: the user to check ownership against; defaults to the effective uid.

    Raises:
        ConfigError: unreadable, not a regular file, editable by others, too big, not UTF-8,
            or not TOML (naming the line and column, never quoting the line).
    """
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return ConfigDocument(path=path, exists=False)
    except OSError as exc:
        raise ConfigError(
            f"The config file {path} cannot be opened: {exc.strerror}. Fix its permissions, or "
            f"point {CONFIG_PATH_ENV} at another file."
        ) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        if str(path) == os.devnull:
            return ConfigDocument(path=path, exists=True)
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
    return ConfigDocument(path=path, exists=True, text=text, data=data)


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
