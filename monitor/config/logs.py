"""Logging to a private, size-capped file, with secrets masked on the way out.

While the UI runs the terminal belongs to Textual, so log records go to a rotating file in the
user log directory and nowhere else. Two threats shape this module:

- A log is read later, often by someone else (pasted into a ticket or a chat). Every handler
  therefore carries `SecretFilter`, which masks the loaded key (and any long fragment of it),
  `Authorization` values, `Bearer …` tokens, `dnx_…` shaped tokens, credential-like query
  parameters and URL userinfo, in the message, its arguments, the formatted traceback and the
  stack (FAULTS H5, H7, S11). Formatting happens in the filter, so later formatters only ever
  see already-masked text.
- An API that is down for a day produces the same error line thousands of times (FAULTS R5).
  `PrivateRotatingFileHandler` writes a repeated identical line once, then a summary
  ("… repeated N times"), and rotates at a size cap, so the log stays bounded.

Files are created 0600 and the directory 0700 with `os.open`, because `open()` under the usual
umask 022 would make a rotated log world-readable (FAULTS S4).
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
import sys
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from monitor.config.paths import ensure_private_dir, log_dir

if TYPE_CHECKING:
    from monitor.config.settings import Settings

LOG_FILE_NAME = "monitor.log"
MAX_LOG_BYTES = 1024 * 1024
"""1 MiB per file: weeks of normal operation, and a ceiling when something loops."""

LOG_BACKUPS = 3
"""With the cap above, the log never takes more than 4 MiB on disk."""

REPEAT_SUMMARY_EVERY_S = 600.0
"""While a line keeps repeating, a summary is written at most this often (144 lines a day)."""

MASK = "[redacted]"

MIN_SECRET_LENGTH = 8
"""Shorter "secrets" (the simulator's `demo` key) would mask ordinary words; they are not keys."""

FRAGMENT_LENGTH = 6
"""Any run of this many characters of a secret is masked: truncated reprs (pydantic shows the
first and last characters of a value, FAULTS H6) still leak such runs. The test leak scanner uses
the same window."""

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Header values in any rendering: "Authorization: Bearer x", {'authorization': 'x'}.
    (
        re.compile(
            r"(?i)\b((?:proxy-)?authorization['\"]?\s*[:=]\s*['\"]?)"
            r"(?:(?:bearer|basic|token)\s+)?(?!\[redacted\])[^\s'\",;}\]]+"
        ),
        r"\1" + MASK,
    ),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/:=\-]+"), r"\1" + MASK),
    # The vendor's documented key shape (dnx_live_…, dnx_test_…).
    (re.compile(r"\bdnx_[A-Za-z0-9_\-]{3,}"), MASK),
    # URL userinfo: scheme://user:pass@host.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@?#]+@"), r"\1" + MASK + "@"),
    # Credential-like query parameters (httpx logs full URLs, FAULTS H7).
    (
        re.compile(
            r"(?i)([?&;](?:api[_-]?key|key|token|access[_-]?token|secret|password|auth)=)"
            r"[^&\s#'\"]+"
        ),
        r"\1" + MASK,
    ),
)


TAIL_MIN_SECRET_LENGTH = 16
"""From this length on, a secret's last four characters standing alone as a token are masked
too: that is what a truncated repr leaves (`'dnx_live_SUP...T123'`). Shorter secrets would mask
ordinary words."""


def _fragment_spans(text: str, secret: str, mask_tail: bool) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for i in range(len(secret) - FRAGMENT_LENGTH + 1):
        window = secret[i : i + FRAGMENT_LENGTH]
        start = text.find(window)
        while start != -1:
            spans.append((start, start + FRAGMENT_LENGTH))
            start = text.find(window, start + 1)
    if mask_tail and len(secret) >= TAIL_MIN_SECRET_LENGTH:
        tail = re.escape(secret[-4:])
        for m in re.finditer(rf"(?<![A-Za-z0-9]){tail}(?![A-Za-z0-9])", text):
            spans.append(m.span())
    return spans


def redact(text: str, secrets: Iterable[str] = (), *, mask_tail: bool = True) -> str:
    """Mask secrets and credential-shaped substrings in `text`.

    Args:
        text: any text that may reach a log, a screen or an error message.
        secrets: exact secrets to mask (the loaded key); each is masked whole and by any
            run of `FRAGMENT_LENGTH` of its characters. Secrets shorter than
            `MIN_SECRET_LENGTH` are ignored.
        mask_tail: also mask a secret's last four characters standing alone. False where
            showing them is the point ("…a1b2" in `config show`).

    Returns:
        The text with every match replaced by "[redacted]".
    """
    if not text:
        return text
    spans: list[tuple[int, int]] = []
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH:
            spans.extend(_fragment_spans(text, secret, mask_tail))
    if spans:
        spans.sort()
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        pieces: list[str] = []
        pos = 0
        for start, end in merged:
            pieces.append(text[pos:start])
            pieces.append(MASK)
            pos = end
        pieces.append(text[pos:])
        text = "".join(pieces)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


