"""Pydantic models that read every documented spelling and hold the canonical one.

Each model's `before` validator maps the vendor's spellings (API sheet sections 3 and 13) onto
canonical field names; the typed fields then read what can be read (a duration sent as "145")
and reject what cannot, naming the field and never echoing its value (`hide_input_in_errors`).
Strings from the API are kept exactly as received: making them safe to show is the display
layer's job (`monitor.display`), done where text meets a terminal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from monitor.api.vocab import (
    DOCUMENTED_CALL_WORDS,
    CallStatus,
    ContainerStatus,
    classify_call_status,
    classify_container_status,
    fold,
)

MAX_DURATION_S = 7 * 24 * 3600
"""No call lasts a week: above this a duration is a unit error or garbage, not data (P4)."""


def _pick(raw: Mapping[str, Any], *names: str) -> Any:
    """The first of `names` present with a non-null value."""
    for name in names:
        value = raw.get(name)
        if value is not None:
            return value
    return None


def parse_datetime(value: Any) -> datetime | None:
    """Lenient timestamp reading (P11): ISO 8601 with or without ms/zone, epoch s or ms.

    Unreadable values ("Invalid Date", out-of-range epochs) read as "not known" rather than
    failing the whole record: a call with a bad timestamp is still worth showing, with a dash.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        seconds = value / 1000 if abs(value) > 100_000_000_000 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.endswith(("z", "Z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError):
            return None
    return None


def _duration(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("not a number of seconds")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError("not a number of seconds") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("not a number of seconds")
    if value < 0 or value > MAX_DURATION_S:
        raise ValueError("duration out of range")
    return round(value)


def _count(value: Any) -> int | None:
    """Counters: a negative or unreadable count is unknown, not an error (P9)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return int(number)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError("expected text")


def _carried(fields: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the read had a value for: pydantic then records exactly those in
    `model_fields_set`, which is what the store merges by (`monitor.state.merge`)."""
    return {name: value for name, value in fields.items() if value is not None}


def _mapping(value: Any) -> dict[str, Any] | None:
    """Free-form objects (metadata, analysis): a wrong type is treated as absent."""
    return dict(value) if isinstance(value, dict) else None


Duration = Annotated[int | None, BeforeValidator(_duration)]
Count = Annotated[int | None, BeforeValidator(_count)]
Text = Annotated[str | None, BeforeValidator(_text)]
Timestamp = Annotated[datetime | None, BeforeValidator(parse_datetime)]
FreeForm = Annotated[dict[str, Any] | None, BeforeValidator(_mapping)]


def _required_id(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError("missing or not an id")


RequiredId = Annotated[str, BeforeValidator(_required_id)]


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


def _status_fields(raw: Mapping[str, Any], *status_names: str) -> tuple[CallStatus, str | None]:
    status = _pick(raw, *status_names)
    status_text = status if isinstance(status, str) else None
    reason = _pick(raw, "end_reason", "disconnection_reason")
    reason_text = reason if isinstance(reason, str) else None
    if status_text is None and reason_text is None:
        raise ValueError("status missing")
    return classify_call_status(status_text, reason_text), status_text


class Call(ApiModel):
    """One dial attempt as a call record (GET /calls, /calls/{id}, call logs, batch call logs)."""

    id: RequiredId
    status: CallStatus
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
        metadata = raw.get("metadata")
        retry = raw.get("retry")
        return _carried(
            {
                "id": ident,
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
                "metadata": metadata if isinstance(metadata, dict) else None,
                "attempt": _pick(raw, "attempt", "attempt_number", "retry_attempt"),
                "retry_group_id": _pick(raw, "retry_group_id", "parent_call_id"),
                "retry": retry if isinstance(retry, dict) else None,
                "summary_status": _pick(raw, "summary_status", "retry_summary_status"),
            }
        )


class Attempt(ApiModel):
    """One row of a call's retry history."""

    attempt: int
    outcome: CallStatus
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
        number = _count(_pick(raw, "attempt", "attempt_number"))
        if number is None:
            raise ValueError("attempt number missing")
        return {
            "attempt": number,
            "outcome": outcome,
            "outcome_raw": outcome_raw,
            "duration_s": _pick(raw, "duration_sec", "duration_seconds", "duration", "duration_s"),
            "called_at": _pick(raw, "called_at", "timestamp", "created_at", "createdAt"),
            "ended_at": raw.get("ended_at"),
            "call_id": _pick(raw, "call_id", "id"),
        }


class RetryHistory(ApiModel):
    """Every dial attempt of one retry series, sorted by attempt then time (P17)."""

    call_id: str
    attempts: tuple[Attempt, ...] = ()
    skipped: int = 0
    """Rows that could not be read and were left out."""


class AttemptStage(ApiModel):
    depth: int
    attempted: Count = None
    total: Count = None


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
    total: Count = None
    """Leads or records in the campaign, under whichever counter name the API used."""
    completed: Count = None
    failed: Count = None
    pending: Count = None
    attempt_stages: tuple[AttemptStage, ...] = ()

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
        return _carried(
            {
                "id": raw.get("id"),
                "name": _pick(raw, "name", "title"),
                "status": classify_container_status(status) if isinstance(status, str) else None,
                "status_raw": status if isinstance(status, str) else None,
                "agent_id": raw.get("agent_id"),
                "from_number": _pick(raw, "from_phone_number", "from_number"),
                "max_concurrent_calls": raw.get("max_concurrent_calls"),
                "retry_config": retry,
                "created_at": _pick(raw, "created_at", "createdAt"),
                "scheduled_at": raw.get("scheduled_at"),
                "total": _pick(
                    raw, "total_leads", "total_calls", "total_records", "total_lead_count"
                ),
                "completed": _pick(raw, "completed_calls", "completed", "picked_up_calls"),
                "failed": _pick(raw, "failed_calls", "failed"),
                "pending": raw.get("pending_calls"),
                "attempt_stages": [s for s in stages if isinstance(s, dict)]
                if isinstance(stages, list)
                else None,
            }
        )


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
