"""The display function: API text shown literally and inertly (FAULTS T1-T17, R8)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.text import Text

from monitor.display import graphemes, to_display


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("[/]", "[/]"),  # T1
        ("Bob [/bold]", "Bob [/bold]"),  # T2
        ("[@click=app.quit]Priya Sharma[/]", "[@click=app.quit]Priya Sharma[/]"),  # T4
        ("Ann\x1b[2J\x1b[1;1HFAKE", "Ann\\x1b[2J\\x1b[1;1HFAKE"),  # T6
        ("\x1b]52;c;cm0gLXJmIH4=\x07", "\\x1b]52;c;cm0gLXJmIH4=\\x07"),  # T7
        (
            "\x1b]8;;https://evil\x1b\\x\x1b]8;;\x1b\\",
            "\\x1b]8;;https://evil\\x1b\\x\\x1b]8;;\\x1b\\",
        ),
        ("\x9b31mred", "\\x9b31mred"),  # T9
        ("tail\x1b", "tail\\x1b"),  # T9
        ("PAID\rFAIL", "PAID\\rFAIL"),  # T10
        ("OK\x08\x08NO", "OK\\x08\\x08NO"),  # T10
        ("a\x00b\x7fc\x07d\x0be\x0cf", "a\\x00b\\x7fc\\x07d\\x0be\\x0cf"),  # T11
        ("\u202eevil.exe", "⟨U+202E⟩evil.exe"),  # T12
        ("\u2066x\u2069\u200e\u200f\u061c", "⟨U+2066⟩x⟨U+2069⟩⟨U+200E⟩⟨U+200F⟩⟨U+061C⟩"),
        ("Priya\u200bSharma", "Priya⟨U+200B⟩Sharma"),  # T13
        ("a\u00adb\u2060c\ufeffd", "a⟨U+00AD⟩b⟨U+2060⟩c⟨U+FEFF⟩d"),
        ("line1\nline2", "line1⏎line2"),  # T16
        ("a\tb", "a\\tb"),
        ("\ud800x", "\ufffdx"),  # P16
        (None, ""),
        (42, "42"),
    ],
)
def test_T_cases_are_shown_literally_and_inertly(raw: object, shown: str) -> None:
    assert to_display(raw) == shown


def test_T2_display_output_carries_no_markup_styles_when_wrapped_in_Text() -> None:
    text = Text(to_display("[bold red]VIP[/]"))
    assert text.plain == "[bold red]VIP[/]"
    assert text.spans == []


@pytest.mark.parametrize(
    "raw",
    [
        "प्रिया शर्मा",
        "✅\ufe0e done",
        "👩\u200d🔬 scientist",
        "🇮🇳🇮🇳 flag",
        "ＡＣＭＥ corp",
        "e\u0301\u0301",
    ],
)
@pytest.mark.parametrize("width", [1, 2, 3, 5, 8])
def test_T14_truncation_fits_the_cells_and_never_splits_a_grapheme(raw: str, width: int) -> None:
    out = to_display(raw, width)
    assert cell_len(out) <= width
    body = out.removesuffix("…")
    clusters = list(graphemes(raw))
    # The kept text is a whole number of clusters from the start of the original.
    joined = ""
    for cluster in clusters:
        if len(joined) >= len(body):
            break
        joined += cluster
    assert joined == body


def test_T15_a_200000_character_name_is_cut_without_processing_it_all() -> None:
    out = to_display("N" * 200_000, 30)
    assert cell_len(out) == 30 and out.endswith("…")
    assert len(to_display("N" * 200_000)) <= 2049


FORBIDDEN = {chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]} | {
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
}


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.characters(codec=None, exclude_categories=[]), max_size=80),
    st.integers(min_value=1, max_value=40),
)
def test_R8_display_output_never_contains_controls_or_bidi(raw: str, width: int) -> None:
    for out in (to_display(raw), to_display(raw, width)):
        assert not (set(out) & FORBIDDEN)
        assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in out)
        out.encode("utf-8")
    assert cell_len(to_display(raw, width)) <= width
    assert all(unicodedata.category(ch) != "Cs" for ch in to_display(raw))
