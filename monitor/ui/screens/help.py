"""Help: every key, built from the bindings themselves so it cannot drift from them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

NAVIGATION: tuple[tuple[str, str], ...] = (
    ("↑ ↓  j k", "move in the focused table"),
    ("PgUp PgDn Home End", "page / jump in the table"),
    ("tab / shift+tab", "next / previous pane"),
)

LEGEND: tuple[tuple[str, str], ...] = (
    ("!", "after a duration: a long call (ringing over a minute, or past the campaign's p95)"),
    ("! after an attempt", "something odd in the retry history (see notes)"),
    ("STALE 45s", "the pane's data is older than two polls; it is dimmed, never blanked"),
    ("highlighted row", "new or changed in the last few seconds"),
    ("analysis pending", "the call ended but its post-call analysis has not arrived"),
    ("UNKNOWN x", "a status the API documents nowhere; x is what it sent"),
    ("≈ in 4m12s", "the next retry's estimated time (the vendor does not give it exactly)"),
    ("OVER CAP", "retries due that minute would push in-flight calls past the cap"),
    ("/ filter words", "an outcome word (busy, no_answer, voicemail...) keeps that outcome only"),
)

KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "escape": "esc",
    "enter": "enter",
}


def key_label(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return " ".join(KEY_NAMES.get(k, k) for k in binding.key.split(","))


def _rows(bindings: Iterable[BindingType], seen: set[str]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for item in bindings:
        if not isinstance(item, Binding) or not item.description:
            continue
        label = key_label(item)
        if label in seen:
            continue
        seen.add(label)
        rows.append((label, item.tooltip or item.description))
    return rows


def help_text(groups: Iterable[tuple[str, Iterable[BindingType]]]) -> Text:
    """Every key by where it works, then the marks; built from the bindings themselves."""
    text = Text(end="")
    seen: set[str] = set()
    sections = [(title, _rows(bindings, seen)) for title, bindings in groups]
    sections.append(("Moving around", list(NAVIGATION)))
    for title, rows in sections:
        if not rows:
            continue
        text.append(f"{title}\n", style="bold underline")
        for key, what in rows:
            text.append(f"  {key:<20}", style="bold")
            text.append(f"{what}\n")
        text.append("\n")
    text.append("Marks and words\n", style="bold underline")
    for mark, what in LEGEND:
        text.append(f"  {mark:<20}", style="bold")
        text.append(f"{what}\n")
    text.append("\nesc, q or ? closes this help.", style="italic")
    return text


class HelpScreen(ModalScreen[None]):
    """Every key of the monitor, and what its marks mean."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", id="close_help"),
    ]

    def __init__(self, groups: list[tuple[str, list[BindingType]]]) -> None:
        """Args:
        groups: (where, bindings) pairs: the app's, the screens', the tables'.
        """
        super().__init__(id="help")
        self.groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(help_text(self.groups), id="help-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "Help"

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
