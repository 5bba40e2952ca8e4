"""Active calls: the calls in flight, with a duration that ticks from the app's one clock.

Only the duration column repaints each second (`LiveTable.tick_column`); rows change only when
a poll changes them. Long calls carry a "!" (and the word "long" when there is room), so the
mark survives NO_COLOR.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text

from monitor.display import sanitize
from monitor.state.snapshot import ActiveCallRow, CallStatus, live_duration
from monitor.ui.format import (
    DASH,
    cell,
    clock_duration,
    clock_time,
    plain,
    short_id,
    status_label,
    tail_display,
)
from monitor.ui.state_file import UiState
from monitor.ui.widgets.live_table import ColumnSpec, LiveTable, SortMode

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

DURATIONS_KEPT = 1024
"""Duration cells kept for reuse (a quarter of an hour of seconds); then afresh."""

SHORT_OUTCOMES = {"no answer": "n/a", "completed": "done", "voicemail": "vm", "cancelled": "cancel"}
"""An outcome in a narrow state column: the words of the Campaigns pane's headers."""


def _started(row: ActiveCallRow) -> datetime:
    return row.started_at or _EPOCH


def row_search_text(row: ActiveCallRow, state_words: Sequence[str]) -> str:
    """What the filter matches in a row: its id, campaign, number and state words."""
    shown = (row.id, row.campaign_name or row.campaign_id or "", row.to_number or "", *state_words)
    return " ".join(sanitize(v).lower() for v in shown)


def ended_search_text(row: ActiveCallRow, outcome: str | None) -> str:
    """An ended row's text as `render_gone` draws it: "ended" and its outcome (whole, and in
    the narrow column's word), never the status it had while live ("dialing" is gone)."""
    word = outcome or DASH
    short = SHORT_OUTCOMES.get(word)
    return row_search_text(row, ("ended", word, *((short,) if short else ())))


