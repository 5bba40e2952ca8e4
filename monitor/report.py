"""`snapshot`'s report and its JSON: strictly valid, whatever the API sent.

The JSON is a contract (INTERFACE.md): fields may be added, never renamed. It is written with
`ensure_ascii=True`, so no byte of an API string (ESC, C1, bidi) can act on the terminal it is
printed to, and with `allow_nan=False`: a `NaN` or `Infinity` the API put in metadata or
analysis (Python's `json` reads them) becomes `null`, and a note says where, so the output
always parses as JSON (RFC 8259 has no NaN).

`errors` is what was asked for and could not be read (exit status 1); `notes` is what was read
with a caveat (a field that could not be read, a number that is not a number), exit status
unchanged.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor.api.errors import ApiError
from monitor.api.pages import ReadNote


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Report:
    base_url: str
    generated_at: datetime
    call: dict[str, Any] | None = None
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    active_calls: list[dict[str, Any]] | None = None
    concurrency: dict[str, Any] | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    notes: list[dict[str, str]] = field(default_factory=list)
    dashboard: bool = False
    """The whole dashboard: `active_calls` is printed even when not known (null)."""
    counts_attribution: dict[str, int] | None = None
    """Endings seen this round and how many could be given to a campaign (whole dashboard)."""
    insights: list[dict[str, Any]] | None = None
    """What the insight rules found (issue 19; whole dashboard)."""

    def fail(self, resource: str, error: ApiError) -> None:
        self.errors.append({"resource": resource, "kind": error.kind, "message": error.message})

    def note(self, resource: str, message: str) -> None:
        entry = {"resource": resource, "message": message}
        if entry not in self.notes:
            self.notes.append(entry)

    def read_note(self, note: ReadNote) -> None:
        """A read that left rows out is an error; one with unreadable fields, a note."""
        if note.skipped:
            why = "; ".join(sorted(note.reasons))[:200]
            self.errors.append(
                {
                    "resource": note.path,
                    "kind": "bad_payload",
                    "message": f"{note.skipped} row{'s' * (note.skipped != 1)} left out ({why})",
                }
            )
        if note.unread:
            self.note(note.path, ReadNote(note.path, unread=note.unread).words())

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "generated_at": iso(self.generated_at),
            "base_url": self.base_url,
        }
        if self.call is not None:
            out["call"] = self.call
        out["campaigns"] = self.campaigns  # always there, [] when none (INTERFACE.md)
        if self.active_calls is not None or self.dashboard:
            out["active_calls"] = self.active_calls
        if self.concurrency is not None:
            out["concurrency"] = self.concurrency
        if self.counts_attribution is not None:
            out["counts_attribution"] = self.counts_attribution
        if self.insights is not None:
            out["insights"] = self.insights
        out["errors"] = self.errors
        return out

    def to_json_text(self) -> str:
        """The report as strict JSON: non-finite numbers are null, each with a note."""
        bad: list[str] = []
        body = finite(self.to_json(), "", bad)
        for where in bad[:20]:
            self.note(where, "not a finite number (NaN or Infinity): shown as null")
        if len(bad) > 20:
            self.note("", f"{len(bad) - 20} more numbers that are not finite: shown as null")
        body["notes"] = self.notes
        return json.dumps(body, indent=2, ensure_ascii=True, allow_nan=False)


def finite(value: Any, where: str, bad: list[str]) -> Any:
    """`value` with every NaN and infinity replaced by None; their paths added to `bad`.

    Recursion is bounded: the client refuses JSON nested deeper than 64 levels.
    """
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        bad.append(where or "$")
        return None
    if isinstance(value, dict):
        return {k: finite(v, f"{where}.{k}", bad) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v, f"{where}[{i}]", bad) for i, v in enumerate(value)]
    return value
