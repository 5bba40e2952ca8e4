"""Why a campaign is not dialling (issue 19, part 3): each minute of its last hour attributed to
one reason, from what the monitor already knows each minute. Pure.

A minute is *dialling* when the campaign placed an attempt in it or had one in flight below its
caps. Otherwise the first reason that holds, in this order, explains it:

1. `paused`: the campaign's status says so (a paused container lets calls in flight finish);
2. `outside_window`: outside its calling hours, when the campaign states them;
3. `cap_blocked`: at its own `max_concurrent_calls` or the workspace cap (API sheet section 10);
4. `vendor_rejected`: the vendor refused dials at the cap (its 409/429; seen only when the
   engine was told, never guessed);
5. `nothing_left`: no call queued and no retry pending;
6. `unexplained`: the campaign could dial and did not.

A minute whose deciding facts are unknown is `unknown`: never counted as idle for a reason it
may not have had.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

IDLE_REASONS = (
    "paused",
    "outside_window",
    "cap_blocked",
    "vendor_rejected",
    "nothing_left",
    "unexplained",
    "unknown",
)
"""Every reason a minute can have, in the order they are tried (`unknown` last)."""


@dataclass(frozen=True, slots=True)
class MinuteFacts:
    """What the monitor knew of one campaign during one minute (None: not known)."""

    dialled: int | None = None
    """Attempts the campaign placed in the minute."""
    in_flight: int | None = None
    """The campaign's calls in flight (dialling + in progress) at the minute's sample."""
    status: str | None = None
    """The campaign's canonical status (`paused`, `running`, ...)."""
    in_window: bool | None = None
    """Inside its calling hours; None when the campaign states none."""
    campaign_cap: int | None = None
    workspace_in_flight: int | None = None
    workspace_cap: int | None = None
    vendor_rejected: bool = False
    queued: int | None = None
    retries_pending: int | None = None


def reason(facts: MinuteFacts) -> str | None:
    """The minute's reason for not dialling; None when it was dialling."""
    at_own_cap = _at(facts.in_flight, facts.campaign_cap)
    at_workspace_cap = _at(facts.workspace_in_flight, facts.workspace_cap)
    if (facts.dialled or 0) > 0:
        return None
    if facts.in_flight and not (at_own_cap or at_workspace_cap):
        return None  # calls in progress below the caps: it is working
    if facts.status == "paused":
        return "paused"
    if facts.in_window is False:
        return "outside_window"
    if at_own_cap or at_workspace_cap:
        return "cap_blocked"
    if facts.vendor_rejected:
        return "vendor_rejected"
    if facts.queued == 0 and facts.retries_pending == 0:
        return "nothing_left"
    if facts.dialled is None or facts.queued is None or facts.status is None:
        return "unknown"
    return "unexplained"


def _at(in_flight: int | None, cap: int | None) -> bool:
    return in_flight is not None and cap is not None and in_flight >= cap


def idle_minutes(minutes: Iterable[MinuteFacts]) -> dict[str, int]:
    """Minutes not dialling, by reason, every reason present (0 when it never happened), so a
    column reads the same each refresh."""
    counted = Counter(r for m in minutes if (r := reason(m)) is not None)
    return {r: counted.get(r, 0) for r in IDLE_REASONS}
