"""`CallRecord`: a call as the snapshot holds it, canonical and plain.

`monitor.api.models.Call` is the tolerant reader of the vendor's many spellings: its `before`
validator maps them onto canonical names, so its own dump does not read back through it. The
snapshot is written to disk and read back by other versions of the monitor, so it keeps calls
as this plain model instead: the same field names (every view reads them the same way), one
spelling, a JSON round trip that is exact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from monitor.api.models import Call
from monitor.api.vocab import DOCUMENTED_CALL_WORDS, CallStatus, fold


class CallRecord(BaseModel):
    """One call's fields, as the API last said them (merged by the store)."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: CallStatus = CallStatus.UNKNOWN
    status_raw: str | None = None
    log_id: str | None = None
    to_number: str | None = None
    from_number: str | None = None
    created_at: datetime | None = None
    ended_at: datetime | None = None
    duration_s: int | None = None
    agent_id: str | None = None
    campaign_id: str | None = None
    end_reason: str | None = None
    recording_url: str | None = None
    sentiment: str | None = None
    direction: str | None = None
    analysis: dict[str, Any] | None = None
    """Free-form JSON (None: not arrived yet)."""
    metadata: dict[str, Any] = {}
    attempt: int | None = None
    retry_group_id: str | None = None
    summary_status: str | None = None
    unread: tuple[str, ...] = ()
    """Fields the read had but could not read (shown as not known, never as a value)."""

    @property
    def status_documented(self) -> bool:
        return self.status_raw is None or fold(self.status_raw) in DOCUMENTED_CALL_WORDS


_FIELDS = tuple(CallRecord.model_fields)
_FIELD_SET = frozenset(_FIELDS)
_set = object.__setattr__


def record_of(call: Call) -> CallRecord:
    """The snapshot's copy of a call (no validation: the reader already did it).

    What `model_construct` does, without its per-field default and alias handling: every field
    of the record is a field of the call, already validated, so the values are copied as they
    are. `model_construct` cost ~30 µs a call, most of a 10,000-call campaign screen's first
    open; this ~7 µs. A call missing a field in its `__dict__` (built by `model_construct` from
    part of the fields) takes `model_construct`'s path and its defaults.
    """
    values = call.__dict__
    try:
        fields = {name: values[name] for name in _FIELDS}
    except KeyError:
        return CallRecord.model_construct(
            **{name: getattr(call, name) for name in _FIELDS if name in values}
        )
    record = CallRecord.__new__(CallRecord)
    _set(record, "__dict__", fields)
    _set(record, "__pydantic_fields_set__", set(_FIELD_SET))
    _set(record, "__pydantic_extra__", None)
    _set(record, "__pydantic_private__", None)
    return record


class RecordCache:
    """The record made for each call object, reused while the store holds the same object.

    The store replaces a call's object when the call changes (records are merged into a new
    one), so an unchanged call keeps its record: a campaign screen of 10,000 calls costs no
    copy per snapshot, and its table sees the same item (`is`) and skips the row.
    """

    def __init__(self) -> None:
        self._records: dict[str, tuple[Call, CallRecord]] = {}

    def records(self, calls: list[Call]) -> list[CallRecord]:
        """The records of `calls`, in order; calls not in `calls` are forgotten."""
        old, new = self._records, {}
        out = []
        for call in calls:
            hit = old.get(call.id)
            record = hit[1] if hit is not None and hit[0] is call else record_of(call)
            new[call.id] = (call, record)
            out.append(record)
        self._records = new
        return out


__all__ = ["CallRecord", "RecordCache", "record_of"]
