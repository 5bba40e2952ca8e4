"""The events an ops desk wants in one list (issue 17): alerts firing and clearing, the API
going into trouble and coming back, a campaign's count corrected by a reconciliation.

Pure: `EventLog.observe(snap)` compares a snapshot with the one before it and returns the new
lines; alerts are added by their wiring (`add_alert`). Each line can be written as a mark in
the recording (`mark_of`) and read back from one (`line_from_mark`), so a replay lists the
events that happened up to the instant it shows.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.display import span_words
from monitor.state.snapshot import MonitorSnapshot

KEEP = 500
"""Lines kept in memory (a day of a flapping API is more than anyone reads)."""
WORKSPACE = "workspace"

HEALTH_WORDS = {
    "ok": "ok",
    "rate_limited": "rate limited",
    "unreachable": "unreachable",
    "key_refused": "key refused",
    "server_error": "in error (5xx)",
    "degraded": "answering with bad data",
    "unknown": "unknown (the relay is silent)",
}


@dataclass(frozen=True, slots=True)
class EventLine:
    at: datetime
    """The snapshot's time (the API's clock, UTC)."""
    kind: str
    """"alert" (fired), "cleared", "api" or "correction"."""
    words: str
    severity: str = "information"
    """"error", "warning" or "information" (as the toasts say it)."""


def alert_words(kind: str, subject: str, state: str, detail: str) -> str:
    """An alert event in words (the toast's and the events pane's)."""
    what = kind.replace("_", " ")
    where = "" if subject == WORKSPACE else f" ({subject})"
    if state == "fired":
        return f"ALERT {what}{where}: {detail}"
    return f"Cleared: {what}{where}"


class EventLog:
    """The last `KEEP` lines, oldest first; `version` moves with every line added."""

    def __init__(self, keep: int = KEEP) -> None:
        self.lines: deque[EventLine] = deque(maxlen=keep)
        self.version = 0
        self._health: str | None = None
        self._health_since: datetime | None = None
        self._corrections: dict[str, tuple[datetime, str, int]] = {}

    def add(self, line: EventLine) -> EventLine:
        self.lines.append(line)
        self.version += 1
        return line

    def add_alert(self, kind: str, subject: str, state: str, at: datetime, detail: str) -> None:
        fired = state == "fired"
        self.add(
            EventLine(
                at,
                "alert" if fired else "cleared",
                alert_words(kind, subject, state, detail),
                "error" if fired else "information",
            )
        )

    def observe(self, snap: MonitorSnapshot) -> list[EventLine]:
        """The lines this snapshot makes: the API's state changed, a count was corrected."""
        new: list[EventLine] = []
        state = snap.health.state
        previous = self._health
        if state != previous:
            since, self._health, self._health_since = self._health_since, state, snap.now
            if previous is None:
                if state != "ok":  # starting in trouble is news; starting fine is not
                    new.append(self._api_line(snap, state))
            elif state == "ok":
                lasted = ""
                if since is not None:
                    lasted = f" after {span_words((snap.now - since).total_seconds())}"
                new.append(
                    EventLine(
                        snap.now,
                        "api",
                        f"API ok again{lasted} {HEALTH_WORDS.get(previous, previous)}",
                        "information",
                    )
                )
            else:
                new.append(self._api_line(snap, state))
        for row in snap.data.campaigns:
            fix = row.correction
            if fix is None:
                continue
            key = (fix.at, fix.status, fix.by)
            if self._corrections.get(row.id) == key:
                continue
            self._corrections[row.id] = key
            sign = "+" if fix.by > 0 else ""
            new.append(
                EventLine(
                    snap.now,
                    "correction",
                    f"Count corrected: {row.name or row.id}, {fix.status.replace('_', ' ')} "
                    f"{sign}{fix.by} (the API's total at "
                    f"{fix.at.astimezone(UTC).strftime('%H:%M:%S')})",
                    "warning",
                )
            )
        for line in new:
            self.add(line)
        return new

    @staticmethod
    def _api_line(snap: MonitorSnapshot, state: str) -> EventLine:
        message = snap.health.message
        words = f"API {HEALTH_WORDS.get(state, state)}" + (f": {message}" if message else "")
        severity = "warning" if state == "rate_limited" else "error"
        return EventLine(snap.now, "api", words, severity)


def mark_of(line: EventLine) -> tuple[str, str]:
    """A line as a recording's mark: its kind ("event-api"...) and a JSON detail."""
    detail = {"words": line.words, "severity": line.severity}
    return f"event-{line.kind}", json.dumps(detail, ensure_ascii=False)


def line_from_mark(at: float, kind: str, detail: str) -> EventLine | None:
    """A recording's mark back as a line (alert marks hold the alert's JSON line); None for a
    mark this version does not know or cannot read."""
    when = datetime.fromtimestamp(at, UTC)
    try:
        doc = json.loads(detail)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    if kind in ("alert-fired", "alert-cleared"):
        state = "fired" if kind == "alert-fired" else "cleared"
        words = alert_words(
            str(doc.get("alert", "alert")),
            str(doc.get("subject", WORKSPACE)),
            state,
            str(doc.get("detail", "")),
        )
        return EventLine(
            when,
            "alert" if state == "fired" else "cleared",
            words,
            "error" if state == "fired" else "information",
        )
    if kind.startswith("event-") and isinstance(doc.get("words"), str):
        return EventLine(when, kind[6:], doc["words"], str(doc.get("severity", "information")))
    return None


TOAST_CHARS = 150
"""About four lines of a toast at 60 columns: a longer one, taller than a 20-row screen, was
cut at its top, beginning mid-sentence."""


def toast_words(note: str) -> str:
    """A note short enough for a toast: its first sentence (at most TOAST_CHARS), and where
    the whole of it stays (the events screen, `e`)."""
    if len(note) <= TOAST_CHARS:
        return note
    end = note.find(". ")
    first = note[: end + 1] if 0 < end < TOAST_CHARS else note[: TOAST_CHARS - 1] + "…"
    return f"{first} (All of it: e, the events screen.)"


__all__ = ["EventLine", "EventLog", "alert_words", "line_from_mark", "mark_of", "toast_words"]
