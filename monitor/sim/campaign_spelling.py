"""How campaigns and batches are spelled on the wire: `/campaigns*` and `/batch-calls*`.

The OpenAPI's batch objects (`title`, `total_records`, retry counts by depth) and the reference
site's (`name`, `total_leads`, `completed_calls`...), chosen per dialect as `dialects` explains.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from monitor.sim import names
from monitor.sim.model import (
    COMPLETED,
    Campaign,
)
from monitor.sim.vocabulary import DIALECTS, MIXED_CAMPAIGN_STATUS, meta
from monitor.sim.world import World


class CampaignSpelling:
    """Spells campaigns and batches in one dialect; the base of `Renderer`, which adds calls."""

    def __init__(self, world: World, dialect: str) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")
        self.world = world
        self.dialect = dialect
        self.mixed = dialect == "mixed"
        self.openapi = dialect == "openapi"

    # ---------------------------------------------------------------- helpers

    @staticmethod
    def variant(key: str, salt: str) -> int:
        """Stable bits per record and endpoint, from which each spelling choice is taken."""
        return names.mix(salt, key)

    def campaign_status(self, c: Campaign, family: str) -> str:
        if self.mixed:
            choices = MIXED_CAMPAIGN_STATUS[family].get(c.status)
            if choices is not None:
                return choices[self.variant(c.id, family) % len(choices)]
        return c.status

    # -------------------------------------------------------------- campaigns

    def retry_config(self, c: Campaign) -> dict[str, Any]:
        r = c.retry
        return {
            "max_retries": r.max_retries,
            "retry_interval_minutes": r.wait_minutes,
            "retry_on_voicemail": r.retry_on_voicemail,
            "retry_on_no_answer": r.retry_on_no_answer,
            "retry_on_busy": r.retry_on_busy,
        }

    def campaign(self, c: Campaign) -> dict[str, Any]:
        """`GET /campaigns/{id}` (API sheet §3.7); `mixed` leaves the counters out of some."""
        w = self.world
        record: dict[str, Any] = {
            "id": c.id,
            "organization_id": w.org_id,
            "name": c.name,
            "agent_id": c.agent_id,
            "from_phone_number": c.from_number,
            "status": self.campaign_status(c, "campaigns"),
            "max_concurrent_calls": c.cap,
            "scheduled_at": w.iso(c.start_t) if c.start_t else None,
            "retry_config": self.retry_config(c),
            "created_at": w.iso(c.created_t),
            **self.window(c),
        }
        if not (self.mixed and self.variant(c.id, "counters") % 3 == 0):
            record["total_leads"] = c.total_leads
            record["completed_calls"] = c.counts[COMPLETED]
            record["pending_calls"] = w.pending_calls(c)
        return record

    def campaign_list(self, items: list[Campaign], total: int, page: int, limit: int) -> Any:
        rows = [self.campaign(c) for c in items]
        if self.dialect == "canonical":
            return {"data": rows, "meta": meta(page, limit, total)}
        return {"items": rows, "total": total, "page": page, "limit": limit}

    # ---------------------------------------------------------------- batches

    def attempt_stages(self, c: Campaign) -> list[dict[str, int]]:
        stages = []
        for depth, attempted in enumerate(c.attempted_by_depth):
            total = c.total_leads if depth == 0 else c.retries_by_depth[depth]
            stages.append({"depth": depth, "attempted": attempted, "total": total})
        return stages

    def batch_openapi(self, c: Campaign) -> dict[str, Any]:
        w = self.world
        by_depth = c.retries_by_depth

        def depth(n: int) -> int | None:
            return by_depth[n] if n < len(by_depth) else None

        return {
            "id": c.id,
            "title": c.name,
            "status": self.campaign_status(c, "batches"),
            "total_records": c.total_leads,
            "createdAt": w.iso(c.created_t),
            "total_lead_count": c.total_leads,
            "sent_lead_count": c.attempted_by_depth[0],
            "picked_up_lead_count": c.completed_leads,
            "picked_up_calls": c.counts[COMPLETED],
            "last_call_sent_at": w.iso(c.last_dial_t),
            "number_of_retries": c.retry.max_retries,
            "first_retry_count": depth(1),
            "second_retry_count": depth(2),
            "third_retry_count": depth(3),
            "fourth_retry_count": depth(4),
            "attempt_stages": self.attempt_stages(c),
            **self.window(c),
        }

    def window(self, c: Campaign) -> dict[str, str]:
        """The batch's calling hours (the OpenAPI's `POST /batch-calls` fields), with the zone
        they are in; nothing for a campaign without a window."""
        window = c.spec.calling_window
        if window is None:
            return {}
        w = self.world

        def hhmm(t: float) -> str:
            return datetime.fromtimestamp(w.epoch + t, UTC).strftime("%H:%M")

        return {
            "calling_hours_start": hhmm(window[0]),
            "calling_hours_end": hhmm(window[1]),
            "timezone": "UTC",
        }

    def batch_reference(self, c: Campaign, *, alt: bool = False) -> dict[str, Any]:
        w = self.world
        record: dict[str, Any] = {
            "id": c.id,
            "name": c.name,
            "status": self.campaign_status(c, "batches"),
            "agent_id": c.agent_id,
            "created_at": w.iso(c.created_t),
        }
        if alt:
            record["total_calls"] = c.total_leads
            record["completed"] = c.counts[COMPLETED]
            record["failed"] = c.counts["failed"]
        else:
            record["total_leads"] = c.total_leads
            record["completed_calls"] = c.counts[COMPLETED]
            record["failed_calls"] = c.counts["failed"]
            record["pending_calls"] = w.pending_calls(c)
        record["max_concurrent_calls"] = c.cap
        record["attempt_stages"] = self.attempt_stages(c)
        record.update(self.window(c))
        return record

    def batch_item(self, c: Campaign) -> dict[str, Any]:
        if self.openapi:
            return self.batch_openapi(c)
        if self.mixed:
            v = self.variant(c.id, "batch-item") % 3
            return self.batch_openapi(c) if v == 0 else self.batch_reference(c, alt=v == 2)
        return self.batch_reference(c)

    def batch_list(self, items: list[Campaign], total: int, page: int, limit: int) -> Any:
        rows = [self.batch_item(c) for c in items]
        if self.dialect == "canonical":
            return {"data": rows, "meta": meta(page, limit, total)}
        return {"items": rows, "total": total, "page": page, "limit": limit}

    def batch_detail(self, c: Campaign) -> dict[str, Any]:
        """The reference site's flat batch object (canonical `/batch-calls/{id}`)."""
        record = self.batch_reference(c)
        record["from_phone_number"] = c.from_number
        record["retry_config"] = self.retry_config(c)
        record["number_of_retries"] = c.retry.max_retries
        return record
