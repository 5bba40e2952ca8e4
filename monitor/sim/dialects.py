"""How the world's records are spelled on the wire, in three dialects.

- `canonical`: the reference site's conventions, one spelling each: `{data, meta}` envelopes,
  snake_case fields (`to_phone_number`, `created_at`, `duration_seconds`, `campaign_id`).
- `openapi`: the vendor's OpenAPI shapes: a bare array for `/calls`, `{items,total,page,limit}`
  for `/batch-calls`, `{callLogs,total,page,limit,totalPages}` for `/batch-calls/{id}`, and
  `createdAt`, `duration`, `to_number`, `batch_id` and the OpenAPI status enum (which has no
  in-progress word: an answered call is `received`; voicemail is `completed` with end_reason
  `voicemail_detected`). Paths the OpenAPI lacks keep the reference shapes.
- `mixed` (the default): every documented variant, the way the vendor's pages disagree, chosen
  deterministically per record and endpoint, so a record keeps its spelling from poll to poll.

Nothing here decides *what* is true; the world does. This module only spells it.
"""

from __future__ import annotations

import math
from typing import Any

from monitor.sim import names
from monitor.sim.campaign_spelling import CampaignSpelling
from monitor.sim.model import (
    COMPLETED,
    VOICEMAIL,
    Call,
    Series,
)
from monitor.sim.vocabulary import (
    CANONICAL_STATUS,
    DIALECTS,
    MIXED_CAMPAIGN_STATUS,
    MIXED_STATUS,
    OPENAPI_STATUS,
    STATUS_SYNONYMS,
    meta,
    normalise_status,
    parse_status_filter,
    spread,
)

__all__ = [
    "CANONICAL_STATUS",
    "DIALECTS",
    "MIXED_CAMPAIGN_STATUS",
    "MIXED_STATUS",
    "OPENAPI_STATUS",
    "STATUS_SYNONYMS",
    "Renderer",
    "meta",
    "normalise_status",
    "parse_status_filter",
]


