"""What every API model shares: the frozen base, the retry settings (a call's and a campaign's),
and the reading of a status beside its end reason (a call's and an attempt's).

The rules every model follows are `monitor.api.models`'s docstring; this module holds the
parts the call, campaign and retry-history models (`models`, `campaign`, `retryhistory`) all
use, so that none of them imports another.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from monitor.api.fields import Count
from monitor.api.fields import pick as _pick
from monitor.api.vocab import CallStatus, classify_call_status


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


def status_fields(
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
