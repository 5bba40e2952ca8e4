"""Small, pure formatters shared by the widgets: durations, ages, rates, cells.

Everything that comes from the API goes through `to_display` here and comes out as a
`rich.text.Text` (for DataTable cells) or a plain string the caller wraps in `Content`; never a
markup string (FAULTS H1-H4). Our own words (statuses, units) are plain strings too, so no
markup parsing happens anywhere on the data path.
"""

from __future__ import annotations

import math
from datetime import datetime

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from monitor.display import ELLIPSIS, sanitize, span_words, to_display
from monitor.state.snapshot import CallStatus

DASH = "–"
"""Shown for "not known" (never 0, never blank)."""

STATUS_LABELS: dict[CallStatus, str] = {
    CallStatus.QUEUED: "queued",
    CallStatus.DIALING: "dialing",
    CallStatus.IN_PROGRESS: "in call",
    CallStatus.COMPLETED: "completed",
    CallStatus.NO_ANSWER: "no answer",
    CallStatus.BUSY: "busy",
    CallStatus.VOICEMAIL: "voicemail",
    CallStatus.FAILED: "failed",
    CallStatus.CANCELLED: "cancelled",
    CallStatus.EXPIRED: "expired",
    CallStatus.UNKNOWN: "UNKNOWN",
}
"""Words for the canonical statuses; `UNKNOWN` is followed by the raw value (FAULTS T17)."""

SUMMARY_LABELS: dict[str, str] = {
    "completed": "completed",
    "all_retries_exhausted": "all retries exhausted",
    "voicemail_final": "voicemail (final)",
    "failed": "failed",
    "pending": "retry pending",
    "in_progress": "attempt in progress",
    "ended": "ended",
}


def cell(value: object, width: int, style: str | Style = "") -> Text:
    """An API value as a single-line table cell at most `width` cells wide."""
    return Text(to_display(value, max(1, width)), style=style, no_wrap=True, end="")


def plain(text: str, width: int | None = None, style: str | Style = "") -> Text:
    """Our own words as a cell (still fitted, never parsed as markup)."""
    if width is not None:
        text = fit(text, width)
    return Text(text, style=style, no_wrap=True, end="")


def fit(text: str, width: int) -> str:
    """Cut already-safe text to `width` cells with an ellipsis."""
    if cell_len(text) <= width:
        return text
    return to_display(text, max(1, width))


def tail_display(value: object, width: int) -> str:
    """Keep the end of a value (phone numbers: the last digits are what people read)."""
    text = sanitize(value, max_chars=max(64, width * 4))
    if cell_len(text) <= width or width <= 1:
        return to_display(text, max(1, width))
    out = ""
    for ch in reversed(text):
        if cell_len(ch + out) > width - 1:
            break
        out = ch + out
    return ELLIPSIS + out


def short_id(call_id: str, width: int) -> str:
    """A call id fitted to a narrow column: the `call_` prefix every id shares goes first."""
    text = call_id[5:] if call_id.startswith("call_") and len(call_id) > width else call_id
    return to_display(text, max(1, width))


def status_label(status: CallStatus, raw: str | None) -> str:
    """The canonical status in words; an unknown one keeps its raw value beside it (T17)."""
    if status is CallStatus.UNKNOWN:
        return f"UNKNOWN {to_display(raw)}" if raw else "UNKNOWN"
    return STATUS_LABELS[status]


def clock_duration(seconds: float | None) -> str:
    """A running call's length: 0:42, 12:05, 1:02:03."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return DASH
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def span(seconds: float | None) -> str:
    """A length of time in words-ish units: 42s, 4m12s, 2h05m, 3d04h; – when not known."""
    if seconds is None or not math.isfinite(seconds):
        return DASH
    return span_words(seconds)


def rate(value: float | None) -> str:
    """A ratio as a whole percentage; unknown, NaN and infinite read as a dash (P12)."""
    if value is None or not math.isfinite(value):
        return DASH
    return f"{round(value * 100)}%"


def count(value: int | None) -> str:
    return DASH if value is None else str(value)


def clock_time(value: datetime | None) -> str:
    """Wall-clock time of day in the host's zone (what the operator's watch says)."""
    if value is None:
        return DASH
    return value.astimezone().strftime("%H:%M:%S")


def short_time(value: datetime | None) -> str:
    if value is None:
        return DASH
    return value.astimezone().strftime("%H:%M")


def date_time(value: datetime | None) -> str:
    if value is None:
        return DASH
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def elapsed(start: datetime | None, now: datetime) -> float | None:
    """Seconds since `start`; None when unknown or in the future (clock skew, P11)."""
    if start is None:
        return None
    seconds = (now - start).total_seconds()
    return seconds if seconds >= 0 else None


def eta_words(eta: datetime | None, now: datetime, *, overdue: bool) -> str:
    """The next retry as the operator reads it: "≈ in 4m12s", or "overdue"."""
    if eta is None:
        return DASH
    if overdue:
        return f"overdue (due {short_time(eta)})"
    seconds = (eta - now).total_seconds()
    if seconds <= 0:
        return "≈ due now"
    return f"≈ in {span(seconds)}"


def safe_https_url(value: str | None) -> str | None:
    """The recording URL only when it is https (FAULTS T5); as plain, inert text."""
    if not value:
        return None
    text = value.strip()
    if not text.lower().startswith("https://"):
        return None
    return sanitize(text)
