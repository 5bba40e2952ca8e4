"""What a list endpoint selects: paging, the documented filters, their 400s.

Pure functions of the world and the query, so the routes only say which scope and which cap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime

from monitor.sim.model import (
    CAMPAIGN_CANCELLED,
    CAMPAIGN_COMPLETED,
    DRAFT,
    PAUSED,
    RUNNING,
    SCHEDULED,
    Call,
    Campaign,
)
from monitor.sim.vocabulary import parse_status_filter
from monitor.sim.world import World

REFERENCE_MAX_LIMIT = 100
"""The reference site's page cap (call-logs, campaigns, batch list)."""
OPENAPI_MAX_LIMIT = 200
"""The OpenAPI's cap for /calls and /batch-calls/{id}."""
CAMPAIGN_FILTER = {
    "draft": DRAFT,
    "running": RUNNING,
    "processing": RUNNING,
    "active": RUNNING,
    "waiting": SCHEDULED,
    "scheduled": SCHEDULED,
    "queued": SCHEDULED,
    "paused": PAUSED,
    "completed": CAMPAIGN_COMPLETED,
    "cancelled": CAMPAIGN_CANCELLED,
    "canceled": CAMPAIGN_CANCELLED,
    "deleted": CAMPAIGN_CANCELLED,
}


class BadRequest(Exception):
    """A query the vendor refuses with a 400 (its message, or a list of them)."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


Page = tuple[list[Call], int, int, int]
"""The items, the total that matched, the page and the (capped) limit."""


def select_calls(
    world: World, q: dict[str, str], max_limit: int, campaigns: list[Campaign] | None
) -> Page:
    page, limit = paging(q, max_limit)
    statuses = parse_status_filter(q.get("status"))
    scope = campaigns
    for key in ("batch_call_id", "campaign_id"):
        if q.get(key):
            wanted = {w.strip() for w in q[key].split(",")}
            base = scope if scope is not None else world.campaigns
            scope = [c for c in base if c.id in wanted]
    if q.get("agent_id"):
        agents = {a.strip() for a in q["agent_id"].split(",")}
        base = scope if scope is not None else world.campaigns
        scope = [c for c in base if c.agent_id in agents]
    where = call_predicate(q, world)
    newest_first = q.get("created_at", "desc").lower() != "asc"
    if q.get("call_id"):
        ids = [i.strip() for i in q["call_id"].split(",") if i.strip()]
        found = [c for c in (world.call(i) for i in ids) if c is not None]
        found = [
            c
            for c in found
            if (statuses is None or c.status in statuses)
            and (scope is None or c.campaign in scope)
            and (where is None or where(c))
        ]
        found.sort(key=lambda c: c.seq, reverse=newest_first)
        offset = (page - 1) * limit
        return found[offset : offset + limit], len(found), page, limit
    items, total = world.select(
        campaigns=scope,
        statuses=statuses,
        offset=(page - 1) * limit,
        limit=limit,
        newest_first=newest_first,
        where=where,
    )
    return items, total, page, limit


def select_campaigns(world: World, q: dict[str, str]) -> tuple[list[Campaign], int, int, int]:
    page, limit = paging(q, REFERENCE_MAX_LIMIT)
    campaigns = list(world.campaigns)
    raw = q.get("status")
    if raw and raw.strip():
        wanted = {CAMPAIGN_FILTER.get(s.strip().lower()) for s in raw.split(",")}
        campaigns = [c for c in campaigns if c.status in wanted]
    campaigns.sort(key=lambda c: (c.created_t, c.index), reverse=True)
    offset = (page - 1) * limit
    return campaigns[offset : offset + limit], len(campaigns), page, limit


def paging(q: dict[str, str], max_limit: int) -> tuple[int, int]:
    errors = []
    page = limit = 0
    try:
        page = int(q.get("page", "1"))
    except ValueError:
        errors.append("page must be an integer number")
    try:
        limit = int(q.get("limit", "20"))
    except ValueError:
        errors.append("limit must be an integer number")
    if not errors and page < 1:
        errors.append("page must not be less than 1")
    if not errors and limit < 1:
        errors.append("limit must not be less than 1")
    if errors:
        raise BadRequest(*errors)
    return page, min(limit, max_limit)


def _parse_when(value: str, name: str, world: World, end: bool) -> float:
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            ts = datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() + (86_400 if end else 0)
        else:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
            ts = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).timestamp()
    except ValueError:
        raise BadRequest(f"{name} must be a valid ISO 8601 date string") from None
    return ts - world.epoch


def call_predicate(q: dict[str, str], world: World) -> Callable[[Call], bool] | None:
    """The rare filters (sentiment, end reason, dates, durations), which need a scan."""
    tests: list[Callable[[Call], bool]] = []
    if q.get("sentiment"):
        sentiments = {s.strip().lower() for s in q["sentiment"].split(",")}
        tests.append(lambda c: (c.sentiment or "unknown") in sentiments)
    if q.get("end_reason"):
        reasons = {s.strip() for s in q["end_reason"].split(",")}
        tests.append(lambda c: c.end_reason in reasons)
    if q.get("start_date"):
        lo = _parse_when(q["start_date"], "start_date", world, end=False)
        tests.append(lambda c: c.created_t >= lo)
    if q.get("end_date"):
        hi = _parse_when(q["end_date"], "end_date", world, end=True)
        tests.append(lambda c: c.created_t < hi)
    for key, lower in (("duration_min", True), ("duration_max", False)):
        if q.get(key):
            try:
                bound = float(q[key])
            except ValueError:
                raise BadRequest(f"{key} must be a number") from None
            if math.isnan(bound):
                raise BadRequest(f"{key} must be a number")
            tests.append(_duration_test(world, bound, lower))
    if not tests:
        return None
    return lambda c: all(t(c) for t in tests)


def _duration_test(world: World, bound: float, lower: bool) -> Callable[[Call], bool]:
    if lower:
        return lambda c: c.connected_seconds(world.t) >= bound
    return lambda c: c.connected_seconds(world.t) <= bound
