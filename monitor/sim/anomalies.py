"""Anomalies on demand (issue 19): the simulator misbehaving the way the monitor's insights look
for, one named kind at a time, per campaign.

A campaign's `anomalies` (a set: switched on and off while the world runs, for tests) bends the
vendor's own rules (seed 003, API sheet section 8) in exactly one way each:

- `retry_early`: a retry queued `EARLY_AFTER_S` after the attempt ended, whatever the wait;
- `retry_late`: placed `LATE_S` after it;
- `retry_missing`: a retryable outcome with attempts left never retried;
- `retry_extra`: one attempt beyond `max_retries + 1`;
- `retry_not_retryable`: a failed call (or a voicemail with `retry_on_voicemail` off) retried;
- `stuck_call`: one dial in `STUCK_EVERY` rings for `STUCK_S` before it ends unanswered;
- `leaked_slot`: the campaign's and the workspace's slot stay held after a call ends, up to
  `LEAK_SLOTS` slots: the campaign stops dialling while the API shows none of its calls in
  flight, and its calls wait queued beside free slots (both what a reader sees of a leak);
- `vendor_rejected`: while the workspace is at its cap, the vendor's queue overflows: once a
  `SKIP_EVERY_S` one of the campaign's queued dials ends `skipped`, never dialled (API sheet
  section 10: "a full queue marks the extra calls skipped"; the refused dial's 409/429 goes to
  whoever placed it, never to a reader).

The monitor's `cap_blocked` needs no misbehaviour: a campaign with long calls and a small cap
sits at its cap for minutes (the `anomalies` scenario has one). Clean scenarios name none.
"""

from __future__ import annotations

from monitor.sim.model import FAILED, VOICEMAIL, Campaign

KINDS = (
    "retry_early",
    "retry_late",
    "retry_missing",
    "retry_extra",
    "retry_not_retryable",
    "stuck_call",
    "leaked_slot",
    "vendor_rejected",
)
EARLY_AFTER_S = 60.0
"""A minute after the end: with the scenario's 30-minute wait, still early after many minutes'
wait for a slot in its crowded workspace (the monitor's tolerance for early is one)."""
LATE_S = 900.0
"""Fifteen minutes late: the monitor's tolerance for late (and missing) is ten."""
STUCK_EVERY = 25
STUCK_S = 1800
"""Half an hour dialling: the monitor's floor for a ring is a minute, its ceiling three."""
LEAK_SLOTS = 6
"""The `anomalies` scenario's leaking campaign has a cap of 6: it ends up holding all of them."""
SKIP_EVERY_S = 60.0


def retry_delay(c: Campaign, attempt: int, outcome: str) -> float | None:
    """Seconds from an attempt's end to its retry, or None for no retry."""
    retry = c.retry
    wait = retry.wait_minutes * 60.0
    normal = attempt <= retry.max_retries and retry.retries(outcome)
    bent = c.anomalies
    if not bent:
        return wait if normal else None
    if normal:
        if "retry_missing" in bent:
            return None
        if "retry_early" in bent:
            return min(wait, EARLY_AFTER_S)
        if "retry_late" in bent:
            return wait + LATE_S
        return wait
    if "retry_extra" in bent and retry.retries(outcome) and attempt == retry.max_retries + 1:
        return wait
    if (
        "retry_not_retryable" in bent
        and outcome in (FAILED, VOICEMAIL)
        and not retry.retries(outcome)
        and attempt <= retry.max_retries
    ):
        return wait
    return None


def stuck_dial(c: Campaign, dials: int) -> bool:
    """Whether this dial (the campaign's `dials`-th) rings on for `STUCK_S`."""
    return "stuck_call" in c.anomalies and dials % STUCK_EVERY == 0


def leaks(c: Campaign) -> bool:
    """Whether the slot of this campaign's call that just ended stays held."""
    return "leaked_slot" in c.anomalies and c.leaked < LEAK_SLOTS


def skips(c: Campaign, now: float) -> bool:
    """Whether the vendor's full queue marks one of this campaign's queued dials skipped now."""
    if "vendor_rejected" not in c.anomalies or not c.ready:
        return False
    return c.last_skip_t is None or now - c.last_skip_t >= SKIP_EVERY_S
