"""Pydantic models that read every documented spelling and hold the canonical one.

Each model's `before` validator maps the vendor's spellings (API sheet sections 3 and 13) onto
canonical field names and reads each with its reader (`monitor.api.fields`): what can be read is
("145" seconds), what cannot is "not known" and named in `unread`, so only a record without an
id is refused; errors name the field, never its value (`hide_input_in_errors`). Only the fields
a read had a value for reach pydantic, so `model_fields_set` is what the read said (the store
merges by it). The OpenAPI requires only `id` of a call: a call without a status is `unknown`.
Strings from the API are kept exactly as received: making them safe to show is the display
layer's job (`monitor.display`), done where text meets a terminal.

The models live in three modules by what they read: a call record here, a campaign
(`monitor.api.campaign`), a retry history (`monitor.api.retryhistory`); what they share is in
`monitor.api.modelbase`. This module re-exports them all: callers import from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, model_validator

from monitor.api.campaign import AttemptStage, Campaign
from monitor.api.fields import (
    Count,
    Duration,
    FreeForm,
    Readers,
    RequiredId,
    Text,
    Timestamp,
    read_duration,
    read_fields,
    read_mapping,
    read_number_of,
    read_text,
    read_timestamp,
)
from monitor.api.fields import pick as _pick
from monitor.api.modelbase import ApiModel, RetryConfig, status_fields
from monitor.api.retryhistory import Attempt, RetryHistory, parse_retry_history
from monitor.api.rowcache import Volatile
from monitor.api.vocab import DOCUMENTED_CALL_WORDS, FINAL_STATUSES, CallStatus, fold

__all__ = [
    "DURATION_KEYS",
    "LIVE_DURATION",
    "ApiModel",
    "Attempt",
    "AttemptStage",
    "Call",
    "Campaign",
    "RetryConfig",
    "RetryHistory",
    "parse_retry_history",
]


DURATION_KEYS = ("duration_seconds", "duration_sec", "duration", "duration_in_seconds")
"""A call's duration, in every spelling, in the order they are read."""

_CALL_READERS: Readers = {
    "duration_s": read_duration,
    "created_at": read_timestamp,
    "ended_at": read_timestamp,
    "analysis": read_mapping,
    "metadata": read_mapping,
    "attempt": read_number_of,
    "retry": read_mapping,
    **dict.fromkeys(
        (
            "log_id",
            "to_number",
            "from_number",
            "agent_id",
            "campaign_id",
            "end_reason",
            "recording_url",
            "sentiment",
            "direction",
            "retry_group_id",
            "summary_status",
        ),
        read_text,
    ),
}


class Call(ApiModel):
    """One dial attempt as a call record (GET /calls, /calls/{id}, call logs, batch call logs)."""

    id: RequiredId
    status: CallStatus = CallStatus.UNKNOWN
    """`unknown` also when the read said no status at all (the OpenAPI requires only `id`)."""
    status_raw: str | None = None
    """The word the API sent, kept beside the canonical one."""
    log_id: Text = None
    """A call log's own id when the log also names its call (`log_…` beside `call_id`)."""
    to_number: Text = None
    from_number: Text = None
    created_at: Timestamp = None
    ended_at: Timestamp = None
    duration_s: Duration = None
    agent_id: Text = None
    campaign_id: Text = None
    end_reason: Text = None
    recording_url: Text = None
    sentiment: Text = None
    direction: Text = None
    analysis: FreeForm = None
    """Post-call analysis; None means it has not arrived (yet)."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    attempt: Count = None
    retry_group_id: Text = None
    """The first attempt's call id, linking every attempt of one retry series."""
    retry: RetryConfig | None = None
    summary_status: Text = None
    unread: tuple[str, ...] = ()
    """Fields this read had but could not be read (shown as not known, never as a value)."""

    @property
    def status_documented(self) -> bool:
        return self.status_raw is None or fold(self.status_raw) in DOCUMENTED_CALL_WORDS

    @model_validator(mode="before")
    @classmethod
    def _spellings(cls, raw: Any) -> Any:
        if not isinstance(raw, Mapping):
            raise ValueError("a call must be a JSON object")
        status, status_raw = status_fields(raw, "status", "call_status")
        call_id = raw.get("call_id")
        own_id = raw.get("id")
        if call_id is not None and own_id is not None and call_id != own_id:
            ident, log_id = call_id, own_id
        else:
            ident, log_id = (call_id if call_id is not None else own_id), None
        campaign = _pick(raw, "campaign_id", "campaignId", "batch_id", "batch_call_id")
        if campaign is None and raw.get("category") == "batch":
            campaign = raw.get("category_id")
        fields = read_fields(
            {
                "status": status,
                "status_raw": status_raw,
                "log_id": log_id,
                "to_number": _pick(raw, "to_phone_number", "to_number", "phone_number"),
                "from_number": _pick(raw, "from_phone_number", "from_number"),
                "created_at": _pick(
                    raw, "created_at", "createdAt", "called_time", "initiated_at", "called_at"
                ),
                "ended_at": _pick(raw, "ended_at", "endedAt"),
                "duration_s": _pick(raw, *DURATION_KEYS),
                "agent_id": _pick(raw, "agent_id", "agentId"),
                "campaign_id": campaign,
                "end_reason": _pick(raw, "end_reason", "disconnection_reason"),
                "recording_url": _pick(raw, "recording_url", "recording_sas_url"),
                "sentiment": raw.get("sentiment"),
                "direction": _pick(raw, "call_direction", "direction"),
                "analysis": _pick(raw, "analysis", "post_call_analysis", "postcallanalysis"),
                "metadata": raw.get("metadata"),
                "attempt": _pick(raw, "attempt", "attempt_number", "retry_attempt"),
                "retry_group_id": _pick(raw, "retry_group_id", "parent_call_id"),
                "retry": raw.get("retry"),
                "summary_status": _pick(raw, "summary_status", "retry_summary_status"),
            },
            _CALL_READERS,
        )
        if ident is not None:
            fields["id"] = ident  # read by `RequiredId`, which refuses the record without one
        return fields


def _new_duration(record: Call, row: Mapping[str, Any]) -> Call | None:
    """`Call.model_validate(row)` for a row equal to the one `record` was read from but for its
    duration (an in-flight call read again a second later): the record with the duration
    re-read, where both reads have one that reads (else None: read in full). Exactly the full
    read: every other field comes from equal values, and the fields it carried and could not
    read are the same."""
    if "duration_s" not in record.model_fields_set or "duration_s" in record.unread:
        return None
    try:
        seconds = read_duration(_pick(row, *DURATION_KEYS))
    except (ValueError, TypeError):
        return None
    if seconds is None:
        return None
    return record.model_copy(update={"duration_s": seconds})


def _may_tick(record: Call) -> bool:
    """An ended call's duration no longer moves from one read to the next."""
    return record.status not in FINAL_STATUSES


LIVE_DURATION: Volatile[Call] = Volatile(DURATION_KEYS, _new_duration, _may_tick)
"""What changes on every read of a call in flight (`monitor.api.rowcache`)."""
