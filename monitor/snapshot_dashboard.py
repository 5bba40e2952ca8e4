"""The whole-dashboard `snapshot`: its JSON parts, and its one retry of what failed.

`--call` and `--campaign` retry a 429, a 5xx or a timeout once (INTERFACE.md); the dashboard
reads through the engine, whose one-shot round (`monitor.polling.oneshot`) runs the lists whose
last run failed that way once more, within the snapshot's deadline. Figures with no reading
are null with the reason (`unknown_reason`), never zeros: "0 in flight" is a reading, and there
was none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from monitor.api.vocab import CallStatus
from monitor.polling.engine import Engine
from monitor.report import Report, iso
from monitor.state.calltime import call_clock
from monitor.state.notes import FINAL_OUTCOMES
from monitor.state.views import CampaignRow, ConcurrencyView


def active_calls_json(engine: Engine, now: datetime) -> list[dict[str, Any]]:
    """Calls in flight, each timed by its one clock (`monitor.state.calltime`)."""
    out = []
    for row in engine.view().active:
        tracked = engine.store.calls.get(row.id)
        if tracked is None:
            continue
        clock = call_clock(tracked.call, now)
        entry: dict[str, Any] = {
            "id": row.id,
            "status": row.status.value,
            "campaign_id": row.campaign_id,
            "campaign_source": tracked.campaign_source,
            "to_number": row.to_number,
            "attempt": row.attempt,
            "created_at": iso(clock.placed_at),
            "duration_s": clock.duration_s,
            "duration_label": clock.label,
        }
        if clock.flags:
            entry["flags"] = list(clock.flags)
        if row.status is CallStatus.UNKNOWN or not tracked.call.status_documented:
            # The word the list gave (null: none), as `--call` prints it: an unknown status
            # is shown as unknown, never dropped.
            entry["status_raw"] = tracked.call.status_raw
        out.append(entry)
    return out


def campaign_json(row: CampaignRow, *, in_flight_known: bool, read: bool) -> dict[str, Any]:
    """A campaign as the whole-dashboard snapshot prints it, direct or via relay. `read`: its
    completed calls were read (else its pending analyses are null, as its rate is)."""
    correction = row.correction
    return {
        "id": row.id,
        "name": row.name,
        "status": row.status,
        "total": row.total,
        "contact_list_size": row.contacts,
        "counts": row.counts,
        "connect_rate": row.connect_rate,
        "qualified_rate": row.qualified_rate,
        "analysis_pending": row.analysis_pending if read else None,
        "in_flight": row.in_flight if in_flight_known else None,
        "max_concurrent_calls": row.max_concurrent,
        "flags": list(row.count_flags),
        # Counts: the API's totals at one read plus every ending seen since; null where that
        # history is not read yet (`since_start` is exact meanwhile).
        "history_filling": row.history_filling,
        "since_start": row.since_start,
        "last_correction": (
            None
            if correction is None
            else {"at": iso(correction.at), "status": correction.status, "by": correction.by}
        ),
    }


def concurrency_json(c: ConcurrencyView) -> dict[str, Any]:
    reasons = [r for r in (c.unknown, c.queued_unknown, c.wave_unknown) if r]
    return {
        "in_flight": None if c.unknown else c.in_flight,
        "cap": c.cap,
        "peak": None if c.unknown and not c.history else c.peak,
        "queued": None if c.queued_unknown else c.queued,
        "retry_wave_partial": c.wave_partial,
        "retry_wave": None
        if c.wave_unknown
        else [
            {"at": iso(b.at), "calls": b.calls, "projected": b.projected, "over_cap": b.over_cap}
            for b in c.wave
        ],
        "unknown_reason": "; ".join(reasons) or None,
    }


def counts_not_read(report: Report, campaign_id: str, counts: dict[str, int | None]) -> None:
    """A count that could not be read is null, and said in `errors` (not a silent null)."""
    missing = [k for k in FINAL_OUTCOMES if counts.get(k) is None]
    if missing:
        report.errors.append(
            {
                "resource": f"counts/{campaign_id}",
                "kind": "bad_payload",
                "message": f"the API gave no count for {', '.join(missing)}",
            }
        )
