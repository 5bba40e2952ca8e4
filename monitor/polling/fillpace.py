"""How the reading of campaigns' history is paced against the budget's sliding minute.

History fills from what the live panes leave: off screen only while the minute is under
FILL_SHARE (so the requests a minute stay flat in the number of campaigns while it fills), and
at least once every FILL_FLOOR_S while it is under URGENT_ROOM; the history of the campaigns on
screen goes first (`FillPace.roomy`) while the minute has room.
"""

from __future__ import annotations

from monitor.polling.budget import Budget

FILL_SHARE = 0.55
"""History of campaigns off screen is read only while the minute's requests are under this
share of the budget (33 of 60): it fills from what the live panes leave, so the requests a
minute stay flat in the number of campaigns while it fills."""
URGENT_ROOM = 0.75
"""History of the campaigns on screen is urgent only while the minute is under this share."""
FILL_FLOOR_S = 20.0
"""Past FILL_SHARE, history off screen still gets a read this often under URGENT_ROOM: on `huge`
a selected call in flight (~13 requests a minute) held the minute at 36-39 for good, and 6 of
33 campaigns' counts stayed unknown for two hours (`make test-long`)."""


class FillPace:
    """When the budget's minute has room for history."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self._floor_at = float("-inf")
        """When history off screen may next be read past FILL_SHARE."""

    def room(self, now: float) -> bool:
        """Whether the minute leaves room to read history off screen: under FILL_SHARE, or
        under URGENT_ROOM once every FILL_FLOOR_S (taken now when it says yes)."""
        budget = self.budget
        used = budget.used_last_minute(now)
        if used < FILL_SHARE * budget.per_min:
            return True
        if used >= URGENT_ROOM * budget.per_min or now < self._floor_at:
            return False
        self._floor_at = now + FILL_FLOOR_S
        return True

    def roomy(self, now: float) -> bool:
        """Whether the history of the campaigns on screen may go before the live panes' own
        reads: in the first minute, as much as the startup allowance holds (the live panes keep
        their own pace; `Budget.steady_per_min`), then while the minute is under URGENT_ROOM."""
        budget = self.budget
        if now < budget.startup_until:
            return budget.startup_open(now)
        return budget.used_last_minute(now) < URGENT_ROOM * budget.per_min


__all__ = ["FILL_FLOOR_S", "FILL_SHARE", "URGENT_ROOM", "FillPace"]
