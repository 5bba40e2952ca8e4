"""Stuck calls and suspected leaked slots (issue 19, part 2), as pure rules over what the engine
already reads; no request of their own.

- A call is stuck when it has been in one state (dialling, or talking) far past what its own
  campaign makes likely: past its campaign's p99 for that state times a margin, once the
  campaign has enough finished samples; before that, past a fixed ceiling (a ring that lasts
  minutes, a call of hours). A dial that fails to connect frees its slot (API sheet section 10),
  so a call dialling for minutes holds a slot nobody is using.
- A slot is suspected leaked when calls wait queued while fewer than the cap are seen in flight,
  continuously, for a while: something the API does not list holds the slots (or the configured
  cap is wrong). Refused dials create no call record (section 10), so this is the only trace a
  read-only client can see of a full cap.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.state.calltime import seconds_between

MIN_SAMPLES = 20
"""Finished samples a campaign needs before its own p99 is trusted over the ceiling."""
MARGIN = 1.5
"""How far past the campaign's p99 a call must be: p99 is crossed by 1 call in 100."""
CEILING_S = {"dialing": 180.0, "in_progress": 3600.0}
"""Without enough samples: a ring of three minutes, a call of an hour."""
FLOOR_S = {"dialing": 60.0, "in_progress": 1800.0}
"""The least a campaign's own limit can be. Talk times have a long tail (lognormal-like): with
a limit at p99 x 1.5, about one connected call in 700 crosses it, dozens a day at a busy desk,
each a false alarm. A ring of a minute and a call of half an hour are never normal."""
LEAK_HOLD_S = 300.0
"""Queued calls beside free slots this long before a leak is suspected (a poll or two of lag
between a call ending and the next dial is normal)."""


@dataclass(frozen=True, slots=True)
class LiveCall:
    call_id: str
    campaign_id: str | None
    state: str
    """`dialing` or `in_progress` (the canonical in-flight states)."""
    since: datetime | None
    """When it entered that state, as far as the monitor saw."""


@dataclass(frozen=True, slots=True)
class StuckCall:
    call_id: str
    campaign_id: str | None
    state: str
    for_s: float
    limit_s: float
    basis: str
    """`campaign p99`, `floor` or `ceiling`: which rule set the limit."""


def p99(samples: Sequence[float]) -> float | None:
    """The 99th percentile by nearest rank; None for no samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def limit_for(state: str, samples: Sequence[float]) -> tuple[float, str] | None:
    """How long a call may stay in `state` before it is stuck, and why; None for a state that
    has no rule (queued calls wait for the campaign, not for a slot)."""
    ceiling = CEILING_S.get(state)
    if ceiling is None:
        return None
    if len(samples) < MIN_SAMPLES:
        return ceiling, "ceiling"
    top = p99(samples)
    assert top is not None
    if top * MARGIN < FLOOR_S[state]:
        return FLOOR_S[state], "floor"
    return top * MARGIN, "campaign p99"


def stuck_calls(
    live: Iterable[LiveCall],
    samples: Mapping[tuple[str | None, str], Sequence[float]],
    now: datetime,
) -> tuple[StuckCall, ...]:
    """Calls past their limit, longest first. `samples[(campaign, state)]`: seconds finished
    calls of that campaign spent in that state."""
    out: list[StuckCall] = []
    for call in live:
        rule = limit_for(call.state, samples.get((call.campaign_id, call.state), ()))
        spent = seconds_between(call.since, now)
        if rule is None or spent is None:
            continue
        limit, basis = rule
        if spent > limit:
            out.append(StuckCall(call.call_id, call.campaign_id, call.state, spent, limit, basis))
    out.sort(key=lambda s: (-s.for_s, s.call_id))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class LeakWatch:
    """Whether slots look leaked, carried from one active-calls sweep to the next."""

    since: datetime | None = None
    """When queued calls first sat beside free slots in the current run of sweeps."""

    def observe(self, at: datetime, in_flight: int | None, queued: int | None, cap: int | None
                ) -> LeakWatch:  # fmt: skip
        """The watch after one sweep. `queued`: calls queued in campaigns that are running (a
        paused campaign's queue waits by design). Unknown figures end the run: no suspicion on
        no data."""
        if in_flight is None or queued is None or cap is None:
            return LeakWatch()
        if queued > 0 and in_flight < cap:
            return self if self.since is not None else LeakWatch(at)
        return LeakWatch()

    def suspected(self, now: datetime) -> bool:
        held = seconds_between(self.since, now)
        return held is not None and held >= LEAK_HOLD_S