class ActiveCallsTable(LiveTable[ActiveCallRow]):
    """Calls in flight: id, campaign, to-number, state, ticking duration, attempt."""

    VIEW_NAME = "dashboard.active"
    LINGER_S = 30.0
    REUSE_SLOTS = True

    SPECS: ClassVar[tuple[ColumnSpec, ...]] = (
        # The ticking duration comes first: Textual rewrites a changed line from the left
        # edge of the widget to the end of the change, so at the left a tick costs ~7 cells a
        # row, at the right it would cost the whole row.
        # The state changes once or twice a call (dialing, in call): second, for the same
        # reason.
        ColumnSpec("dur", "dur", 6, 8, right=True),
        ColumnSpec("state", "state", 7, 16),
        ColumnSpec("id", "call", 8, 18, grow=2),
        ColumnSpec("campaign", "campaign", 6, 24, grow=1),
        ColumnSpec("to", "to", 7, 16, grow=3),
        ColumnSpec("attempt", "#", 1, 3, right=True),
        ColumnSpec("started", "started", 8, 8, optional=1),
        ColumnSpec("note", "note", 9, 12, optional=2),
    )

    def __init__(
        self,
        *,
        now: datetime,
        ui_state: UiState | None = None,
        flash: bool = True,
        id: str | None = None,
    ) -> None:
        """Args:
        now: the clock's time when the table is built; `sync`/`tick` move it on.
        ui_state: where sort and filter are remembered.
        flash: highlight new and changed rows briefly.
        id: the widget id.
        """
        super().__init__(ui_state=ui_state, flash=flash, id=id)
        self.now = now
        """The time durations are measured to (the app clock's last tick)."""
        self._arrivals: dict[str, int] = {}
        self._next_arrival = 0
        self._durations: dict[tuple[str, int, object], Text] = {}
        """Duration cells by text, width and style: a value shown before (by this row a moment
        ago, or another) comes back as the same `Text`, whose rendered segments the table
        keeps by identity, so a tick renders a duration's cell only once per value."""
        self._gone_outcomes: dict[str, str | None] = {}
        """The outcome each lingering row was drawn with."""
        self.outcome_of: Callable[[str], str | None] = lambda call_id: None
        """How an ended call turned out, in words (the screen looks it up in the snapshot)."""

    def specs(self) -> Sequence[ColumnSpec]:
        return self.SPECS

    def sort_modes(self) -> Sequence[SortMode[ActiveCallRow]]:
        return (
            # One mode per column (k9s, htop); `S` turns the current one around.
            SortMode("arrival", "arrival", self._arrival_rank),
            SortMode(
                "oldest",
                "longest first",
                lambda r: (_started(r), r.id),
                column="dur",
                ascending=False,
            ),
            SortMode(
                "state", "state", lambda r: (r.status.value, _started(r), r.id), column="state"
            ),
            SortMode(
                "campaign",
                "campaign",
                lambda r: (sanitize(r.campaign_name or "").lower(), r.id),
                column="campaign",
            ),
            SortMode(
                "attempt",
                "attempt",
                lambda r: (-(r.attempt or 1), _started(r), r.id),
                column="attempt",
                ascending=False,
            ),
        )

    def row_key(self, item: ActiveCallRow) -> str:
        return item.id

    def _arrival_rank(self, item: ActiveCallRow) -> int:
        """Calls keep their place and newcomers join at the bottom: rows never jump under
        the operator's eyes, and a newcomer below the window costs nothing to draw."""
        rank = self._arrivals.get(item.id)
        if rank is None:
            rank = self._arrivals[item.id] = self._next_arrival
            self._next_arrival += 1
        return rank

    def change_key(self, item: ActiveCallRow) -> object:
        # What the row shows in text, as `render_row` shows it (`long_call` is drawn with the
        # ticking duration cell; `state_since` is not shown). The raw status is shown only
        # when unknown, a missing attempt as 1: busy's raw spellings flip between polls
        # ("in_progress", "in-progress"; "sent", "ringing"), and two thirds of the flashes
        # (each a row written twice, issue 21) were of rows that looked the same.
        return (
            status_label(item.status, item.status_raw),
            item.attempt or 1,
            item.campaign_name or item.campaign_id,
            item.to_number,
        )

    def take_slot(self, new_key: str, old_key: str) -> None:
        rank = self._arrivals.pop(old_key, None)
        if rank is not None:
            self._arrivals[new_key] = rank

    def duration_cell(self, item: ActiveCallRow) -> Text:
        width = self._width("dur")
        # The one clock (`calltime.live_duration`): a placed time that cannot be true (1970,
        # year 1, the future) is flagged "?", never shown as 1.8e9 seconds.
        seconds, flags = live_duration(item.started_at, self.now)
        style: str | Style = ""
        if flags:
            text, style = "?!", self.style_of("warn")
        elif item.long_call:
            text, style = clock_duration(seconds) + "!", self.style_of("warn")
        else:
            text = clock_duration(seconds)
        text = text.rjust(width)
        cells = self._durations
        cell = cells.get((text, width, style))
        if cell is None:
            if len(cells) >= DURATIONS_KEPT:
                cells.clear()
            cell = cells[text, width, style] = plain(text, width, style)
        return cell

    def render_row(self, item: ActiveCallRow) -> tuple[Text, ...]:
        out: list[Text] = []
        for col in self.columns_now:
            w = col.width
            if col.key == "id":
                out.append(plain(short_id(item.id, w), w))
            elif col.key == "campaign":
                out.append(cell(item.campaign_name or item.campaign_id or DASH, w))
            elif col.key == "to":
                out.append(plain(tail_display(item.to_number or DASH, w), w))
            elif col.key == "state":
                style: str | Style = ""
                if item.status is CallStatus.UNKNOWN:
                    style = self.style_of("warn")
                elif item.status is CallStatus.DIALING:
                    style = self.style_of("muted")
                out.append(plain(status_label(item.status, item.status_raw), w, style))
            elif col.key == "dur":
                out.append(self.duration_cell(item))
            elif col.key == "attempt":
                out.append(plain(str(item.attempt or 1).rjust(w), w))
            elif col.key == "started":
                out.append(plain(clock_time(item.started_at), w))
            elif col.key == "note":
                # A placed time that cannot be true (the words in full: `snapshot`'s flags).
                flags = live_duration(item.started_at, self.now)[1]
                note = "bad time" if flags else "long call" if item.long_call else ""
                out.append(plain(note, w, self.style_of("warn")))
        return tuple(out)

    def render_gone(self, item: ActiveCallRow) -> tuple[Text, ...]:
        """A call that just left the active list, for `LINGER_S`: "ended" where the duration
        was (no long-call "!": it is over), its outcome where the state was, dimmed, frozen.
        It stays a moment so the operator sees how it ended (htop shows exiting processes the
        same way), then goes with the others in one sweep."""
        muted = self.style_of("muted")
        outcome = self._gone_outcomes[item.id] = self.outcome_of(item.id)
        out: list[Text] = []
        for col, text in zip(self.columns_now, self.render_row(item), strict=True):
            if col.key == "dur":
                text = plain("ended".rjust(col.width), col.width)
            elif col.key == "state":
                word = outcome or DASH  # "ended" is in the dur column; outcome not read yet
                if len(word) > col.width:  # the Campaigns columns' words (help's legend)
                    word = SHORT_OUTCOMES.get(word, word)
                text = plain(word, col.width)
            elif col.key == "note":
                text = plain("ended", col.width)
            copy = text.copy()
            copy.stylize(muted)
            out.append(copy)
        return tuple(out)

    def outcomes_learnt(self) -> None:
        """A lingering row drawn before its outcome was read ("ended –") is drawn again once
        it is: `render_gone`'s cells are otherwise kept until the row goes."""
        gone = self._gone_items
        for key in [k for k in self._gone_outcomes if k not in gone]:
            del self._gone_outcomes[key]
        learnt = [k for k, shown in self._gone_outcomes.items() if self.outcome_of(k) != shown]
        for key in learnt:
            self._rendered.pop(key, None)
        if learnt:
            self._reconcile()

    def search_text(self, item: ActiveCallRow) -> str:
        # What the row shows, nothing hidden: `/q` must not match a campaign id or
        # "in_progress" that no column displays.
        return row_search_text(item, (status_label(item.status, item.status_raw),))

    def matches_gone(self, item: ActiveCallRow, words: Sequence[str]) -> bool:
        # Not cached: the outcome can arrive while the row lingers, and lingering rows are few.
        text = ended_search_text(item, self.outcome_of(item.id))
        return all(w in text for w in words)

    def export_header(self) -> tuple[str, ...]:
        return (
            "call_id",
            "campaign_id",
            "campaign",
            "to_number",
            "status",
            "status_raw",
            "started_at",
            "duration_s",
            "attempt",
            "long_call",
        )

    def export_row(self, item: ActiveCallRow) -> tuple[str, ...]:
        seconds = live_duration(item.started_at, self.now)[0]
        return (
            item.id,
            item.campaign_id or "",
            item.campaign_name or "",
            item.to_number or "",
            item.status.value,
            item.status_raw or "",
            item.started_at.isoformat() if item.started_at else "",
            str(seconds) if seconds is not None else "",
            str(item.attempt or ""),
            "yes" if item.long_call else "",
        )

    def tick(self, now: datetime, mono: float) -> None:
        """The app clock's second: durations move on, flashes fade."""
        self.now = now
        self.expire_flash(mono)
        self.tick_column("dur", self.duration_cell)
        if len(self._arrivals) > 4 * max(64, self.row_count):
            shown = set(self.row_keys())
            self._arrivals = {k: v for k, v in self._arrivals.items() if k in shown}

    def _width(self, key: str) -> int:
        return next((c.width for c in self.columns_now if c.key == key), 6)
