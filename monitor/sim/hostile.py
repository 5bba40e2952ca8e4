"""Hostile strings from FAULTS.md §4.1 (cases T1-T17), served in names, metadata and statuses.

Every string here must reach the monitor byte for byte: the point is to prove the display layer
renders them inertly. Keys are the FAULTS case ids so a test or a demo can ask for one family.
"""

from __future__ import annotations

LONG_NAME_CHARS = 10_000
"""The `hostile` mix's long name; T15 on its own uses FAULTS' 200,000 characters."""

HOSTILE_CASES: dict[str, tuple[str, ...]] = {
    "T1": ("[/]",),
    "T2": ("Bob [/bold]", "[bold red]VIP[/]"),
    "T3": ("ZLEXCOUNT z [b + 3",),
    "T4": ("[@click=app.quit]Priya Sharma[/]",),
    "T5": ("[link=https://evil.example]Open recording[/link]",),
    "T6": ("Ann\x1b[2J\x1b[1;1HFAKE: API key expired, paste new key below",),
    "T7": ("\x1b]52;c;cm0gLXJmIH4=\x07",),
    "T8": ("\x1b]8;;https://evil\x1b\\x\x1b]8;;\x1b\\",),
    "T9": ("\x9b31mred", "trailing escape\x1b"),
    "T10": ("PAID\rFAIL", "OK\x08\x08NO"),
    "T11": ("nul\x00 del\x7f bel\x07 vt\x0b ff\x0c",),
    "T12": ("\u202eevil.exe", "\u2066isolated\u2069", "a\u200eb\u200fc\u061cd"),
    "T13": ("Priya\u200bSharma", "soft\u00adhyphen", "word\u2060joiner", "\ufeffBOM"),
    "T14": ("प्रिया शर्मा", "✅\ufe0e", "👩\u200d🔬", "🇮🇳", "ＡＣＭＥ", "张伟 王芳"),
    "T15": ("N" * 200_000,),
    "T16": ("line1\nline2", "tab\there"),
    "T17": ("[red]FAILED", "voicemail_detected"),
}

HOSTILE_URLS = ("javascript:alert(1)", "file:///etc/passwd", "http://insecure.example/r.mp3")
"""T5's recording URLs: only https may ever be shown."""

STATUS_CASES = ("T17",)
"""Cases aimed at the status field rather than at free text."""

TEXT_CASES = tuple(k for k in HOSTILE_CASES if k not in STATUS_CASES)

HOSTILE_NAME_POOL: tuple[str, ...] = tuple(
    s if len(s) <= LONG_NAME_CHARS else "N" * LONG_NAME_CHARS
    for case in TEXT_CASES
    for s in HOSTILE_CASES[case]
)
"""Every free-text case in one pool, with the long name cut to the `hostile` mix's length."""


def strings_for(cases: tuple[str, ...] | None) -> tuple[str, ...]:
    """The text strings of these cases (all text cases when None), for names and metadata."""
    if not cases:
        return HOSTILE_NAME_POOL
    return tuple(s for c in cases if c not in STATUS_CASES for s in HOSTILE_CASES.get(c, ()))


def statuses_for(cases: tuple[str, ...] | None) -> tuple[str, ...]:
    """Status strings of these cases; the full mix includes them too."""
    chosen = cases or STATUS_CASES
    return tuple(s for c in chosen if c in STATUS_CASES for s in HOSTILE_CASES[c])
