"""A campaign (`/campaigns`) or a batch (`/batch-calls`), read by the rules of
`monitor.api.models`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import model_validator

from monitor.api.fields import (
    Count,
    Readers,
    RequiredId,
    Text,
    Timestamp,
    read_fields,
    read_number_of,
    read_text,
    read_timestamp,
)
from monitor.api.fields import pick as _pick
from monitor.api.modelbase import ApiModel, RetryConfig
from monitor.api.vocab import ContainerStatus, classify_container_status


class AttemptStage(ApiModel):
    depth: Count = None
    attempted: Count = None
    total: Count = None


_CAMPAIGN_READERS: Readers = {
    "name": read_text,
    "agent_id": read_text,
    "from_number": read_text,
    "max_concurrent_calls": read_number_of,
    "created_at": read_timestamp,
    "scheduled_at": read_timestamp,
    "starts_at": read_timestamp,
    "ends_at": read_timestamp,
    "calling_hours_start": read_text,
    "calling_hours_end": read_text,
    "timezone": read_text,
    "total": read_number_of,
    "completed": read_number_of,
    "failed": read_number_of,
    "pending": read_number_of,
}


class Campaign(ApiModel):
    """A campaign (`/campaigns`) or its OpenAPI equivalent, a batch (`/batch-calls`)."""

    id: RequiredId
    name: Text = None
    status: ContainerStatus = ContainerStatus.UNKNOWN
    status_raw: str | None = None
    agent_id: Text = None
    from_number: Text = None
    max_concurrent_calls: Count = None
    retry_config: RetryConfig | None = None
    created_at: Timestamp = None
    scheduled_at: Timestamp = None
    starts_at: Timestamp = None
    ends_at: Timestamp = None
    calling_hours_start: Text = None
    """`HH:MM`: the OpenAPI's batch fields (`POST /batch-calls`), read when a record has them."""
    calling_hours_end: Text = None
    timezone: Text = None
    """The zone of the calling hours when the record names one (IANA); the API states none."""
    total: Count = None
    """Leads or records in the campaign, under whichever counter name the API used."""
    completed: Count = None
    failed: Count = None
    pending: Count = None
    attempt_stages: tuple[AttemptStage, ...] = ()
    unread: tuple[str, ...] = ()
    """Fields this read had but could not be read (shown as not known, never as a value)."""

    @model_validator(mode="before")
    @classmethod
    def _spellings(cls, raw: Any) -> Any:
        if not isinstance(raw, Mapping):
            raise ValueError("a campaign must be a JSON object")
        status = raw.get("status")
        retry = raw.get("retry_config")
        if not isinstance(retry, dict):
            retries = raw.get("number_of_retries")
            retry = {"max_retries": retries} if retries is not None else None
        stages = raw.get("attempt_stages")
        fields = read_fields(
            {
                "name": _pick(raw, "name", "title"),
                "status": classify_container_status(status) if isinstance(status, str) else None,
                "status_raw": status if isinstance(status, str) else None,
                "agent_id": raw.get("agent_id"),
                "from_number": _pick(raw, "from_phone_number", "from_number"),
                "max_concurrent_calls": raw.get("max_concurrent_calls"),
                "retry_config": retry,
                "created_at": _pick(raw, "created_at", "createdAt"),
                "scheduled_at": raw.get("scheduled_at"),
                "starts_at": _pick(raw, "starts_at", "startsAt"),
                "ends_at": _pick(raw, "ends_at", "endsAt"),
                "calling_hours_start": _pick(raw, "calling_hours_start", "callingHoursStart"),
                "calling_hours_end": _pick(raw, "calling_hours_end", "callingHoursEnd"),
                "timezone": _pick(raw, "timezone", "time_zone", "calling_hours_timezone"),
                "total": _pick(
                    raw, "total_leads", "total_calls", "total_records", "total_lead_count"
                ),
                "completed": _pick(raw, "completed_calls", "completed", "picked_up_calls"),
                "failed": _pick(raw, "failed_calls", "failed"),
                "pending": raw.get("pending_calls"),
                # Never used for a figure: rows that are not objects are left out, not fatal.
                "attempt_stages": [s for s in stages if isinstance(s, dict)]
                if isinstance(stages, list)
                else None,
            },
            _CAMPAIGN_READERS,
        )
        ident = raw.get("id")
        if ident is not None:
            fields["id"] = ident
        return fields