class Renderer(CampaignSpelling):
    """Spells world records in one dialect; cheap to build per request."""

    def call_status(self, status: str, bits: int, *, reference: bool = False) -> str:
        """The status word; `reference` marks paths the OpenAPI lacks (they keep the site's)."""
        if self.mixed:
            choices = MIXED_STATUS.get(status)
            return status if choices is None else choices[bits % len(choices)]
        if self.openapi and not reference:
            return OPENAPI_STATUS.get(status, status)
        return CANONICAL_STATUS.get(status, status)

    def lead_info(self, call: Call) -> tuple[str, dict[str, Any]]:
        """The lead's number and metadata; derived once per series, as every poll needs them."""
        series = call.series
        if series.lead_info is None:
            w = self.world
            c = call.campaign
            lead = call.lead
            token = names.token(spread(names.mix(w.seed, "lead", c.index, lead)), 10)
            series.lead_info = (
                names.phone(w.seed, c.index, lead, c.spec.country_code),
                {
                    "customer_name": names.customer_name(w.seed, c.index, lead, w.hostile_names),
                    "account_id": names.account_id(w.seed, c.index, lead),
                    "lead_id": "lead_" + token,
                },
            )
        return series.lead_info

    def metadata(self, call: Call) -> dict[str, Any]:
        # A copy: faults rewrite payloads in place.
        return dict(self.lead_info(call)[1])

    def to_number(self, call: Call) -> str:
        return self.lead_info(call)[0]

    @staticmethod
    def recording(call: Call) -> str | None:
        if call.end_t is not None and call.status in (COMPLETED, VOICEMAIL):
            return f"https://recordings.dialnexa.com/{call.id}.mp3"
        return None

    # ------------------------------------------------------------------ calls

    def call(self, call: Call, endpoint: str = "calls", *, detail: bool = False) -> dict[str, Any]:
        """A call record as `/calls`, `/calls/{id}` and `/batch-calls/{id}` serve it."""
        w = self.world
        c = call.campaign
        bits = self.variant(call.id, endpoint) if self.mixed else 0
        to = self.to_number(call)
        duration = call.connected_seconds(w.t)
        if self.openapi or (self.mixed and bits & 4):
            numbers = {"to_number": to, "from_number": c.from_number}
        else:
            numbers = {"to_phone_number": to, "from_phone_number": c.from_number}
        if self.openapi:
            created_key, duration_key, link_key, analysis_key = (
                "createdAt", "duration", "batch_id", "postcallanalysis",
            )  # fmt: skip
        elif self.mixed:
            created_key = ("created_at", "createdAt", "called_time")[(bits >> 3) % 3]
            duration_key = ("duration_seconds", "duration", "duration_sec")[(bits >> 5) % 3]
            link_key = ("campaign_id", "batch_id")[(bits >> 7) & 1]
            analysis_key = ("analysis", "postcallanalysis", "post_call_analysis")[(bits >> 8) % 3]
        else:
            created_key, duration_key, link_key, analysis_key = (
                "created_at", "duration_seconds", "campaign_id", "analysis",
            )  # fmt: skip
        record: dict[str, Any] = {
            "id": call.id,
            "agent_id": c.agent_id,
            link_key: c.id,
            **numbers,
            "status": self.call_status(call.status, bits),
            "call_direction": "outbound",
            "type": "phone",
            created_key: w.iso(call.created_t),
            "ended_at": w.iso(call.end_t),
            duration_key: duration,
            "end_reason": call.end_reason,
        }
        recording_key = (
            "recording_sas_url" if self.mixed and (bits >> 10) % 4 == 0 else ("recording_url")
        )
        record[recording_key] = self.recording(call)
        record["sentiment"] = call.sentiment
        record[analysis_key] = call.analysis
        record["metadata"] = self.metadata(call)
        record["retry_group_id"] = call.parent_id
        if not (self.mixed and (bits >> 12) % 4 == 0):
            record["attempt"] = call.attempt
        record["retry"] = c.retry.as_call_retry()
        if detail:
            record["transcript"], record["summary"] = self.transcript(call)
        return record

    def transcript(self, call: Call) -> tuple[str | None, str | None]:
        if call.status != COMPLETED or call.analysis is None:
            return None, None
        first = self.metadata(call)["customer_name"].split(" ")[0]
        interest = call.analysis.get("interest_level", "medium")
        return (
            f"Agent: Hello {first}, this is a call from {call.campaign.name}. "
            f"User: Thanks for calling, tell me more.",
            f"Customer showed {interest} interest.",
        )

    def wrap(self, key: str, record: dict[str, Any], endpoint: str) -> Any:
        """In `mixed`, some single objects come in the `{statusCode, message, data}` wrapper."""
        if self.mixed and self.variant(key, endpoint + ":wrap") % 3 == 0:
            return {"statusCode": 200, "message": "Success", "data": record}
        return record

    def call_list(
        self, items: list[Call], total: int, page: int, limit: int, endpoint: str = "calls"
    ) -> Any:
        """`GET /calls`: a bare array (OpenAPI, and what real traffic is reported to do) or
        `{data, meta}` (reference site)."""
        rows = [self.call(c, endpoint) for c in items]
        if self.dialect == "canonical":
            return {"data": rows, "meta": meta(page, limit, total)}
        return rows

    def batch_calls(self, items: list[Call], total: int, page: int, limit: int) -> Any:
        """`GET /batch-calls/{id}` in the OpenAPI shape."""
        return {
            "callLogs": [self.call(c, "batch-calls") for c in items],
            "total": total,
            "page": page,
            "limit": limit,
            "totalPages": math.ceil(total / limit) if limit else 0,
        }

    # -------------------------------------------------------------- call logs

    def log(
        self, call: Call, endpoint: str = "call-logs", *, detail: bool = False
    ) -> dict[str, Any]:
        """A call log (`/call-logs*`): seed 002's two variants (log id + call_id, or call id)."""
        w = self.world
        c = call.campaign
        bits = self.variant(call.id, endpoint) if self.mixed else 0
        short = self.mixed and bits & 1
        record: dict[str, Any] = (
            {"id": call.id} if short else {"id": "log_" + call.id[5:], "call_id": call.id}
        )
        record["agent_id"] = c.agent_id
        record["campaign_id"] = c.id
        record["status"] = self.call_status(call.status, bits >> 1, reference=True)
        record["sentiment"] = call.sentiment
        duration_key = "duration_sec" if short else "duration_seconds"
        record[duration_key] = call.connected_seconds(w.t)
        record["recording_url"] = self.recording(call)
        record["analysis"] = call.analysis
        record["created_at"] = w.iso(call.created_t)
        record["ended_at"] = w.iso(call.end_t)
        record["end_reason"] = call.end_reason
        if not short:
            record["fallback_stt_transcriber_id"] = None
        record["to_phone_number"] = self.to_number(call)
        record["from_phone_number"] = c.from_number
        record["metadata"] = self.metadata(call)
        record["retry_group_id"] = call.parent_id
        if not (self.mixed and (bits >> 12) % 4 == 0):
            record["attempt"] = call.attempt
        record["retry"] = c.retry.as_call_retry()
        if detail:
            record["transcript"] = self.transcript(call)[0]
            timeline = [("call_started", call.dial_t), ("call_answered", call.answer_t)]
            timeline.append(("call_ended", call.end_t))
            record["timeline"] = [
                {"event": e, "timestamp": w.iso(t)} for e, t in timeline if t is not None
            ]
        return record

    def log_list(
        self, items: list[Call], total: int, page: int, limit: int, endpoint: str, key: str
    ) -> dict[str, Any]:
        """`{data, meta}`; in `mixed`, some campaigns' pages leave out `totalPages` (seed 002)."""
        with_pages = not (self.mixed and endpoint == "campaign-logs" and names.mix(key) & 1)
        return {
            "data": [self.log(c, endpoint) for c in items],
            "meta": meta(page, limit, total, with_pages=with_pages),
        }

    def retries(self, series: Series, requested: str) -> dict[str, Any]:
        """`GET /call-logs/{id}/retries`: both documented shapes (seeds 000 and 001)."""
        w = self.world
        shape = 2
        if self.mixed:
            shape = 1 if self.variant(series.parent_id, "retries") & 1 else 2
        rows: list[dict[str, Any]] = []
        for a in series.attempts:
            placed = w.iso(a.dial_t)
            if shape == 1:
                status = CANONICAL_STATUS.get(a.status, a.status)
                rows.append({"attempt": a.attempt, "status": status, "timestamp": placed})
            else:
                status = (
                    MIXED_STATUS.get(a.status, (a.status,))[0]
                    if self.mixed
                    else CANONICAL_STATUS.get(a.status, a.status)
                )
                row: dict[str, Any] = {
                    "attempt": a.attempt,
                    "status": status,
                    "duration_sec": a.connected_seconds(w.t),
                    "called_at": placed,
                }
                if not self.mixed:
                    row["id"] = a.id
                rows.append(row)
        if shape == 1 or not self.mixed:
            return {"call_id": series.parent_id, "data": rows}
        return {"data": rows}
