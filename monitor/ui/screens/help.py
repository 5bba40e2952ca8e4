"""Help: every key, built from the bindings themselves so it cannot drift from them, and a
legend of every column, mark and gauge (htop's F1 and k9s's `?` carry both)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from monitor.ui.insight_words import IDLE_LEGEND

NAVIGATION: tuple[tuple[str, str], ...] = (
    ("↑ ↓  j k", "move in the focused table; scroll the call's fields"),
    ("PgUp PgDn Home End", "page / jump in the table"),
    ("tab / shift+tab", "next / previous pane (the focused one has a heavy border)"),
    ("esc", "cancel a filter being typed; again: clear the filter; again: back"),
)

LEGEND_SECTIONS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Active calls columns",
        (
            ("dur", "how long the call has run (ticks every second); ended: it just left"),
            ("state", "dialing, in call, queued; after an end, its outcome for 30 s"),
            ("call · to", "the call's id (without call_) and the number dialled (its end)"),
            ("campaign", "the campaign's name (its id where it has none)"),
            ("#", "which attempt of the retry series this dial is (1 = first dial)"),
            ("started · note", "when it was placed; long call (wide terminals)"),
        ),
    ),
    (
        "Campaigns columns",
        (
            ("live", "calls of the campaign in flight now"),
            ("status", "the campaign's state; waiting! = idle per the API, yet calls live"),
            ("done", "completed calls (a person answered and the call finished)"),
            ("n/a", "no answer"),
            ("busy · fail · vm", "busy, failed, voicemail"),
            ("conn", "connect rate: done / (done + n/a + busy + vm + fail)"),
            ("qual", "qualified rate: analysed done calls marked qualified (qualified_key)"),
            ("anl.pend", "done calls whose post-call analysis has not arrived (not in qual)"),
            ("calls", "calls placed (the call logs' total), never the contact list's size"),
            ("max", "the campaign's own concurrency limit (max_concurrent_calls)"),
            ("retry", "retry-policy conformance: % of read retry series that follow the policy"),
            (
                "+12",
                "in done, n/a, busy, fail, vm: the exact count since the monitor started, "
                "while the total from before it is still being read",
            ),
            ("–", "unknown (not read yet, or the API did not say): never shown as 0"),
        ),
    ),
    (
        "Retry timeline columns",
        (
            ("# · outcome", "the attempt's number in the series, and how it ended"),
            ("dur · placed", "connected time (or time so far while live); when it was dialled"),
            ("gap", "the time from the attempt before it to this one: the retry delay"),
            ("notes", "what is odd in the series: early, late, missing attempt, out of order"),
        ),
    ),
    (
        "A campaign's screen",
        (
            ("call · to · at", "the call's id, the number dialled, when it was placed"),
            ("outcome · dur · #", "how it ended, connected time, which attempt of its series"),
            ("analysis", "analysed, or analysis pending: the post-call analysis"),
            ("end reason · sentiment", "as the API sent them (wide terminals)"),
            (
                "idle (1h) ..cc?",
                "the last hour, a letter a minute: "
                + ", ".join(f"{letter} {word}" for letter, word, _style in IDLE_LEGEND),
            ),
            ("idle minutes", "the minutes of that hour the campaign was idle, by reason"),
            ("offending calls", "calls whose retries break the policy or that look stuck (i)"),
        ),
    ),
    (
        "Concurrency",
        (
            ("40/100 in flight", "calls in flight against the workspace cap; AT CAP when equal"),
            ("peak in flight", "the highest in flight seen in the history below"),
            ("last 5m (full = N)", "in flight over the last minutes; a full block is N"),
            ("retry wave: N due in 1h", "retries falling due in the next hour (≥N: a floor)"),
            (
                "peak 22:09 +46 → 146/100",
                "the wave's busiest minute: 46 retries due at 22:09 "
                "would bring in flight to 146 against the cap of 100",
            ),
            ("OVER CAP", "retries due that minute would push in-flight calls past the cap"),
        ),
    ),
    (
        "Status line",
        (
            ("API ok", "the API's state: RATE LIMITED until, UNREACHABLE since, KEY REFUSED"),
            ("next poll 3s", "when the monitor asks the API next"),
            ("requests 34/60 per min", "requests sent in the last minute / the budget"),
            ("API allows 112 more", "what the API says is left this minute (its header)"),
            ("age act <5s", "each pane's data age: active, campaigns, retries, concurrency"),
        ),
    ),
    (
        "Marks and words",
        (
            ("3/100 ↓92", "on a pane's border: row 3 of 100; 92 more below (↑ above)"),
            ("dur▼ name▲", "the column the table is sorted by, and which way (s, S)"),
            (" /text ", "in a pane's title: a filter is in force (esc clears it)"),
            ("!", "after a duration: a long call (ringing over a minute, or past the p95)"),
            ("! after an attempt", "something odd in the retry history (see notes)"),
            ("STALE 45s", "the pane's data is older than two polls; dimmed, never blanked"),
            ("highlighted row", "new or changed in the last few seconds"),
            ("analysis pending", "the call ended but its post-call analysis has not arrived"),
            ("UNKNOWN x", "a status the API documents nowhere; x is what it sent"),
            ("≈ in 4m12s", "the next retry's estimated time (the vendor does not give it)"),
            (
                "/ filter words",
                "every word must match a shown column; an outcome word (busy, "
                "no_answer, voicemail, queued...) keeps that outcome only",
            ),
        ),
    ),
)

LEGEND: tuple[tuple[str, str], ...] = tuple(row for _t, rows in LEGEND_SECTIONS for row in rows)
"""Every mark, column and gauge word, flat (tests check each is explained)."""

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


KEY_COLUMN = 26
"""Cells before a key's description (two of indent, the key, padding)."""