_STANDARD_RECORD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class SecretFilter(logging.Filter):
    """Masks secrets in a record before any handler formats it; never drops a record.

    Attach it to handlers, not loggers: a logger's filters do not see records propagated
    from child loggers (httpx, httpcore), while a handler's filters see every record it emits.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: set[str] = {s for s in secrets if s}

    def add_secret(self, secret: str) -> None:
        """Mask `secret` from now on (a key loaded after logging started)."""
        if secret:
            self._secrets.add(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_dnx_redacted", None) == len(self._secrets):
            # Already masked by this filter on another handler (the same record is shared).
            return True
        try:
            message = record.getMessage()
        except Exception:
            # A bad format string must not lose the record, nor leak its raw arguments.
            message = f"{record.msg!s} (unformattable arguments)"
        record.msg = redact(message, self._secrets)
        record.args = None
        if record.exc_info:
            # Formatted here so the traceback text is masked once; clearing exc_info keeps
            # any later formatter from rendering the unmasked original again.
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self._secrets)
        for name, value in list(record.__dict__.items()):
            if name not in _STANDARD_RECORD_ATTRS and isinstance(value, str):
                setattr(record, name, redact(value, self._secrets))
        record._dnx_redacted = len(self._secrets)
        return True


def _open_private(path: Path, mode: str, encoding: str | None) -> IO[Any]:
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    flags |= os.O_APPEND if "a" in mode else os.O_TRUNC
    fd = os.open(path, flags, 0o600)
    # Tighten a file that already existed with looser bits; fails harmlessly on Windows.
    with contextlib.suppress(AttributeError, OSError):
        os.fchmod(fd, 0o600)
    return os.fdopen(fd, mode, encoding=encoding)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A size-capped rotating file handler whose files are 0600 and whose repeats collapse.

    A record whose level, logger and masked text equal the previous one is counted instead of
    written. The count is written as "… previous message repeated N times" when a different
    record arrives, when the handler closes, or every `REPEAT_SUMMARY_EVERY_S` of record time
    while the repetition lasts.
    """

    def __init__(
        self,
        filename: Path,
        *,
        max_bytes: int = MAX_LOG_BYTES,
        backup_count: int = LOG_BACKUPS,
        summary_every_s: float = REPEAT_SUMMARY_EVERY_S,
    ) -> None:
        super().__init__(
            filename, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8", delay=True
        )
        self._summary_every_s = summary_every_s
        self._last_key: tuple[int, str, str] | None = None
        self._last_record: logging.LogRecord | None = None
        self._repeats = 0
        self._repeat_since = 0.0

    def _open(self) -> IO[Any]:  # type: ignore[override]
        return _open_private(Path(self.baseFilename), self.mode, self.encoding)

    def emit(self, record: logging.LogRecord) -> None:
        key = (record.levelno, record.name, record.getMessage() + (record.exc_text or ""))
        if key == self._last_key:
            self._repeats += 1
            self._last_record = record
            if record.created - self._repeat_since >= self._summary_every_s:
                self._flush_repeats()
                self._repeat_since = record.created
            return
        self._flush_repeats()
        self._last_key = key
        self._last_record = record
        self._repeat_since = record.created
        super().emit(record)

    def _flush_repeats(self) -> None:
        if self._repeats and self._last_record is not None:
            last = self._last_record
            summary = logging.LogRecord(
                last.name,
                last.levelno,
                last.pathname,
                last.lineno,
                f"… previous message repeated {self._repeats:,} times",
                None,
                None,
            )
            summary.created = last.created
            summary.msecs = last.msecs
            super().emit(summary)
        self._repeats = 0

    def close(self) -> None:
        self.acquire()
        try:
            self._flush_repeats()
        finally:
            self.release()
        super().close()


def _writes_to_terminal(handler: logging.Handler) -> bool:
    if isinstance(handler, logging.FileHandler) or not isinstance(handler, logging.StreamHandler):
        return False
    stream = getattr(handler, "stream", None)
    return stream is not None and stream in (
        sys.stdout,
        sys.stderr,
        sys.__stdout__,
        sys.__stderr__,
    )


_HANDLER_NAME = "dialnexa-monitor-file"
"""Marks the handler this module installed, so a second `setup_logging` replaces it."""

_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def current_log_file() -> Path | None:
    """The file `setup_logging` is writing to, or None when it has not been called."""
    for handler in logging.getLogger().handlers:
        if handler.get_name() == _HANDLER_NAME and isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def setup_logging(
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    directory: Path | None = None,
    keep_terminal: bool = False,
) -> Path:
    """Send all logging to a private rotating file, masking the key everywhere.

    Replaces any handler a previous call installed (so it can be called again after the
    settings change), adds the secret filter to every other handler already on the root logger,
    and routes `warnings` into the log so nothing writes over the UI.

    Args:
        settings: the effective settings (log level and the key to mask).
        environ: the environment for `DIALNEXA_MONITOR_LOG_DIR`; defaults to `os.environ`.
        directory: an explicit log directory (wins over the environment).
        keep_terminal: keep root handlers that write to stdout/stderr (headless commands);
            by default they are removed, since the terminal belongs to the UI.

    Returns:
        The path of the log file.
    """
    folder = directory if directory is not None else log_dir(environ)
    ensure_private_dir(folder)
    path = folder / LOG_FILE_NAME
    secrets = [settings.api_key.get_secret_value()] if settings.api_key is not None else []
    secret_filter = SecretFilter(secrets)

    handler = PrivateRotatingFileHandler(path)
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(secret_filter)
    handler.set_name(_HANDLER_NAME)
    # Created now, not on the first record, so its mode is set before anything is written.
    _open_private(path, "a", "utf-8").close()

    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:
            root.removeHandler(old)
            old.close()
        elif not keep_terminal and _writes_to_terminal(old):
            # A basicConfig() handler on stderr would draw over the UI.
            root.removeHandler(old)
        else:
            for f in list(old.filters):
                if isinstance(f, SecretFilter):
                    old.removeFilter(f)
            old.addFilter(secret_filter)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # httpx logs every request URL at INFO; at DEBUG the user asked for it, otherwise noise.
    quiet = logging.DEBUG if settings.log_level == "DEBUG" else logging.WARNING
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(quiet)
    logging.captureWarnings(True)
    return path
