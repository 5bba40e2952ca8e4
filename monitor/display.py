"""The one function that turns API text into terminal text.

Every string from the API (names, metadata, reasons, statuses) passes through `to_display` before
it reaches a terminal, whether through the `table` format or a widget. It makes control
characters, escape sequences and bidi overrides visible and inert (FAULTS T6-T13): ESC and C1
bytes pass through Textual even with `markup=False` (H4), and Rich silently deletes CR and BS,
which hides tricks such as "PAID\\rFAIL" (T10). It never interprets markup; widgets wrap the
result in `rich.text.Text`/`Content`, never in a markup string (H1-H3).

Truncation counts terminal cells (CJK and emoji are two wide) and never splits a grapheme
cluster (T14); very long input is cut before any work is done on it (T15).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from rich.cells import cell_len

ELLIPSIS = "…"
DETAIL_MAX_CHARS = 2048
"""Detail views wrap long values but cap them: a 200,000-character name is an attack, not data."""

_BIDI = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
"""Bidirectional controls: shown as ⟨U+XXXX⟩ so they cannot reorder columns (Trojan Source)."""
_INVISIBLE = frozenset([0x00AD, 0x200B, 0x200C, 0x2060, 0xFEFF, 0x180E, 0x2061, 0x2062, 0x2063])
"""Zero-width characters that can hide text or break borders (T13). ZWJ stays: emoji need it."""
_NAMED = {"\n": "⏎", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b", "\u2028": "⏎", "\u2029": "⏎"}


def _visible(ch: str) -> str:
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if code < 0x20 or code == 0x7F or 0x80 <= code <= 0x9F:
        return f"\\x{code:02x}"
    if code in _BIDI or code in _INVISIBLE:
        return f"⟨U+{code:04X}⟩"
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"  # a lone surrogate cannot be encoded for the terminal (P16)
    return ch


def sanitize(value: object, *, max_chars: int = DETAIL_MAX_CHARS) -> str:
    """`value` as inert, single-line text: every control shown as a visible escape."""
    text = "" if value is None else value if isinstance(value, str) else str(value)
    cut = len(text) > max_chars
    if cut:
        text = text[:max_chars]
    out = text if text.isprintable() and text.isascii() else "".join(_visible(ch) for ch in text)
    return out + ELLIPSIS if cut else out


def _joins_previous(ch: str, prev: str | None) -> bool:
    code = ord(ch)
    if prev is not None and ord(prev) == 0x200D:
        return True
    if code == 0x200D or 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF:
        return True
    if 0xE0020 <= code <= 0xE007F:  # emoji tag sequences
        return True
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


def graphemes(text: str) -> Iterator[str]:
    """Approximate extended grapheme clusters: enough to never cut an emoji or a matra apart."""
    cluster = ""
    prev: str | None = None
    regional = 0
    for ch in text:
        is_regional = 0x1F1E6 <= ord(ch) <= 0x1F1FF
        joins = cluster and (_joins_previous(ch, prev) or (is_regional and regional % 2 == 1))
        if joins:
            cluster += ch
        else:
            if cluster:
                yield cluster
            cluster = ch
            regional = 0
        regional = regional + 1 if is_regional else 0
        prev = ch
    if cluster:
        yield cluster


def truncate_cells(text: str, max_cells: int) -> str:
    """Cut `text` to at most `max_cells` terminal cells, ending with "…" when cut."""
    if max_cells <= 0:
        return ""
    if cell_len(text) <= max_cells:
        return text
    out: list[str] = []
    used = 0
    for cluster in graphemes(text):
        width = cell_len(cluster)
        if used + width > max_cells - 1:
            break
        out.append(cluster)
        used += width
    return "".join(out) + ELLIPSIS


def to_display(value: object, max_cells: int | None = None) -> str:
    """API text made safe for a terminal and, with `max_cells`, fitted to a column."""
    if max_cells is None:
        return sanitize(value)
    # Each character is at least one cell unless it combines; 4x leaves room for combining marks.
    text = sanitize(value, max_chars=max(64, max_cells * 4))
    return truncate_cells(text, max_cells)


def span_words(seconds: float) -> str:
    """A finite length of time in words-ish units: 42s, 4m12s, 2h05m, 3d04h (the screen's
    `ui.format.span`, and the events' words, which the state layer builds)."""
    total = max(0, round(seconds))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"
