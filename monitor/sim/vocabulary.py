"""The words each dialect uses for call and campaign statuses, and the ones a filter accepts.

`canonical` is the reference site's vocabulary, `openapi` the vendor's OpenAPI enum (which has no
in-progress word: an answered call is `received`), `mixed` every documented variant; a status
filter takes any of them (API sheet §5).
"""

from __future__ import annotations

import math

from monitor.sim.model import (
    CAMPAIGN_CANCELLED,
    CANCELLED,
    COMPLETED,
    DIALING,
    IN_PROGRESS,
    NO_ANSWER,
    QUEUED,
    RUNNING,
    SCHEDULED,
    SKIPPED,
    VOICEMAIL,
)

DIALECTS = ("canonical", "openapi", "mixed")

CANONICAL_STATUS = {
    QUEUED: "queued",
    DIALING: "initiated",
    IN_PROGRESS: "in_progress",
}
OPENAPI_STATUS = {
    QUEUED: "created",
    DIALING: "initiated",
    IN_PROGRESS: "received",
    VOICEMAIL: "completed",
}
MIXED_STATUS: dict[str, tuple[str, ...]] = {
    QUEUED: ("created", "queued"),
    DIALING: ("initiated", "sent", "ringing"),
    IN_PROGRESS: ("in_progress", "in-progress"),
    NO_ANSWER: ("no-answer", "no_answer", "did_not_pick"),
    CANCELLED: ("cancelled", "canceled"),
}
MIXED_CAMPAIGN_STATUS: dict[str, dict[str, tuple[str, ...]]] = {
    "campaigns": {
        RUNNING: ("running", "active"),
        SCHEDULED: ("scheduled", "waiting"),
        CAMPAIGN_CANCELLED: ("cancelled", "canceled"),
    },
    "batches": {
        RUNNING: ("running", "processing"),
        SCHEDULED: ("scheduled", "waiting"),
        CAMPAIGN_CANCELLED: ("cancelled", "canceled", "deleted"),
    },
}

STATUS_SYNONYMS: dict[str, str] = {
    "created": QUEUED,
    "queued": QUEUED,
    "scheduled": QUEUED,
    "pending": QUEUED,
    "initiated": DIALING,
    "sent": DIALING,
    "ringing": DIALING,
    "dialing": DIALING,
    "in_progress": IN_PROGRESS,
    "received": IN_PROGRESS,
    "ongoing": IN_PROGRESS,
    "answered": IN_PROGRESS,
    "completed": COMPLETED,
    "transferred": COMPLETED,
    "no_answer": NO_ANSWER,
    "did_not_pick": NO_ANSWER,
    "not_answered": NO_ANSWER,
    "busy": "busy",
    "voicemail": VOICEMAIL,
    "voicemail_detected": VOICEMAIL,
    "failed": "failed",
    "rejected": "failed",
    "error": "failed",
    "cancelled": CANCELLED,
    "canceled": CANCELLED,
    "skipped": SKIPPED,
}
"""Every spelling a client may filter by (API sheet §5), to the world's status."""


def normalise_status(raw: str) -> str | None:
    """A filter word to the world's status (None: no call can have it)."""
    key = raw.strip().lower().replace("-", "_").replace(" ", "_")
    return STATUS_SYNONYMS.get(key)


def parse_status_filter(value: str | None) -> set[str] | None:
    """`status=a,b` (either spelling) to world statuses; None when no filter was given."""
    if value is None or not value.strip():
        return None
    found = {normalise_status(part) for part in value.split(",") if part.strip()}
    return {s for s in found if s is not None}


def spread(h: int) -> int:
    """Spread a 32-bit hash over 64 bits so a 10-character token has no run of zeros."""
    return (h * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF


def meta(page: int, limit: int, total: int, *, with_pages: bool = True) -> dict[str, int]:
    m = {"page": page, "limit": limit, "total": total}
    if with_pages:
        m["totalPages"] = math.ceil(total / limit) if limit else 0
    return m
