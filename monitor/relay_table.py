"""A relay's or a recording's `MonitorSnapshot` as `snapshot`'s report: its JSON and table.

`snapshot --source redis://...` (JSON or table) and `snapshot --from PATH --format table` print
what a direct whole-dashboard `snapshot` prints (`monitor.snapshot.dashboard_report`): the same
layout and fields, built from the snapshot instead of the API, so a script written for a
direct snapshot reads the relay's unchanged.
Unknown stays `–`/null: a figure the relay's (or the recorded) engine had not read is None in
the snapshot too. `relay_table` adds where it came from (the relay, its age) and why it is not
current when it is not.
"""

from __future__ import annotations

from typing import Any

from monitor.report import Report, iso
from monitor.snapshot_dashboard import campaign_json, concurrency_json
from monitor.snapshot_insights import insights_from
from monitor.snapshot_table import render_table
from monitor.state.snapshot import MonitorSnapshot


def snapshot_report(snap: MonitorSnapshot, source: str) -> Report:
    """The parts of the relay's snapshot that `render_table` shows, as a `Report`."""
    data = snap.data
    c = data.concurrency
    report = Report(base_url=source, generated_at=snap.now, dashboard=True)
    for row in data.campaigns:
        report.campaigns.append(campaign_json(row, in_flight_known=not c.unknown, read=True))
    if not c.unknown:
        report.active_calls = []
        for call in data.active:
            started = call.started_at
            duration = None if started is None else (snap.now - started).total_seconds()
            report.active_calls.append(
                {
                    "id": call.id,
                    "status": call.status.value,
                    "campaign_id": call.campaign_id,
                    "to_number": call.to_number,
                    "attempt": call.attempt,
                    "created_at": iso(started),
                    "duration_s": None if duration is None else max(int(duration), 0),
                }
            )
    report.concurrency = concurrency_json(c)
    insights_from(report, data.insights)
    return report


def relay_table(
    snap: MonitorSnapshot | None,
    source: str,
    age_s: float | None,
    relay: dict[str, Any],
    errors: list[dict[str, str]],
) -> str:
    """The table, then the relay's age and viewers; without a snapshot, why not."""
    lines = [render_table(snapshot_report(snap, source))] if snap is not None else []
    if age_s is not None:
        viewers = relay.get("viewers")
        lines.append(
            f"via relay: its newest snapshot is {age_s:.0f}s old"
            + ("" if viewers is None else f"; {viewers} viewer{'s' * (viewers != 1)}")
        )
    lines += [f"error: {e['message']}" for e in errors]
    return "\n".join(lines)


__all__ = ["relay_table", "snapshot_report"]
