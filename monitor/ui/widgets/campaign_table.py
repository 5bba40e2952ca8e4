"""Campaigns: counts by canonical outcome, in flight, connect and qualified rates, status.

The campaign screen's list of calls is `campaign_calls.CampaignCallsTable`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar

from rich.style import Style
from rich.text import Text

from monitor.display import sanitize
from monitor.state.snapshot import CampaignRow
from monitor.ui.format import (
    cell,
    count,
    plain,
    rate,
)
from monitor.ui.widgets.live_table import ColumnSpec, LiveTable, SortMode

CONTAINER_SHORT = {
    "running": "run",
    "paused": "paused",
    "completed": "done",
    "waiting": "wait",
    "draft": "draft",
    "cancelled": "cancel",
    "failed": "failed",
    "unknown": "?",
}


IDLE_STATUSES = frozenset({"waiting", "draft"})
"""Campaign statuses under which no call should be in flight. Not `paused` nor `completed`:
calls placed before the pause or the end finish normally, so live calls there are expected."""


def idle_with_calls(row: CampaignRow) -> bool:
    """A campaign the API calls idle (waiting, paused...) with calls in flight all the same."""
    return row.status in IDLE_STATUSES and row.in_flight > 0


def _rate_key(value: float | None) -> float:
    return -1.0 if value is None or value != value else value


def _count_key(value: int | None) -> int:
    """Unknown below every reading, 0 included (`or -1` sorted a read 0 with the unknown)."""
    return -1 if value is None else value


class CampaignTable(LiveTable[CampaignRow]):
    """One row per campaign."""

    VIEW_NAME = "dashboard.campaigns"

    SPECS: ClassVar[tuple[ColumnSpec, ...]] = (
        # In flight changes on most polls: first, so its update rewrites a few cells only
        # (Textual rewrites a line from the widget's left edge to the end of the change).
        ColumnSpec("live", "live", 4, 4, right=True),
        ColumnSpec("name", "campaign", 11, 28, grow=1),
        ColumnSpec("status", "status", 7, 9, grow=6),
        ColumnSpec("completed", "done", 4, 5, right=True),
        ColumnSpec("no_answer", "n/a", 4, 5, right=True),
        ColumnSpec("connect", "conn", 4, 5, right=True),
        ColumnSpec("qualified", "qual", 4, 5, right=True),
        ColumnSpec("busy", "busy", 4, 5, right=True, optional=1),
        ColumnSpec("failed", "fail", 4, 5, right=True, optional=2),
        ColumnSpec("voicemail", "vm", 4, 5, right=True, optional=3),
        ColumnSpec("pending", "anl.pend", 8, 8, right=True, optional=4),
        # Calls placed (the call logs' total), never the contact list's size (API sheet 3.8).
        ColumnSpec("total", "calls", 5, 7, right=True, optional=5),
        ColumnSpec("cap", "max", 4, 5, right=True, optional=6),
        # Retry-policy conformance (issue 19): the campaign screen lists the offenders.
        ColumnSpec("conformance", "retry", 5, 5, right=True, optional=7),
    )

    def specs(self) -> Sequence[ColumnSpec]:
        return self.SPECS

    def sort_modes(self) -> Sequence[SortMode[CampaignRow]]:
        return (
            SortMode("default", "as listed"),
            SortMode(
                "live",
                "in flight",
                lambda r: (r.in_flight, r.id),
                reverse=True,
                column="live",
                ascending=False,
            ),
            SortMode(
                "name", "name", lambda r: (sanitize(r.name or r.id).lower(), r.id), column="name"
            ),
            SortMode("status", "status", lambda r: (r.status, r.id), column="status"),
            SortMode(
                "completed",
                "done",
                lambda r: (_count_key(r.counts.get("completed")), r.id),
                reverse=True,
                column="completed",
                ascending=False,
            ),
            SortMode(
                "no_answer",
                "no answer",
                lambda r: (_count_key(r.counts.get("no_answer")), r.id),
                reverse=True,
                column="no_answer",
                ascending=False,
            ),
            SortMode(
                "connect",
                "connect rate",
                lambda r: (_rate_key(r.connect_rate), r.id),
                reverse=True,
                column="connect",
                ascending=False,
            ),
            SortMode(
                "qualified",
                "qualified rate",
                lambda r: (_rate_key(r.qualified_rate), r.id),
                reverse=True,
                column="qualified",
                ascending=False,
            ),
        )

    def row_key(self, item: CampaignRow) -> str:
        return item.id

    def change_key(self, item: CampaignRow) -> object:
        # A campaign that appears or changes state flashes; its figures move on most polls
        # in a busy workspace, and a row flashing every poll would mean nothing (and cost
        # two whole-row repaints each time).
        return (item.name, item.status, item.status_raw)

    def draws_same(self, old: CampaignRow, new: CampaignRow) -> bool:
        # The age moves every second and no cell shows it (only `stale`, which is compared):
        # eight rows rendered again each second for nothing (issue 21).
        return old == replace(new, age_s=old.age_s)

    def same_data(self, old: CampaignRow, new: CampaignRow) -> bool:
        # No sort or filter reads the age either.
        return self.draws_same(old, new)

    def render_row(self, item: CampaignRow) -> tuple[Text, ...]:
        out: list[Text] = []
        muted: str | Style = self.style_of("muted") if item.stale else ""
        for col in self.columns_now:
            w = col.width
            key = col.key
            if key == "name":
                out.append(cell(item.name or item.id, w, muted))
            elif key == "status":
                word = item.status if w >= 7 else CONTAINER_SHORT.get(item.status, item.status)
                if item.status == "unknown" and item.status_raw:
                    word = f"?{sanitize(item.status_raw)}"
                if idle_with_calls(item):
                    # The API says waiting (or paused...) while calls are still in flight:
                    # "!" says it without colour (the help's legend explains it).
                    word = (word if len(word) < w else CONTAINER_SHORT[item.status]) + "!"
                    out.append(plain(word, w, self.style_of("warn")))
                    continue
                out.append(plain(word, w, muted))
            elif key == "live":
                out.append(plain(str(item.in_flight).rjust(w), w, muted))
            elif key in ("completed", "no_answer", "busy", "failed", "voicemail"):
                value = item.counts.get(key)
                if value is None and item.since_start is not None:
                    # History filling: the total from before the monitor started is not read
                    # yet; "+N" is the exact count since start (not STALE, not a total).
                    fill = f"+{item.since_start.get(key, 0)}"
                    out.append(plain(fill.rjust(w), w, self.style_of("muted")))
                else:
                    out.append(plain(count(value).rjust(w), w, muted))
            elif key == "connect":
                out.append(plain(rate(item.connect_rate).rjust(w), w, muted))
            elif key == "qualified":
                out.append(plain(rate(item.qualified_rate).rjust(w), w, muted))
            elif key == "pending":
                out.append(plain(str(item.analysis_pending).rjust(w), w, muted))
            elif key == "total":
                if item.count_flags:  # counts that cannot all be true: marked, not as read
                    flagged = (count(item.total) + "!").rjust(w)
                    out.append(plain(flagged, w, self.style_of("warn")))
                else:
                    out.append(plain(count(item.total).rjust(w), w, muted))
            elif key == "cap":
                out.append(plain(count(item.max_concurrent).rjust(w), w, muted))
            elif key == "conformance":
                pct = item.conformance
                word = "–" if pct is None else f"{pct:.0f}%"
                bad = pct is not None and pct < 100
                out.append(plain(word.rjust(w), w, self.style_of("warn") if bad else muted))
        return tuple(out)

    def search_text(self, item: CampaignRow) -> str:
        # The name (the id where there is none) and the status: what the row shows.
        return " ".join(
            sanitize(v).lower() for v in (item.name or item.id, item.status, item.status_raw or "")
        )

    def export_header(self) -> tuple[str, ...]:
        return (
            "campaign_id",
            "name",
            "status",
            "status_raw",
            "total",
            "completed",
            "no_answer",
            "busy",
            "failed",
            "voicemail",
            "in_flight",
            "connect_rate",
            "qualified_rate",
            "analysis_pending",
            "max_concurrent",
            "age_s",
            "stale",
        )

    def export_row(self, item: CampaignRow) -> tuple[str, ...]:
        def num(v: object) -> str:
            return "" if v is None else str(v)

        return (
            item.id,
            item.name or "",
            item.status,
            item.status_raw or "",
            num(item.total),
            *(
                num(item.counts.get(k))
                for k in ("completed", "no_answer", "busy", "failed", "voicemail")
            ),
            str(item.in_flight),
            num(item.connect_rate),
            num(item.qualified_rate),
            str(item.analysis_pending),
            num(item.max_concurrent),
            "" if item.age_s is None else f"{item.age_s:.0f}",
            "yes" if item.stale else "",
        )
