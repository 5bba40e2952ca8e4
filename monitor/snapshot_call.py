"""`snapshot --call`: a call's record and its retry history, read independently.

Either may be missing (API sheet 3.2 and 3.6): a 404 on the call record with a retry history
present still prints the history; a 404 on the retry history of a call that exists means "no
retry history", one attempt from the record (`retry_source: call-record`), not an error. The
record must be the one asked for: an answer with another id is an error, never printed as if
it were the call. Also here: one patient retry of a 429, 5xx or timeout, for every read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from monitor.api.client import DialNexaClient
from monitor.api.errors import ApiError, BadPayload, EndpointUnavailable, NotFound, RateLimited
from monitor.api.models import Call, RetryHistory
from monitor.api.vocab import CallStatus
from monitor.clock import Clock
from monitor.polling.fetch import Routes, fetch_retry_config
from monitor.report import Report, iso
from monitor.state.calltime import call_clock, live_duration
from monitor.state.derive import Timeline, build_timeline, history_from_call, reconcile

T = TypeVar("T")

RATE_LIMIT_WAIT_MAX_S = 30.0
"""`snapshot` waits out one 429 for at most this long (INTERFACE.md)."""
RETRY_BACKOFF_S = 1.0


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


def attempts_json(timeline: Timeline, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "attempt": row.attempt,
            "outcome": row.outcome.value,
            # The attempt in flight: since placed, the call's own clock (as `duration_s` above).
            "duration_s": live_duration(row.called_at, now)[0] if row.live else row.duration_s,
            **({"duration_label": "since placed"} if row.live else {}),
            "called_at": iso(row.called_at),
            "gap_s": row.gap_s,
            **({"flags": list(row.flags)} if row.flags else {}),
            **({"outcome_raw": row.outcome_raw} if row.outcome is CallStatus.UNKNOWN else {}),
        }
        for row in timeline.rows
    ]


def call_json(call: Call, timeline: Timeline, now: datetime) -> dict[str, Any]:
    clock = call_clock(call, now)
    out: dict[str, Any] = {
        "id": call.id,
        "status": call.status.value,
        "duration_s": clock.duration_s,
        "duration_label": clock.label,
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
        "attempts": attempts_json(timeline, now),
        "next_retry_at": iso(timeline.next_retry_at),
        "next_retry_overdue": timeline.overdue,
        "attempts_left": timeline.attempts_left,
    }
    if clock.flags:
        out["flags"] = list(clock.flags)
    if call.unread:
        out["unread"] = list(call.unread)
    if call.status is CallStatus.UNKNOWN or not call.status_documented:
        out["status_raw"] = call.status_raw
    return out


def history_only_json(call_id: str, timeline: Timeline, now: datetime) -> dict[str, Any]:
    """The call record could not be read (404) but its retry history could: the history, and
    nulls (not known) where only the record could say."""
    rows = timeline.rows
    last = rows[-1] if rows else None
    return {
        "id": call_id,
        "status": last.outcome.value if last else None,
        "duration_s": last.duration_s if last else None,
        "duration_label": "connected",
        "campaign_id": None,
        "created_at": iso(last.called_at) if last else None,
        "ended_at": None,
        "summary_status": timeline.summary,
        "attempts": attempts_json(timeline, now),
        "next_retry_at": iso(timeline.next_retry_at),
        "next_retry_overdue": timeline.overdue,
        "attempts_left": timeline.attempts_left,
        "record": "not found (404): the retry history alone",
    }


async def _read_record(
    client: DialNexaClient, call_id: str, report: Report, clock: Clock
) -> tuple[Call | None, bool]:
    """The call record, or None; and whether the API said it does not exist (404)."""
    resource = f"call/{call_id}"
    try:
        call = await patiently(lambda: client.get_call(call_id), clock)
    except NotFound as exc:
        report.fail(resource, exc)
        return None, True
    except ApiError as exc:
        report.fail(resource, exc)
        return None, False
    if call.id != call_id:
        report.fail(
            resource,
            BadPayload(
                f"The API answered /calls/{call_id} with another call's record; not shown",
                where="id",
            ),
        )
        return None, False
    return call, False


async def _read_history(
    client: DialNexaClient,
    routes: Routes,
    call: Call | None,
    call_id: str,
    report: Report,
    clock: Clock,
) -> RetryHistory | None:
    """The retry series; None when there is none to read (the source is in `routes.retries`)."""
    parent = (call.retry_group_id or call.id) if call is not None else call_id
    if routes.retries == "call-record":
        return None
    try:
        return await patiently(lambda: client.get_retries(parent), clock)
    except EndpointUnavailable:
        routes.retries = "call-record"
    except NotFound as exc:
        if call is None:
            report.fail(f"retries/{parent}", exc)
        # A call that exists with no history of its own: one attempt, from the record.
    except ApiError as exc:
        report.fail(f"retries/{parent}", exc)
    return None


async def read_call(
    client: DialNexaClient, routes: Routes, call_id: str, report: Report, clock: Clock
) -> None:
    call, gone = await _read_record(client, call_id, report, clock)
    if call is None and not gone:
        return
    history = await _read_history(client, routes, call, call_id, report, clock)
    if history is not None and not history.attempts and call is not None:
        history = None  # an empty history says no more than the record itself
    source = "call-logs" if history is not None else "call-record"
    if call is None:
        if history is None or not history.attempts:
            return
        timeline = build_timeline(history, None, clock.now())
        report.call = history_only_json(call_id, timeline, clock.now())
        report.call["retry_source"] = source
        return
    try:
        config = await patiently(lambda: fetch_retry_config(client, routes, call), clock)
    except ApiError:
        config = None  # without settings the summary says "ended" rather than guess
    history = reconcile(history, call) if history is not None else history_from_call(call)
    report.call = call_json(call, build_timeline(history, config, clock.now()), clock.now())
    report.call["retry_source"] = source
