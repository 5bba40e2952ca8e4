"""Reads that span more than one request, with the API sheet's fallbacks.

The reference site documents `/call-logs*` and `/campaigns*`, which the OpenAPI lacks; a 404 for
the path itself (`EndpointUnavailable`) switches that family to the OpenAPI equivalent for the
rest of the session (`Routes`), and the UI says which source is in use. Shared by `snapshot` and
the pollers so both read the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from monitor.api.client import DialNexaClient
from monitor.api.errors import BadRequest, EndpointUnavailable
from monitor.api.models import Call, Campaign, RetryConfig, RetryHistory
from monitor.api.pages import Page
from monitor.api.vocab import (
    FINAL_STATUSES,
    IN_FLIGHT_STATUSES,
    OUTCOME_COLUMNS,
    CallStatus,
    status_filter_words,
)
from monitor.state.derive import history_from_call

log = logging.getLogger(__name__)

Source = Literal["call-logs", "batch-calls", "calls"]


@dataclass
class Routes:
    """Which documented path serves each kind of data here; learnt from 404s, once."""

    campaign_logs: Source = "call-logs"
    """`/call-logs/campaign/{id}`, else `/batch-calls/{id}` (OpenAPI)."""
    campaigns: Literal["campaigns", "batch-calls"] = "campaigns"
    retries: Literal["call-logs", "call-record"] = "call-logs"
    """`/call-logs/{id}/retries`, else the call record alone (one attempt)."""
    voicemail_filter: bool = True
    """Whether `/calls` accepted `voicemail` in a status filter."""
    status_spelling: dict[CallStatus, str] = field(default_factory=dict)
    """Filter words that the API accepted, after a 400 made us try the other spelling."""

    def describe(self) -> str:
        """The fallbacks in use, in words; empty while every documented path answers."""
        parts = []
        if self.campaign_logs != "call-logs":
            parts.append(f"campaign calls via /{self.campaign_logs}")
        if self.campaigns != "campaigns":
            parts.append(f"campaigns via /{self.campaigns}")
        if self.retries != "call-logs":
            parts.append("retries from the call record only")
        return ", ".join(parts)


ACTIVE_STATUSES = (CallStatus.DIALING, CallStatus.IN_PROGRESS)


ACTIVE_WORDS = tuple(w for s in ACTIVE_STATUSES for w in status_filter_words(s, dialect="calls"))
FINAL_WORDS = (
    "completed",
    "no_answer",
    "did_not_pick",
    "busy",
    "failed",
    "voicemail",
    "cancelled",
    "retry_expired",
    "skipped",
)
OPTIONAL_WORDS = ("voicemail", "skipped")
"""Words the OpenAPI enum lacks (voicemail: dashboard pages; skipped: the concurrency page):
asked for, and left out if the API refuses them."""


async def fetch_active_calls(
    client: DialNexaClient, *, page: int = 1, limit: int = 100
) -> Page[Call]:
    """Calls in flight, from list requests (never one request per call)."""
    listed = await client.list_calls(page=page, limit=limit, statuses=ACTIVE_WORDS)
    # A status word this monitor does not know (`connected`) is in flight by the list's own
    # filter: kept, shown as unknown (`Store.listed_unknown`), never dropped from the count.
    return _keep(listed, lambda c: c.status in IN_FLIGHT_STATUSES or c.status is CallStatus.UNKNOWN)


QUEUED_WORDS = status_filter_words(CallStatus.QUEUED, dialect="calls")


async def fetch_queued_calls(
    client: DialNexaClient, *, page: int = 1, limit: int = 100, oldest_first: bool = False
) -> Page[Call]:
    """Calls placed but waiting for a slot (`created`): first dials and retries of a wave."""
    listed = await client.list_calls(
        page=page, limit=limit, statuses=QUEUED_WORDS, oldest_first=oldest_first
    )
    return _keep(listed, lambda c: c.status is CallStatus.QUEUED)


async def fetch_recent_endings(
    client: DialNexaClient, routes: Routes, *, limit: int = 100, page: int = 1
) -> Page[Call]:
    """The newest ended calls: outcomes of calls that left the active list, and retry ETAs.

    `voicemail` and `skipped` are not in the OpenAPI enum; if the API refuses them, ask
    without them.
    """
    words = [w for w in FINAL_WORDS if w not in OPTIONAL_WORDS or routes.voicemail_filter]
    try:
        got = await client.list_calls(page=page, limit=limit, statuses=words)
    except BadRequest:
        if not routes.voicemail_filter:
            raise
        routes.voicemail_filter = False
        got = await client.list_calls(
            page=page, limit=limit, statuses=[w for w in words if w not in OPTIONAL_WORDS]
        )
    return _keep(got, lambda c: c.status in FINAL_STATUSES)


SHORT_WORDS = ("busy", "failed")
"""The outcomes a call reaches within seconds of dialling (the OpenAPI enum's spelling)."""
SHORT_STATUSES = frozenset({CallStatus.BUSY, CallStatus.FAILED})


async def fetch_short_endings(
    client: DialNexaClient, *, page: int = 1, limit: int = 100
) -> Page[Call]:
    """The newest `busy` and `failed` calls (by creation): see `polling.short`."""
    listed = await client.list_calls(page=page, limit=limit, statuses=SHORT_WORDS)
    return _keep(listed, lambda c: c.status in SHORT_STATUSES)


class FilterIgnored(Exception):
    """The server answered a `call_id` lookup with calls that were not asked for."""


async def fetch_calls_by_id(client: DialNexaClient, ids: Sequence[str]) -> tuple[Call, ...]:
    """The current state of up to a page of known calls, in one request (`call_id` list).

    A server without the filter answers with its newest calls instead: that is
    `FilterIgnored`, never data. Ids it leaves out are simply not in the result.
    """
    wanted = set(ids)
    page = await client.list_calls(limit=len(ids), call_ids=ids)
    if any(c.id not in wanted for c in page.items):
        raise FilterIgnored
    return page.items


def _keep(page: Page[Call], predicate: Callable[[Call], bool]) -> Page[Call]:
    # Servers that ignore the filter still must not mix ended and live calls in a view. A
    # row that says no status is kept: the filter is all it tells, and the store's merge
    # keeps the status an earlier read gave (the OpenAPI requires only `id`).
    return replace(
        page,
        items=tuple(c for c in page.items if predicate(c) or "status" not in c.model_fields_set),
    )


async def fetch_campaign(client: DialNexaClient, routes: Routes, campaign_id: str) -> Campaign:
    if routes.campaigns == "campaigns":
        try:
            return await client.get_campaign(campaign_id)
        except EndpointUnavailable:
            log.info("/campaigns unavailable; using /batch-calls")
            routes.campaigns = "batch-calls"
    detail = await client.get_batch(campaign_id, limit=1)
    if detail.batch is not None:
        return detail.batch
    page = await client.list_batches(limit=100)
    for batch in page.items:
        if batch.id == campaign_id:
            return batch
    return Campaign(id=campaign_id)


async def fetch_campaign_list(
    client: DialNexaClient, routes: Routes, *, page: int = 1
) -> Page[Campaign]:
    if routes.campaigns == "campaigns":
        try:
            return await client.list_campaigns(page=page, limit=100)
        except EndpointUnavailable:
            routes.campaigns = "batch-calls"
    return await client.list_batches(page=page, limit=100)


async def campaign_calls_page(
    client: DialNexaClient,
    routes: Routes,
    campaign_id: str,
    *,
    page: int = 1,
    limit: int = 100,
    status: str | None = None,
) -> Page[Call]:
    """One page of a campaign's calls, from whichever source this API serves."""
    if routes.campaign_logs == "call-logs":
        try:
            return await client.list_campaign_logs(
                campaign_id, page=page, limit=limit, status=status
            )
        except EndpointUnavailable:
            log.info("/call-logs/campaign unavailable; using /batch-calls/{id}")
            routes.campaign_logs = "batch-calls"
    if routes.campaign_logs == "batch-calls":
        try:
            detail = await client.get_batch(campaign_id, page=page, limit=limit, status=status)
            if detail.calls is not None:
                return detail.calls
        except EndpointUnavailable:
            pass
        routes.campaign_logs = "calls"
    statuses = status.split(",") if status else None
    return await client.list_calls(
        page=page, limit=limit, statuses=statuses, batch_call_id=campaign_id
    )


async def _status_total(
    client: DialNexaClient, routes: Routes, campaign_id: str, status: CallStatus | None
) -> int | None:
    if status is None:
        page = await campaign_calls_page(client, routes, campaign_id, limit=1)
        return page.total
    # `/batch-calls/{id}` takes "the same filters as GET /calls" (API sheet 3.8): the OpenAPI
    # enum as a comma list; only the reference site's call-logs paths take hyphen forms.
    dialect = "logs" if routes.campaign_logs == "call-logs" else "calls"
    candidates = [routes.status_spelling[status]] if status in routes.status_spelling else []
    candidates += [",".join(status_filter_words(status, dialect=dialect)), status.value]
    for word in dict.fromkeys(candidates):
        try:
            page = await campaign_calls_page(client, routes, campaign_id, limit=1, status=word)
        except BadRequest:
            continue
        routes.status_spelling[status] = word
        return page.total
    return None


status_total = _status_total
"""One campaign's total for one status (None for all), `limit=1`: the cheapest count (3.5)."""


@dataclass(frozen=True, slots=True)
class CampaignCounts:
    campaign_id: str
    total: int | None
    counts: dict[CallStatus, int | None]
    """`None` where the API could not say (a filter it refused, or no totals on this source)."""


async def fetch_campaign_counts(
    client: DialNexaClient, routes: Routes, campaign_id: str
) -> CampaignCounts:
    """Per-outcome totals with `limit=1` requests: the cheapest documented count (3.5).

    The calls placed are read first (that read finds the route); when the outcomes read after
    it add up past it, it is read once more: every call counted with an outcome was placed by
    then, so outcomes still past it are impossible (flagged), not a race between the reads.
    """
    total = await _status_total(client, routes, campaign_id, None)
    counts: dict[CallStatus, int | None] = {}
    for status in OUTCOME_COLUMNS:
        counts[status] = await _status_total(client, routes, campaign_id, status)
    finals = sum(n or 0 for s, n in counts.items() if s in FINAL_STATUSES)
    if total is not None and finals > total:
        total = await _status_total(client, routes, campaign_id, None)
    return CampaignCounts(campaign_id=campaign_id, total=total, counts=counts)


async def fetch_retry_history(client: DialNexaClient, routes: Routes, call: Call) -> RetryHistory:
    """The retry series that `call` belongs to, by its parent (first attempt) id."""
    parent = call.retry_group_id or call.id
    if routes.retries == "call-logs":
        try:
            return await client.get_retries(parent)
        except EndpointUnavailable:
            log.info("/call-logs/{id}/retries unavailable; showing the call record alone")
            routes.retries = "call-record"
    return history_from_call(call)


async def fetch_retry_config(
    client: DialNexaClient, routes: Routes, call: Call
) -> RetryConfig | None:
    """The call's own retry settings, else its campaign's."""
    if call.retry is not None:
        return call.retry
    if call.campaign_id is None:
        return None
    campaign = await fetch_campaign(client, routes, call.campaign_id)
    return campaign.retry_config
