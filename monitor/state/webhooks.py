"""What the relay's webhook receiver has seen, for the status line and the snapshot (issue 22).

`WebhookTally` is the store's mutable record (the receiver and the engine's `WebhookFlow`
count into it); `WebhookStatus` is its frozen copy in every snapshot (and so in the relay's
Redis head and `snapshot --json`). Neither holds the secret, a body or a header: counts,
times and a mode only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

WebhookMode = Literal["waiting", "flowing", "stopped"]
"""`waiting`: listening, no delivery yet (full polling); `flowing`: deliveries arrive
(endings and lookups polled only to reconcile); `stopped`: none for a while (full polling
again, by itself)."""


@dataclass
class WebhookTally:
    listening: str
    """Where the receiver listens (`127.0.0.1:8788`)."""
    quiet_after_s: float
    mode: WebhookMode = "waiting"
    mode_since: float | None = None
    """Monotonic time the mode began."""
    last_delivery: float | None = None
    """Monotonic time of the last delivery that verified."""
    received: int = 0
    """Deliveries that verified and parsed."""
    applied: int = 0
    """Of those, the ones that changed what is known of a call."""
    duplicates: int = 0
    out_of_order: int = 0
    """Older than what was already known of the call (a start after its end): not applied."""
    refused: dict[int, int] = field(default_factory=dict)
    """By the status answered: 401 unsigned, 403 forged, 413 too large, 400 unreadable."""
    missed: int = 0
    """Calls that left the list of calls in flight with no delivery of their ending (found
    by the reconciliation): the webhook gap."""
    last_missed: float | None = None


class WebhookStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    listening: str
    mode: WebhookMode
    mode_since: float | None = None
    last_delivery: float | None = None
    quiet_after_s: float
    received: int
    applied: int
    duplicates: int
    out_of_order: int
    refused: dict[str, int]
    """By HTTP status ("401", "403", "413", "400")."""
    missed: int
    last_missed: float | None = None

    @classmethod
    def of(cls, tally: WebhookTally) -> WebhookStatus:
        return cls(
            listening=tally.listening,
            mode=tally.mode,
            mode_since=tally.mode_since,
            last_delivery=tally.last_delivery,
            quiet_after_s=tally.quiet_after_s,
            received=tally.received,
            applied=tally.applied,
            duplicates=tally.duplicates,
            out_of_order=tally.out_of_order,
            refused={str(k): v for k, v in sorted(tally.refused.items())},
            missed=tally.missed,
            last_missed=tally.last_missed,
        )


def webhook_words(status: WebhookStatus, mono: float) -> str:
    """A few words for the status line: the mode, then any refusal or gap."""
    # Short: the status line has room for a few words beside the API's and the relay's.
    if status.mode == "flowing":
        head = "webhooks on"
    elif status.mode == "stopped":
        quiet = mono - status.last_delivery if status.last_delivery is not None else None
        ago = f" {quiet:.0f}s" if quiet is not None else ""
        head = f"WEBHOOKS SILENT{ago}: full polling"
    else:
        head = "webhooks: none yet"
    parts = [head]
    refused = sum(status.refused.values())
    if refused:
        parts.append(f"{refused} refused")
    if status.missed:
        parts.append(f"{status.missed} missed")
    return ", ".join(parts)


__all__ = ["WebhookMode", "WebhookStatus", "WebhookTally", "webhook_words"]
