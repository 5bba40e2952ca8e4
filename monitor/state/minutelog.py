"""The insight tracker's hour of minutes (issue 19, part 3): each campaign's facts closed once
per minute, from what a sweep saw, for the pure idle rules (`monitor.state.idle`) to explain.

`monitor.state.insights` feeds it once per active sweep (the dials it counted, the calls in
flight and queued, the workspace total) and reads the minutes back for the idle bar, the idle
minutes per reason and a run of minutes blocked at a cap.
"""

from __future__ import annotations

from collections import Counter, deque
from datetime import datetime

from monitor.api.vocab import ContainerStatus
from monitor.state.glance import Skipped
from monitor.state.idle import IDLE_REASONS, MinuteFacts, reason
from monitor.state.store import Store
from monitor.state.window import in_window

MINUTES = 60
"""Minutes of idle facts kept per campaign: the last hour."""
_LETTER = {r: r[0] for r in IDLE_REASONS} | {"unknown": "?", "unexplained": "x"}


class MinuteLog:
    """Each campaign's last `MINUTES` minutes of facts (None: a minute the monitor did not
    see), and the dials counted in the minute still open."""

    def __init__(self) -> None:
        self.minutes: dict[str, deque[MinuteFacts | None]] = {}
        self.minute: datetime | None = None
        """The start of the minute still open; None before the first sweep."""
        self.dialled: Counter[str] = Counter()
        """Dials per campaign counted in the open minute."""

    def of(self, camp: str) -> deque[MinuteFacts | None]:
        return self.minutes.get(camp, deque())

    def close(
        self,
        store: Store,
        now: datetime,
        in_flight: Counter[str],
        queued: Counter[str],
        total: int,
        cap: int | None,
        skipped: dict[str, Skipped],
    ) -> None:
        """Closes the open minute for every campaign when `now` is in a later one."""
        start = now.replace(second=0, microsecond=0)
        if self.minute is None:
            self.minute = start  # the dials seen so far are this minute's
            return
        if start <= self.minute:
            return
        queued_known = "queued" in store.freshness
        for camp, state in store.campaigns.items():
            c = state.campaign
            done = c.status in (ContainerStatus.COMPLETED, ContainerStatus.CANCELLED)
            if done:
                facts = MinuteFacts(dialled=self.dialled[camp], in_flight=in_flight[camp],
                                    status=c.status.value, queued=0,
                                    retries_pending=0)  # fmt: skip
            elif not dialling(c.status, in_flight[camp], paused_too=True):
                # Not started: never the cap's doing. Outside its window when its start (or
                # stated window) says so; otherwise waiting for a reason the API does not
                # give (another batch running): unexplained, never a guessed reason.
                later = c.scheduled_at is not None and c.scheduled_at > now
                facts = MinuteFacts(dialled=self.dialled[camp], in_flight=in_flight[camp],
                                    status=c.status.value,
                                    in_window=False if later else in_window(c, now),
                                    queued=queued[camp] if queued_known else None,
                                    retries_pending=None)  # fmt: skip
            else:
                facts = MinuteFacts(
                    dialled=self.dialled[camp],
                    in_flight=in_flight[camp],
                    status=c.status.value if c.status is not ContainerStatus.UNKNOWN else None,
                    campaign_cap=c.max_concurrent_calls,
                    workspace_in_flight=total,
                    workspace_cap=cap,
                    queued=queued[camp] if queued_known else None,
                    retries_pending=None,
                    vendor_rejected=_skipped_in(skipped.get(camp), self.minute, start),
                    in_window=in_window(c, now),
                )
            ring = self.minutes.setdefault(camp, deque(maxlen=MINUTES))
            # Minutes the monitor did not see (a gap) are not known, never a reason.
            gap = int((start - self.minute).total_seconds() // 60) - 1
            for _ in range(min(gap, MINUTES)):
                ring.append(None)
            ring.append(facts)
        for camp in [c for c in self.minutes if c not in store.campaigns]:
            del self.minutes[camp]
        self.minute = start
        self.dialled.clear()

    def paused_within(self, camp: str) -> bool:
        """Whether the campaign was paused in any minute kept (the last hour)."""
        return any(m is not None and m.status == "paused" for m in self.of(camp))


def dialling(status: ContainerStatus, in_flight: int, *, paused_too: bool = False) -> bool:
    """Whether the campaign is one that dials: running, or said to be waiting (some APIs say
    `active`, read as waiting) while its calls are in flight; paused ones when asked."""
    if status is ContainerStatus.RUNNING or (paused_too and status is ContainerStatus.PAUSED):
        return True
    return status in (ContainerStatus.WAITING, ContainerStatus.UNKNOWN) and in_flight > 0


def blocked_run(minutes: deque[MinuteFacts | None]) -> int:
    """The trailing run of minutes blocked at a cap."""
    run = 0
    for m in reversed(minutes):
        if m is None or reason(m) != "cap_blocked" or not m.queued:  # blocked: calls wait
            break
        run += 1
    return run


def letter(m: MinuteFacts | None) -> str:
    """A minute's letter in the idle bar: `.` dialling, `?` not known, else its reason's."""
    if m is None:
        return "?"
    r = reason(m)
    return "." if r is None else _LETTER[r]


def _skipped_in(found: Skipped | None, start: datetime, end: datetime) -> bool:
    return found is not None and any(start <= t < end for t in found.times)
