"""`dialnexa-monitor snapshot`: one read of the monitor's data, printed, for scripts.

The JSON is a contract (INTERFACE.md): fields may be added, never renamed; `monitor.report`
writes it, strictly valid whatever the API sent. Exit status: 0 everything requested was read;
1 some could not be (the JSON still prints, with `errors`); 2 usage or configuration error, one
paragraph on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from monitor.api.client import ID_PATTERN, DialNexaClient, check_id
from monitor.api.errors import ApiError, BadPayload
from monitor.api.models import Call
from monitor.api.vocab import OUTCOME_COLUMNS
from monitor.clock import Clock, SystemClock
from monitor.config import (
    CONFIG_PATH_ENV,
    ConfigError,
    Settings,
    require_api_key,
    settings_from_args,
)
from monitor.display import to_display
from monitor.polling.engine import Engine
from monitor.polling.fetch import (
    Routes,
    campaign_calls_page,
    fetch_campaign_counts,
)
from monitor.polling.oneshot import dashboard_round
from monitor.polling.scheduler import P_FOCUSED, PRIORITY
from monitor.report import Report
from monitor.snapshot_call import patiently, read_call
from monitor.snapshot_dashboard import (
    active_calls_json,
    campaign_json,
    concurrency_json,
    counts_not_read,
)
from monitor.snapshot_insights import insights_json
from monitor.state.derive import (
    connect_rate,
    qualified_rate,
)
from monitor.state.notes import count_flags
from monitor.state.tally import COUNTED_VALUES

T = TypeVar("T")


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
    counts = {s.value: figures.counts.get(s) for s in OUTCOME_COLUMNS}
    row: dict[str, Any] = {
        "id": campaign_id,
        "total": figures.total,
        "contact_list_size": None,  # the campaign record is not read here
        "flags": list(count_flags(counts, figures.total)),
        "counts": counts,
        "connect_rate": connect_rate(figures.counts),
        "qualified_rate": None,
        "analysed": 0,
        "analysis_pending": 0,
        "source": routes.campaign_logs,
    }
    report.campaigns.append(row)
    counts_not_read(report, campaign_id, counts)
    # The qualified rate needs each completed call's analysis: page the newest ones. A call
    # that ends while the pages are read pushes the others down a page, so a row can come
    # twice: each call counts once, as its last read says (as the live engine's store does).
    completed: dict[str, Call] = {}
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
        completed.update((call.id, call) for call in page.items)
        if page.is_last or page.raw_count < page.limit:
            break
    rate = qualified_rate(completed.values(), qualified_key)
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
    client.read_listeners.append(report.read_note)  # rows left out are errors, not a log line
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
    # Issue 19: the retry series one look needs for the insights (`RetryAudit.round_picks`),
    # ranked with the round's own reads (they are part of its answer), from what the round's
    # burst has left without waiting.
    engine = result.engine
    token = PRIORITY.set(P_FOCUSED)
    try:
        await engine.audit.read_now(
            lambda: engine.budget.allowed(clock.monotonic(), P_FOCUSED),
            lambda: engine.budget.wait_s(clock.monotonic(), P_FOCUSED),
        )
    finally:
        PRIORITY.reset(token)
    report = dashboard_report(result.engine, client.base_url, clock)
    for key, error in sorted(result.errors.items()):
        report.fail(key, error)
    for key, why in sorted(result.missing.items()):
        report.errors.append({"resource": key, "kind": "timeout", "message": why})
    return report


def dashboard_report(engine: Engine, base_url: str, clock: Clock) -> Report:
    view = engine.view()
    report = Report(base_url=base_url, generated_at=clock.now(), dashboard=True)
    c = view.concurrency
    for row in view.campaigns:
        # Pending analyses counted from whichever of its calls the lists brought are part of
        # a read not made (its completed calls): null, as its rate is (`update_qualified`).
        read = engine.counts.backfilled(row.id)
        report.campaigns.append(campaign_json(row, in_flight_known=not c.unknown, read=read))
        # A count the API has no total for (not one whose history is still to read: that is
        # `history_filling`, and a timeout when one round could not read it).
        silent = [s for s in COUNTED_VALUES if (row.id, s) in engine.counts.unavailable]
        if silent:
            counts_not_read(report, row.id, dict.fromkeys(silent))
    report.active_calls = active_calls_json(engine, view.now) if not c.unknown else None
    report.concurrency = concurrency_json(c)
    for note, _ in engine.store.read_notes.values():
        report.read_note(note)
    for row in view.campaigns:
        if not ID_PATTERN.fullmatch(row.id):
            report.errors.append(
                {
                    "resource": f"counts/{row.id}",
                    "kind": "bad_payload",
                    "message": "the campaign's id cannot be used in a request: counts not read",
                }
            )
    for key, fresh in sorted(engine.store.freshness.items()):
        if fresh.error is not None:
            report.fail(key, fresh.error)
    insights_json(report, engine)
    attribution = engine.store.tally.attribution
    report.counts_attribution = {
        "endings_seen": attribution.endings,
        "attributed": attribution.attributed,
    }
    return report


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
        if not args.demo:
            return _usage(str(exc))
        # As the live monitor's --demo: the demo needs nothing from the file; a broken one is
        # said, then left out, and the exit status is the data's.
        try:
            settings = settings_from_args(
                args, environ={**os.environ, CONFIG_PATH_ENV: os.devnull}, load_key=False
            )
        except ConfigError:
            return _usage(str(exc))  # not the file's doing (the environment, a flag)
        print(f"--demo: the config file is ignored: {exc}", file=sys.stderr)
        key = None
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
        from monitor.snapshot_table import render_table

        print(render_table(report))
    else:
        print(report.to_json_text())
    for err in report.errors:
        print(f"snapshot: {err['resource']}: {to_display(err['message'], 300)}", file=sys.stderr)
    return 1 if report.errors else 0
