"""`snapshot --format table`: the snapshot's report for people, every part of it readable.

The JSON (monitor.snapshot) is the contract for scripts; this is what an operator reads in a
terminal or a cron mail: campaigns by name with their status, calls in flight, cap and
counts; the calls in flight; concurrency and the coming retry wave with its window. Unknown
values are `–` (never 0, never `?`), and the output says so once. Every string from the API
goes through `to_display` (no escape sequence reaches the terminal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitor.api.vocab import OUTCOME_COLUMNS
from monitor.display import to_display

if TYPE_CHECKING:
    from monitor.report import Report

DASH = "–"
WAVE_WINDOW = "the next hour"
"""The retry wave counts retries due within this window (`derive.retry_wave`)."""

COUNT_LABELS = {
    "completed": "done",
    "no_answer": "no answer",
    "busy": "busy",
    "failed": "failed",
    "voicemail": "voicemail",
    "in_progress": "in call",
}
"""Column words: the same as the live monitor's campaign screen."""


def _num(value: object) -> str:
    return DASH if value is None else str(value)


def _rate(value: object) -> str:
    return DASH if not isinstance(value, int | float) else f"{value:.0%}"


def _clock(value: str | None) -> str:
    """An ISO time as HH:MM (UTC, as the JSON)."""
    if not value:
        return DASH
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%H:%M")
    except ValueError:
        return to_display(value, 20)


def _duration(seconds: object) -> str:
    if not isinstance(seconds, int):
        return DASH
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}:{secs:02d}"


def columns(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    """Rows aligned under a header; columns in `right` are right-aligned (numbers)."""
    widths = [len(h) for h in header]
    for row in rows:
        for n, value in enumerate(row):
            widths[n] = max(widths[n], len(value))

    def fmt(row: Sequence[str]) -> str:
        cells = [
            value.rjust(widths[n]) if n in right else value.ljust(widths[n])
            for n, value in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    return [fmt(header), *(fmt(row) for row in rows)]


def _call_lines(call: Mapping[str, Any]) -> list[str]:
    lines = [
        f"Call {to_display(call['id'], 40)}  status {call['status']}  "
        f"duration {_num(call.get('duration_s'))} s  "
        f"summary {call.get('summary_status') or DASH}"
    ]
    rows = []
    for a in call.get("attempts") or []:
        gap = a.get("gap_s")
        rows.append(
            [
                str(a.get("attempt", DASH)),
                to_display(str(a.get("outcome") or DASH), 16),
                _duration(a.get("duration_s")),
                to_display(str(a.get("called_at") or DASH), 24),
                DASH if gap is None else f"{gap // 60}m{gap % 60:02d}s",
            ]
        )
    lines += [
        "  " + line
        for line in columns(["#", "outcome", "dur", "placed at", "gap"], rows, {0, 2, 4})
    ]
    if call.get("next_retry_at"):
        lines.append(f"  next retry ≈ {call['next_retry_at']}")
    return lines


def _campaign_lines(campaigns: Sequence[Mapping[str, Any]], dashboard: bool) -> list[str]:
    header = ["campaign", "id"]
    if dashboard:
        header += ["status", "live", "max"]
    header += ["total", *(COUNT_LABELS[s.value] for s in OUTCOME_COLUMNS), "connect", "qualified"]
    rows = []
    for c in campaigns:
        counts = c.get("counts") or {}
        row = [to_display(c.get("name") or DASH, 32), to_display(c["id"], 24)]
        if dashboard:
            status = to_display(str(c.get("status") or DASH), 12)
            if status in ("waiting", "draft") and (c.get("in_flight") or 0) > 0:
                status += "!"  # idle per the API, yet calls in flight (as on screen)
            row += [status, _num(c.get("in_flight")), _num(c.get("max_concurrent_calls"))]
        row += [_num(c.get("total")), *(_num(counts.get(s.value)) for s in OUTCOME_COLUMNS)]
        row += [_rate(c.get("connect_rate")), _rate(c.get("qualified_rate"))]
        rows.append(row)
    first_number = 3 if dashboard else 2
    right = set(range(first_number, len(header)))
    if dashboard:
        right.discard(2)
    title = f"Campaigns ({len(rows)})"
    return [title, *columns(header, rows, right)]


def _active_lines(
    active: Sequence[Mapping[str, Any]], names: Mapping[str, str | None]
) -> list[str]:
    rows = []
    for a in active:
        campaign_id = a.get("campaign_id")
        name = names.get(campaign_id) if campaign_id else None
        rows.append(
            [
                to_display(a["id"], 40),
                to_display(name or campaign_id or DASH, 32),
                to_display(str(a.get("status") or DASH), 16),
                _duration(a.get("duration_s")),
                _num(a.get("attempt")),
                to_display(a.get("to_number") or DASH, 20),
            ]
        )
    title = f"Active calls ({len(rows)})"
    if not rows:
        return [title, "  none in flight"]
    return [title, *columns(["call", "campaign", "state", "dur", "#", "to"], rows, {3, 4})]


def _concurrency_lines(conc: Mapping[str, Any]) -> list[str]:
    in_flight, cap = conc.get("in_flight"), conc.get("cap")
    at_cap = isinstance(in_flight, int) and isinstance(cap, int) and in_flight >= cap
    head = f"Concurrency: {_num(in_flight)}/{_num(cap)} in flight" + (" AT CAP" if at_cap else "")
    head += f", peak {_num(conc.get('peak'))}, queued {_num(conc.get('queued'))}"
    if cap is None:
        head += " (cap unknown: set concurrency_cap or plan)"
    wave = conc.get("retry_wave") or []
    at_least = "≥" if conc.get("retry_wave_partial") else ""
    total = sum(int(b.get("calls") or 0) for b in wave)
    lines = [head, f"Retry wave: {at_least}{total} retries due in {WAVE_WINDOW}"]
    if conc.get("retry_wave_partial"):
        lines.append(
            "  (≥: more calls ended than the request budget let the monitor read; a lower bound)"
        )
    if wave:
        busiest = max(wave, key=lambda b: int(b.get("calls") or 0))
        over = any(b.get("over_cap") for b in wave)
        lines.append(
            f"  busiest minute {_clock(busiest.get('at'))}: +{busiest.get('calls')} → "
            f"{_num(busiest.get('projected'))}/{_num(cap)} in flight"
            + ("; OVER CAP in some minutes" if over else "")
        )
        rows = [
            [
                _clock(b.get("at")),
                _num(b.get("calls")),
                _num(b.get("projected")),
                "OVER CAP" if b.get("over_cap") else "",
            ]
            for b in wave
        ]
        lines += [
            "  " + line for line in columns(["at", "due", "in flight then", ""], rows, {1, 2})
        ]
    return lines


def render_table(report: Report) -> str:
    """The report as text for people (see the module's docstring)."""
    at = report.generated_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    lines = [f"DialNexa snapshot at {at} from {to_display(report.base_url, 120)}"]
    if report.call:
        lines += ["", *_call_lines(report.call)]
    dashboard = report.active_calls is not None
    if report.campaigns:
        lines += ["", *_campaign_lines(report.campaigns, dashboard)]
    if report.active_calls is not None:
        names = {c["id"]: c.get("name") for c in report.campaigns}
        lines += ["", *_active_lines(report.active_calls, names)]
    if report.concurrency is not None:
        lines += ["", *_concurrency_lines(report.concurrency)]
    lines += ["", f"{DASH} = unknown (not read, or the API did not say); never shown as 0."]
    for err in report.errors:
        lines.append(f"error: {to_display(err['resource'], 60)}: {to_display(err['message'], 200)}")
    return "\n".join(lines)
