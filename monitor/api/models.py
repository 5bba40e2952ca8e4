"""Pydantic models that read every documented spelling and hold the canonical one.

Each model's `before` validator maps the vendor's spellings (API sheet sections 3 and 13) onto
canonical field names and reads each with its reader (`monitor.api.fields`): what can be read is
("145" seconds), what cannot is "not known" and named in `unread`, so only a record without an
id is refused; errors name the field, never its value (`hide_input_in_errors`). Only the fields
a read had a value for reach pydantic, so `model_fields_set` is what the read said (the store
merges by it). The OpenAPI requires only `id` of a call: a call without a status is `unknown`.
Strings from the API are kept exactly as received: making them safe to show is the display
layer's job (`monitor.display`), done where text meets a terminal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from monitor.api.fields import (
    Count,
    Duration,
    FreeForm,
    Readers,
    RequiredId,
    Text,
    Timestamp,
    read_count,
    read_duration,
    read_fields,
    read_mapping,
    read_number_of,
    read_text,
    read_timestamp,
)
from monitor.api.fields import pick as _pick
from monitor.api.vocab import (
    DOCUMENTED_CALL_WORDS,
    CallStatus,
    ContainerStatus,
    classify_call_status,
    classify_container_status,
    fold,
)


class ApiModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)


class RetryConfig(ApiModel):
    """Auto-retry settings, per call (`retry`) or per campaign (`retry_config`)."""

    max_retries: Count = None
    wait_minutes: float | None = None
    retry_on_voicemail: bool = False
    retry_on_no_answer: bool = True
    retry_on_busy: bool = True

    @model_validator(mode="before")
    @classmethod
    def _spellings(cls, raw: Any) -> Any:
        if not isinstance(raw, Mapping):
            return raw
        wait = _pick(raw, "wait_minutes", "retry_interval_minutes", "interval_minutes")
        if wait is not None:
            try:
                wait = float(wait)
            except (TypeError, ValueError):
                wait = None
            if wait is not None and (not math.isfinite(wait) or wait < 0):
                wait = None
        out: dict[str, Any] = {
            "max_retries": _pick(raw, "max_retries", "number_of_retries"),
            "wait_minutes": wait,
        }
        for flag in ("retry_on_voicemail", "retry_on_no_answer", "retry_on_busy"):
            if isinstance(raw.get(flag), bool):
                out[flag] = raw[flag]
        return out


def _status_fields(
    raw: Mapping[str, Any], *status_names: str
) -> tuple[CallStatus | None, str | None]:
    """The canonical status and the raw word; (None, None) when the read said neither a status
    nor an end reason (the model's default, `unknown`, then stands, and a merge keeps the
    status an earlier read gave)."""
    status = _pick(raw, *status_names)
    status_text = status if isinstance(status, str) else None
    reason = _pick(raw, "end_reason", "disconnection_reason")
    reason_text = reason if isinstance(reason, str) else None
    if status_text is None and reason_text is None:
        return None, None
    return classify_call_status(status_text, reason_text), status_text


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
        status, status_raw = _status_fields(raw, "status", "call_status")
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
                "duration_s": _pick(
                    raw, "duration_seconds", "duration_sec", "duration", "duration_in_seconds"
                ),
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


class Attempt(ApiModel):
    """One row of a call's retry history."""

    attempt: int
    outcome: CallStatus = CallStatus.UNKNOWN
    outcome_raw: str | None = None
    duration_s: Duration = None
    """Connected seconds; None means the API did not say (not zero)."""
    called_at: Timestamp = None
    ended_at: Timestamp = None
    call_id: Text = None

    @model_validator(mode="before")
    @classmethod
    def _spellings(cls, raw: Any) -> Any:
        if not isinstance(raw, Mapping):
            raise ValueError("an attempt must be a JSON object")
        outcome, outcome_raw = _status_fields(raw, "status", "outcome")
        number = read_count(_pick(raw, "attempt", "attempt_number"))
        if number is None:
            raise ValueError("attempt number missing")
        fields = read_fields(
            {
                "outcome": outcome,
                "outcome_raw": outcome_raw,
                "duration_s": _pick(
                    raw, "duration_sec", "duration_seconds", "duration", "duration_s"
                ),
                "called_at": _pick(raw, "called_at", "timestamp", "created_at", "createdAt"),
                "ended_at": raw.get("ended_at"),
                "call_id": _pick(raw, "call_id", "id"),
            },
            _ATTEMPT_READERS,
        )
        fields.pop("unread", None)
        return {"attempt": number, **fields}


_ATTEMPT_READERS: Readers = {
    "duration_s": read_duration,
    "called_at": read_timestamp,
    "ended_at": read_timestamp,
    "call_id": read_text,
}


class RetryHistory(ApiModel):
    """Every dial attempt of one retry series, sorted by attempt then time (P17)."""

    call_id: str
    attempts: tuple[Attempt, ...] = ()
    skipped: int = 0
    """Rows that could not be read and were left out."""
    source: str = "call-logs"
    """`call-logs` (the retries endpoint), or `call-record`: no history of its own (a 404,
    or no such endpoint), one attempt from the call record."""


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


def parse_retry_history(payload: Any, requested_id: str) -> RetryHistory:
    """Read either documented retries shape (seed 000) into a sorted history.

    `call_id` may be missing (fall back to the id asked for); rows arrive in any order and are
    sorted by attempt, then time; exact duplicates are dropped, unreadable rows counted.
    """
    from monitor.api.errors import BadPayload
    from monitor.api.pages import unwrap

    payload = unwrap(payload)
    if isinstance(payload, list):
        rows: Any = payload
        call_id: Any = None
    elif isinstance(payload, dict):
        rows = next(
            (payload[k] for k in ("data", "attempts", "items", "retries") if k in payload), None
        )
        call_id = payload.get("call_id")
        if rows is None:
            rows = []
    else:
        raise BadPayload("Bad payload from the retries endpoint: not a JSON object", where="root")
    if not isinstance(rows, list):
        raise BadPayload("Bad payload from the retries endpoint: data is not a list", where="data")
    attempts: list[Attempt] = []
    skipped = 0
    seen: set[tuple[int, datetime | None, CallStatus]] = set()
    for row in rows:
        try:
            attempt = Attempt.model_validate(row)
        except ValueError:
            skipped += 1
            continue
        ident = (attempt.attempt, attempt.called_at, attempt.outcome)
        if ident in seen:
            continue
        seen.add(ident)
        attempts.append(attempt)
    far_future = datetime.max.replace(tzinfo=UTC)
    attempts.sort(key=lambda a: (a.attempt, a.called_at or far_future))
    return RetryHistory(
        call_id=call_id if isinstance(call_id, str) and call_id else requested_id,
        attempts=tuple(attempts),
        skipped=skipped,
    )
