"""`dialnexa-monitor snapshot`: one read of the monitor's data, printed, for scripts.

The JSON is a contract (INTERFACE.md): fields may be added, never renamed. It is written with
`ensure_ascii=True`, so no byte of an API string (ESC, C1, bidi) can act on the terminal it is
printed to, and the API's strings survive exactly as received for whoever parses them.
Exit status: 0 everything requested was read; 1 some could not be (the JSON still prints, with
`errors`); 2 usage or configuration error, one paragraph on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from monitor.api.client import DialNexaClient, check_id
from monitor.api.errors import ApiError, BadPayload, RateLimited
from monitor.api.models import Call
from monitor.api.vocab import OUTCOME_COLUMNS, CallStatus
from monitor.clock import Clock, SystemClock
from monitor.config import ConfigError, Settings, require_api_key, settings_from_args
from monitor.display import to_display
from monitor.polling.engine import Engine
from monitor.polling.fetch import (
    Routes,
    campaign_calls_page,
    fetch_campaign_counts,
    fetch_retry_config,
    fetch_retry_history,
)
from monitor.polling.oneshot import dashboard_round
from monitor.state.derive import (
    Timeline,
    build_timeline,
    connect_rate,
    history_from_call,
    qualified_rate,
)

T = TypeVar("T")

RATE_LIMIT_WAIT_MAX_S = 30.0
"""`snapshot` waits out one 429 for at most this long (INTERFACE.md)."""
RETRY_BACKOFF_S = 1.0


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
    counts_attribution: dict[str, int] | None = None
    """Endings seen this round and how many could be given to a campaign (whole dashboard)."""

    def fail(self, resource: str, error: ApiError) -> None:
        self.errors.append({"resource": resource, "kind": error.kind, "message": error.message})

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "generated_at": iso(self.generated_at),
            "base_url": self.base_url,
        }
        if self.call is not None:
            out["call"] = self.call
        if self.campaigns:
            out["campaigns"] = self.campaigns
        if self.active_calls is not None:
            out["active_calls"] = self.active_calls
        if self.concurrency is not None:
            out["concurrency"] = self.concurrency
        if self.counts_attribution is not None:
            out["counts_attribution"] = self.counts_attribution
        out["errors"] = self.errors
        return out


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, ApiError) and exc.transient


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, RateLimited):
        return min(exc.retry_after or RETRY_BACKOFF_S * 2, RATE_LIMIT_WAIT_MAX_S)
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int | float):
        return min(float(retry_after), RATE_LIMIT_WAIT_MAX_S)
    return RETRY_BACKOFF_S


async def patiently(read: Callable[[], Awaitable[T]], clock: Clock) -> T:
    """One more try after a 429 (its Retry-After, ≤ 30 s), a 5xx or a timeout; then give up."""
    async for attempt in AsyncRetrying(
        stop=stop_after_attempt(2),
        retry=retry_if_exception(_retryable),
        wait=_wait,
        sleep=clock.sleep,
        reraise=True,
    ):
        with attempt:
            return await read()
    raise AssertionError("unreachable")  # pragma: no cover


def call_json(call: Call, timeline: Timeline) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": call.id,
        "status": call.status.value,
        "duration_s": call.duration_s,
        "campaign_id": call.campaign_id,
        "to_number": call.to_number,
        "from_number": call.from_number,
        "created_at": iso(call.created_at),
        "ended_at": iso(call.ended_at),
        "metadata": call.metadata,
        "end_reason": call.end_reason,
        "sentiment": call.sentiment,
        "recording_url": call.recording_url,
        "analysis": call.analysis,
        "attempt": call.attempt,
        "retry_group_id": call.retry_group_id,
        "summary_status": timeline.summary,
        "attempts": [
            {
                "attempt": row.attempt,
                "outcome": row.outcome.value,
                "duration_s": row.duration_s,
                "called_at": iso(row.called_at),
                "gap_s": row.gap_s,
                **({"flags": list(row.flags)} if row.flags else {}),
                **({"outcome_raw": row.outcome_raw} if row.outcome is CallStatus.UNKNOWN else {}),
            }
            for row in timeline.rows
        ],
        "next_retry_at": iso(timeline.next_retry_at),
        "next_retry_overdue": timeline.overdue,
        "attempts_left": timeline.attempts_left,
    }
    if call.status is CallStatus.UNKNOWN or not call.status_documented:
        out["status_raw"] = call.status_raw
    return out


async def read_call(
    client: DialNexaClient, routes: Routes, call_id: str, report: Report, clock: Clock
) -> None:
    resource = f"call/{call_id}"
    try:
        call = await patiently(lambda: client.get_call(call_id), clock)
    except ApiError as exc:
        report.fail(resource, exc)
        return
    try:
        history = await patiently(lambda: fetch_retry_history(client, routes, call), clock)
    except ApiError as exc:
        report.fail(f"retries/{call.retry_group_id or call.id}", exc)
        history = history_from_call(call)
    try:
        config = await patiently(lambda: fetch_retry_config(client, routes, call), clock)
    except ApiError:
        config = None  # without settings the summary says "ended" rather than guess
    report.call = call_json(call, build_timeline(history, config, clock.now()))
    report.call["retry_source"] = routes.retries


QUALIFIED_PAGES = 5
"""`--campaign`: the qualified rate is read from the newest 500 completed calls at most."""


async def read_campaign(
    client: DialNexaClient,
    routes: Routes,
    campaign_id: str,
    report: Report,
    clock: Clock,
    *,
    qualified_key: str = "qualified",
) -> None:
    try:
        figures = await patiently(lambda: fetch_campaign_counts(client, routes, campaign_id), clock)
    except ApiError as exc:
        report.fail(f"campaign/{campaign_id}", exc)
        return
    row: dict[str, Any] = {
        "id": campaign_id,
        "total": figures.total,
        "counts": {s.value: figures.counts.get(s) for s in OUTCOME_COLUMNS},
        "connect_rate": connect_rate(figures.counts),
        "qualified_rate": None,
        "analysed": 0,
        "analysis_pending": 0,
        "source": routes.campaign_logs,
    }
    report.campaigns.append(row)
    # The qualified rate needs each completed call's analysis: page the newest ones.
    completed: list[Call] = []
    for number in range(1, QUALIFIED_PAGES + 1):
        try:
            page = await patiently(
                partial(
                    campaign_calls_page,
                    client,
                    routes,
                    campaign_id,
                    page=number,
                    status="completed",
                ),
                clock,
            )
        except ApiError as exc:
            report.fail(f"analysis/{campaign_id}", exc)
            break
        completed.extend(page.items)
        if page.is_last or page.raw_count < page.limit:
            break
    rate = qualified_rate(completed, qualified_key)
    row.update(qualified_rate=rate.rate, analysed=rate.analysed, analysis_pending=rate.pending)


async def collect(
    client: DialNexaClient,
    *,
    call_id: str | None,
    campaign_ids: list[str],
    clock: Clock,
    qualified_key: str = "qualified",
) -> Report:
    report = Report(base_url=client.base_url, generated_at=clock.now())
    routes = Routes()
    if call_id:
        await read_call(client, routes, call_id, report, clock)
    for campaign_id in campaign_ids:
        await read_campaign(client, routes, campaign_id, report, clock, qualified_key=qualified_key)
    return report


async def read_dashboard(
    client: DialNexaClient,
    settings: Settings,
    clock: Clock,
    *,
    wait: bool = False,
    deadline_s: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """One round of the dashboard through the same engine as the live monitor (the polling
    layer's `dashboard_round`); what it could not read is in `errors`."""
    result = await dashboard_round(
        client, settings, clock, wait=wait, deadline_s=deadline_s, progress=progress
    )
    report = dashboard_report(result.engine, client.base_url, clock)
    for key, error in sorted(result.errors.items()):
        report.fail(key, error)
    for key, why in sorted(result.missing.items()):
        report.errors.append({"resource": key, "kind": "timeout", "message": why})
    return report


def dashboard_report(engine: Engine, base_url: str, clock: Clock) -> Report:
    view = engine.view()
    report = Report(base_url=base_url, generated_at=clock.now())
    for row in view.campaigns:
        report.campaigns.append(
            {
                "id": row.id,
                "name": row.name,
                "status": row.status,
                "total": row.total,
                "counts": row.counts,
                "connect_rate": row.connect_rate,
                "qualified_rate": row.qualified_rate,
                "analysis_pending": row.analysis_pending,
                "in_flight": row.in_flight,
                "max_concurrent_calls": row.max_concurrent,
                # Counts: the API's totals at one read plus every ending seen since; null
                # where that history is not read yet (`since_start` is exact meanwhile).
                "history_filling": row.history_filling,
                "since_start": row.since_start,
                "last_correction": (
                    None
                    if row.correction is None
                    else {
                        "at": iso(row.correction.at),
                        "status": row.correction.status,
                        "by": row.correction.by,
                    }
                ),
            }
        )
    now = view.now
    report.active_calls = [
        {
            "id": r.id,
            "status": r.status.value,
            "campaign_id": r.campaign_id,
            "to_number": r.to_number,
            "attempt": r.attempt,
            "duration_s": (
                max(0, round((now - r.started_at).total_seconds())) if r.started_at else None
            ),
        }
        for r in view.active
    ]
    c = view.concurrency
    report.concurrency = {
        "in_flight": c.in_flight,
        "cap": c.cap,
        "peak": c.peak,
        "queued": c.queued,
        "retry_wave_partial": c.wave_partial,
        "retry_wave": [
            {"at": iso(b.at), "calls": b.calls, "projected": b.projected, "over_cap": b.over_cap}
            for b in c.wave
        ],
    }
    for key, fresh in sorted(engine.store.freshness.items()):
        if fresh.error is not None:
            report.fail(key, fresh.error)
    attribution = engine.store.tally.attribution
    report.counts_attribution = {
        "endings_seen": attribution.endings,
        "attributed": attribution.attributed,
    }
    return report


def render_table(report: Report) -> str:
    """A human summary; every API string goes through `to_display`."""
    lines = [f"DialNexa snapshot at {iso(report.generated_at)} from {report.base_url}"]
    if report.call:
        c = report.call
        lines.append("")
        lines.append(
            f"Call {to_display(c['id'], 40)}  status {c['status']}  "
            f"duration {c['duration_s'] if c['duration_s'] is not None else '–'} s  "
            f"summary {c['summary_status'] or '–'}"
        )
        lines.append(f"  {'#':>2}  {'outcome':<12} {'dur s':>6}  {'placed at':<20}  {'gap':>8}")
        for a in c["attempts"]:
            gap = "–" if a["gap_s"] is None else f"{a['gap_s'] // 60}m{a['gap_s'] % 60:02d}s"
            lines.append(
                f"  {a['attempt']:>2}  {a['outcome']:<12} "
                f"{a['duration_s'] if a['duration_s'] is not None else '–':>6}  "
                f"{a['called_at'] or '–':<20}  {gap:>8}"
            )
        if c["next_retry_at"]:
            lines.append(f"  next retry ≈ {c['next_retry_at']}")
    if report.campaigns:
        lines.append("")
        header = "  ".join(f"{s.value:>11}" for s in OUTCOME_COLUMNS)
        lines.append(f"{'campaign':<24} {'total':>7}  {header}  connect")
        for row in report.campaigns:
            counts = "  ".join(
                f"{'?' if row['counts'][s.value] is None else row['counts'][s.value]:>11}"
                for s in OUTCOME_COLUMNS
            )
            rate = row["connect_rate"]
            total = "?" if row["total"] is None else row["total"]
            lines.append(
                f"{to_display(row['id'], 24):<24} {total:>7}  {counts}  "
                f"{'—' if rate is None else f'{rate:.0%}'}"
            )
    for err in report.errors:
        lines.append(f"error: {to_display(err['resource'], 60)}: {to_display(err['message'], 200)}")
    return "\n".join(lines)


def _progress(message: str) -> None:
    print(f"snapshot: {message}", file=sys.stderr, flush=True)


def _usage(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def run_snapshot(args: argparse.Namespace) -> int:
    for value, what in [(args.call, "call id"), *((c, "campaign id") for c in args.campaign)]:
        if value is not None:
            try:
                check_id(value, what)
            except BadPayload:
                return _usage(
                    f"{what.capitalize()} {to_display(value, 60)!r} is not a valid id: ids are "
                    "letters, digits, '_' and '-' (for example call_x9y3zp4mq7r1)."
                )
    transport: httpx.AsyncBaseTransport | None = None
    try:
        # --demo never reads a key: no key-file check, no keyring prompt.
        settings = settings_from_args(args, load_key=not args.demo)
        key = None if args.demo else require_api_key(settings)
    except ConfigError as exc:
        return _usage(str(exc))
    base_url = settings.base_url
    if args.demo:
        from monitor.sim import Simulator

        sim = Simulator.create(scenario=args.scenario, seed=args.seed, speed=args.speed)
        transport, base_url = sim.transport(), sim.base_url
        key = SecretStr(sim.server.api_key)
        if settings.concurrency_cap is None:
            settings = settings.model_copy(update={"concurrency_cap": sim.world.cap})

    async def main() -> Report:
        clock = SystemClock()
        async with DialNexaClient(base_url, key, transport=transport, clock=clock) as client:
            if args.call is None and not args.campaign:
                wait = bool(getattr(args, "wait", False))
                return await read_dashboard(
                    client, settings, clock, wait=wait, progress=_progress if wait else None
                )
            return await collect(
                client,
                call_id=args.call,
                campaign_ids=list(args.campaign),
                clock=clock,
                qualified_key=settings.qualified_key,
            )

    report = asyncio.run(main())
    if args.format == "table":
        print(render_table(report))
    else:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=True))
    for err in report.errors:
        print(f"snapshot: {err['resource']}: {to_display(err['message'], 300)}", file=sys.stderr)
    return 1 if report.errors else 0