def _entry(text: Text, key: str, what: str, width: int) -> None:
    """One key or mark and its meaning; a long meaning wraps under itself, not under the key."""
    text.append(f"  {key:<{KEY_COLUMN - 3}} ", style="bold")
    lines = textwrap.wrap(what, max(20, width - KEY_COLUMN)) or [""]
    text.append(lines[0] + "\n")
    for more in lines[1:]:
        text.append(" " * KEY_COLUMN + more + "\n")


def help_text(groups: Iterable[tuple[str, Iterable[BindingType]]], width: int = 100) -> Text:
    """Every key by where it works, then the marks; built from the bindings themselves.

    Args:
        groups: (where, bindings) pairs.
        width: the cells available; descriptions wrap to it with a hanging indent.
    """
    text = Text(end="")
    seen: set[str] = set()
    sections = [(title, _rows(bindings, seen)) for title, bindings in groups]
    sections.append(("Moving around", list(NAVIGATION)))
    for title, rows in sections:
        if not rows:
            continue
        text.append(f"{title}\n", style="bold underline")
        for key, what in rows:
            _entry(text, key, what, width)
        text.append("\n")
    for legend_title, legend_rows in LEGEND_SECTIONS:
        text.append(f"{legend_title}\n", style="bold underline")
        for mark, what in legend_rows:
            _entry(text, mark, what, width)
        text.append("\n")
    text.append("esc, q or ? closes this help; j/k or the arrows scroll it.", style="italic")
    return text


class HelpScreen(ModalScreen[None]):
    """Every key of the monitor, and what its marks mean."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", id="close_help"),
        Binding("j", "scroll('down')", show=False),
        Binding("k", "scroll('up')", show=False),
    ]

    def __init__(self, groups: list[tuple[str, list[BindingType]]]) -> None:
        """Args:
        groups: (where, bindings) pairs: the app's, the screens', the tables'.
        """
        super().__init__(id="help")
        self.groups = groups
        self._width = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            # Filled on the first resize, at the box's width: built once, not twice.
            yield Static("", id="help-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "Help"

    def on_resize(self) -> None:
        # Wrapped to the box's width, with a hanging indent under each description.
        width = self.query_one("#help-body", VerticalScroll).scrollable_content_region.width
        if width and width != self._width:
            self._width = width
            self.query_one("#help-text", Static).update(help_text(self.groups, width))

    def action_scroll(self, way: str) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        if way == "down":
            body.scroll_down(animate=False)
        else:
            body.scroll_up(animate=False)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
