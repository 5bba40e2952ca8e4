"""The canonical vocabulary (API sheet sections 5 and 6) and the mapping of every raw spelling.

The vendor's pages spell the same outcome several ways (`no-answer`, `no_answer`, `did_not_pick`,
`NO-ANSWER`); we normalise case-insensitively after trimming and folding `-` and spaces to `_`.
Anything unknown becomes `unknown` with the raw word kept beside it, never an exception.
"""

from __future__ import annotations

import functools
from enum import StrEnum

FOLDED_WORDS = 256
"""Distinct status words whose folding is kept (a misbehaving API's stream of new words
only cycles the cache)."""


class CallStatus(StrEnum):
    QUEUED = "queued"
    DIALING = "dialing"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    VOICEMAIL = "voicemail"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


FINAL_STATUSES = frozenset(
    {
        CallStatus.COMPLETED,
        CallStatus.NO_ANSWER,
        CallStatus.BUSY,
        CallStatus.VOICEMAIL,
        CallStatus.FAILED,
        CallStatus.CANCELLED,
        CallStatus.EXPIRED,
    }
)
IN_FLIGHT_STATUSES = frozenset({CallStatus.DIALING, CallStatus.IN_PROGRESS})
"""What holds a concurrency slot: ringing counts (API sheet section 10)."""

OUTCOME_COLUMNS = (
    CallStatus.COMPLETED,
    CallStatus.NO_ANSWER,
    CallStatus.BUSY,
    CallStatus.FAILED,
    CallStatus.VOICEMAIL,
    CallStatus.IN_PROGRESS,
)
"""The per-campaign counts shown and printed by `snapshot` (INTERFACE.md)."""


class ContainerStatus(StrEnum):
    DRAFT = "draft"
    WAITING = "waiting"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    UNKNOWN = "unknown"


@functools.lru_cache(maxsize=FOLDED_WORDS)
def fold(raw: str) -> str:
    """A status word in one spelling (`In-Progress ` -> `in_progress`). Kept per word: the API
    sends a handful of words, folded for every record read and for every call held at each
    look for skipped dials (about 150 a second on `busy`, issue 21)."""
    return raw.strip().lower().replace("-", "_").replace(" ", "_")


_CALL_STATUS: dict[str, CallStatus] = {
    **dict.fromkeys(("created", "queued", "scheduled", "pending"), CallStatus.QUEUED),
    **dict.fromkeys(("initiated", "sent", "ringing", "dialing"), CallStatus.DIALING),
    **dict.fromkeys(
        ("in_progress", "received", "ongoing", "answered", "inprogress"), CallStatus.IN_PROGRESS
    ),
    **dict.fromkeys(("completed", "transferred"), CallStatus.COMPLETED),
    **dict.fromkeys(
        ("no_answer", "did_not_pick", "not_answered", "noanswer"), CallStatus.NO_ANSWER
    ),
    "busy": CallStatus.BUSY,
    **dict.fromkeys(("voicemail", "voicemail_detected"), CallStatus.VOICEMAIL),
    **dict.fromkeys(("failed", "rejected", "error"), CallStatus.FAILED),
    **dict.fromkeys(("cancelled", "canceled"), CallStatus.CANCELLED),
    # Never dialled: "a full queue marks the extra calls skipped" at the concurrency cap (API
    # sheet section 10); ended like a cancelled dial, the raw word kept (`is_skipped`).
    "skipped": CallStatus.CANCELLED,
    **dict.fromkeys(("retry_expired", "expired"), CallStatus.EXPIRED),
}

_END_REASON: dict[str, CallStatus] = {
    "user_did_not_pick_up": CallStatus.NO_ANSWER,
    "did_not_pick": CallStatus.NO_ANSWER,
    "no_answer": CallStatus.NO_ANSWER,
    "user_busy": CallStatus.BUSY,
    "busy": CallStatus.BUSY,
    "voicemail_detected": CallStatus.VOICEMAIL,
    "voicemail": CallStatus.VOICEMAIL,
    "invalid_phone_number": CallStatus.FAILED,
    "destination_forbidden": CallStatus.FAILED,
    "network_failure": CallStatus.FAILED,
    "user_unreachable": CallStatus.FAILED,
}

DOCUMENTED_CALL_WORDS = frozenset(_CALL_STATUS) | {"hangup"}


def is_skipped(status_raw: str | None) -> bool:
    """A dial the vendor refused at its concurrency cap, as a reader sees it (the only trace:
    the 409/429 of a refused dial goes to whoever placed it)."""
    return status_raw is not None and fold(status_raw) == "skipped"


def classify_call_status(status: str | None, end_reason: str | None = None) -> CallStatus:
    """The canonical outcome of a call or attempt, from its status and its end reason.

    `end_reason` is more specific than `status`: a `completed` call whose end reason is
    `voicemail_detected` counts as voicemail. A webhook-style `hangup` (or no status at all) is
    classified by the end reason alone, and as `failed` when that says nothing.
    """
    word = fold(status) if status is not None else ""
    reason = _END_REASON.get(fold(end_reason)) if end_reason else None
    if word in ("", "hangup"):
        return reason or CallStatus.FAILED
    canonical = _CALL_STATUS.get(word, CallStatus.UNKNOWN)
    if reason is not None and canonical in (CallStatus.COMPLETED, CallStatus.FAILED):
        return reason
    return canonical


_CONTAINER_STATUS: dict[str, ContainerStatus] = {
    "draft": ContainerStatus.DRAFT,
    **dict.fromkeys(
        ("active", "waiting", "scheduled", "queued", "initiated"), ContainerStatus.WAITING
    ),
    **dict.fromkeys(("running", "processing"), ContainerStatus.RUNNING),
    "paused": ContainerStatus.PAUSED,
    "completed": ContainerStatus.COMPLETED,
    **dict.fromkeys(("cancelled", "canceled", "deleted"), ContainerStatus.CANCELLED),
    "failed": ContainerStatus.FAILED,
}


def classify_container_status(status: str | None) -> ContainerStatus:
    if status is None:
        return ContainerStatus.UNKNOWN
    return _CONTAINER_STATUS.get(fold(status), ContainerStatus.UNKNOWN)


def status_filter_words(status: CallStatus, *, dialect: str) -> tuple[str, ...]:
    """Raw words to send in a `status=` filter for one canonical status.

    `/calls` (OpenAPI) takes enum values as a comma list; the reference-site call-logs paths
    document hyphen forms (API sheet section 5).
    """
    if dialect == "calls":
        return {
            CallStatus.QUEUED: ("created",),
            CallStatus.DIALING: ("initiated", "sent"),
            CallStatus.IN_PROGRESS: ("received", "in_progress"),
            CallStatus.NO_ANSWER: ("no_answer", "did_not_pick"),
            CallStatus.EXPIRED: ("retry_expired",),
        }.get(status, (status.value,))
    return {
        CallStatus.NO_ANSWER: ("no-answer",),
        CallStatus.IN_PROGRESS: ("in-progress",),
    }.get(status, (status.value,))
