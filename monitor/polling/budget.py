"""One request budget per key, shared by every poller: a token bucket, pure and clock-free.

Defaults follow the API sheet (section 9): 60 requests a minute (40% of the ~150 observed),
burst 10; when the server sends `X-RateLimit-Limit` the bucket never plans for more than half
of it; when `Remaining` drops under 10% of the limit only essential polls go out until the
reset; a 429 pauses the whole bucket (Retry-After, else the reset, else 2, 4, 8 ... 60 s with
±20% jitter). Background work (other campaigns, analysis) also stays under a soft share of the
ceiling so that the steady state leaves room for the campaigns' own integrations on the key.
"""

from __future__ import annotations

import contextvars
import math
import random
from collections import deque
from dataclasses import dataclass, field

from monitor.api.ratelimit import RateLimitInfo

SENT_AT: contextvars.ContextVar[float] = contextvars.ContextVar("sent_at", default=-1e18)
"""Monotonic time the current task's last request passed the budget gate (was sent)."""

WINDOW_S = 60.0
ESSENTIAL = 1
"""Priorities at or below this (the selected call, the active list) may use the last tokens."""
BACKGROUND = 3
"""Priorities at or above this only spend under the soft share."""
SOFT_SHARE = 0.6
"""Background work may start only while the minute's total is under this share of the ceiling
(36 of 60 by default)..."""
BACKGROUND_FLOOR = 0.1
"""...except that it always keeps this share for itself (6 a minute by default): under a heavy
active sweep the campaigns' counts get older, and say so, but never stop."""
LOW_REMAINING = 0.1
SELECTED = 0
"""The priority of the call the user is looking at..."""
RESERVED_FOR_SELECTED = 3
"""...which alone may take the minute's last requests, so a saturated minute (1,000 calls in
flight) never makes it wait for the window to slide."""
WATCH_SHARE = 0.2
"""A relay's watch share (issue 18: the calls its viewers look at, beside the one selected)
spends at most this share of the ceiling a minute (12 of 60), and only what the active sweep's
next run does not need: a fixed slice, so the relay's requests do not grow with its viewers and
its live panes keep the direct monitor's pace (spent freely, it kept the minute at its ceiling
and the sweep waited there for the window to slide: 10 s ages where a direct monitor has 5)."""


@dataclass
class Budget:
    per_min: float = 60.0
    burst: int = 10
    startup: int = 0
    """The startup allowance: requests beyond `burst` that may go at once in the first
    minute, for work the user is waiting on (priorities under BACKGROUND: the history of the
    campaigns on screen). Nothing of the sliding minute is spent at start, so they need not
    be paced one a second; the ceiling per sliding minute still holds, and what is not spent
    within the first minute lapses."""
    tokens: float = field(init=False)
    updated: float = 0.0
    paused_until: float = 0.0
    consecutive_429: int = 0
    server_limit: int | None = None
    server_remaining: int | None = None
    server_reset_at: float | None = None
    sent: deque[float] = field(default_factory=deque)
    sent_background: deque[float] = field(default_factory=deque)
    sent_startup: deque[float] = field(default_factory=deque)
    """When the startup allowance was spent, for as long as it counts in the sliding minute."""
    sent_watch: deque[float] = field(default_factory=deque)
    """When the watch share spent its requests (`watch_held`)."""
    sweep_room: int = 0
    """Requests the active sweep's next run will want at once (its last run's pages): the
    watch share leaves them, in tokens and in the minute."""
    soft_share: float = SOFT_SHARE
    background_floor: float = BACKGROUND_FLOOR
    """The shares in force: lowered while webhooks bring the endings (`polling.webhooks`)."""

    def __post_init__(self) -> None:
        self.configured_per_min = self.per_min
        self.tokens = float(min(self.burst, self.per_min))
        self.startup_left = float(self.startup)
        self.startup_until = self.updated + WINDOW_S

    @property
    def rate(self) -> float:
        return self.per_min / WINDOW_S

    def _refill(self, now: float) -> None:
        if now > self.updated:
            self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
            self.updated = now
        for sent in (self.sent, self.sent_background, self.sent_startup, self.sent_watch):
            while sent and sent[0] <= now - WINDOW_S:
                sent.popleft()

    def used_last_minute(self, now: float) -> int:
        self._refill(now)
        return len(self.sent)

    def steady_per_min(self, now: float) -> float:
        """The ceiling less the startup allowance still inside the sliding minute: what the
        steady pollers may plan on, so that the first minute's extra reads are not paid for
        by a stall of the live panes when the minute fills."""
        self._refill(now)
        return max(1.0, self.per_min - len(self.sent_startup))

    def _low_remaining(self, now: float) -> bool:
        if self.server_limit is None or self.server_remaining is None:
            return False
        if self.server_reset_at is not None and now >= self.server_reset_at:
            return False
        return self.server_remaining < LOW_REMAINING * self.server_limit

    def startup_open(self, now: float) -> bool:
        """Some of the startup allowance is left, within the first minute."""
        return self.startup_left >= 1 and now < self.startup_until

    def _startup(self, now: float, priority: int) -> bool:
        """Whether this request may use the startup allowance: the focused work between
        the essential polls (which keep to the usual bucket) and the background."""
        return ESSENTIAL < priority < BACKGROUND and self.startup_open(now)

    def allowed(self, now: float, priority: int) -> bool:
        """Whether a request may go now: tokens, pause, the sliding-minute ceiling and shares."""
        self._refill(now)
        token = self.tokens >= 1 or self._startup(now, priority)
        if now < self.paused_until or not token or len(self.sent) >= self.per_min:
            return False
        if priority > ESSENTIAL and self._low_remaining(now):
            return False
        if priority > SELECTED and len(self.sent) >= self.per_min - self._reserve():
            return False
        return priority < BACKGROUND or not self._background_held()

    def _reserve(self) -> int:
        return min(RESERVED_FOR_SELECTED, int(0.1 * self.per_min))

    def _shares(self) -> tuple[int, int]:
        """Request counts (at least 1) at which background work is held: total, its own."""
        return (
            max(1, math.ceil(self.soft_share * self.per_min)),
            max(1, math.ceil(self.background_floor * self.per_min)),
        )

    def _background_held(self) -> bool:
        share, floor = self._shares()
        return len(self.sent) >= share and len(self.sent_background) >= floor

    def _watch_slice(self) -> int:
        return max(1, math.floor(WATCH_SHARE * self.per_min))

    def watch_held(self, now: float) -> bool:
        """Whether a request of the watch share must wait: its slice of the minute is spent, or
        it would take a token or a place in the minute the active sweep's next run needs."""
        self._refill(now)
        return (
            len(self.sent_watch) >= self._watch_slice()
            or self.tokens < 1 + self.sweep_room
            or len(self.sent) >= self.per_min - self._reserve() - self.sweep_room
        )

    def watch_wait_s(self, now: float) -> float:
        """A lower bound on how long the watch share is held (`watch_held`)."""
        self._refill(now)
        waits = [0.0]
        slice_ = self._watch_slice()
        if len(self.sent_watch) >= slice_:
            waits.append(self.sent_watch[len(self.sent_watch) - slice_] + WINDOW_S - now)
        if self.tokens < 1 + self.sweep_room:
            waits.append((1 + self.sweep_room - self.tokens) / self.rate)
        ceiling = self.per_min - self._reserve() - self.sweep_room
        if self.sent and len(self.sent) >= ceiling:
            index = max(0, min(len(self.sent) - 1, len(self.sent) - max(1, math.ceil(ceiling))))
            waits.append(self.sent[index] + WINDOW_S - now)
        return max(waits) + (0.001 if max(waits) > 0 else 0.0)

    def take(self, now: float, priority: int, *, watch: bool = False) -> bool:
        """A token for a request of this priority (`watch`: of the watch share, already
        cleared by `watch_held`), if the budget allows it now."""
        if not self.allowed(now, priority):
            return False
        if self._startup(now, priority):
            self.startup_left -= 1
            self.sent_startup.append(now)
        else:
            self.tokens -= 1
        self.sent.append(now)
        if priority >= BACKGROUND:
            self.sent_background.append(now)
        if watch:
            self.sent_watch.append(now)
        if self.server_remaining is not None:
            self.server_remaining = max(0, self.server_remaining - 1)
        return True

    def wait_s(self, now: float, priority: int) -> float:
        """A lower bound on how long until `take` can succeed for this priority."""
        self._refill(now)
        waits = [0.0]
        if now < self.paused_until:
            waits.append(self.paused_until - now)
        if self.tokens < 1 and not self._startup(now, priority):
            waits.append((1 - self.tokens) / self.rate)
        ceiling = self.per_min - (self._reserve() if priority > SELECTED else 0)
        if self.sent and len(self.sent) >= ceiling:
            # Allowed again once fewer than `ceiling` remain: when the request at this index
            # leaves (ceil, not floor: a ceiling of 1.5 lets 2 through, so 2 of 3 must stay).
            index = max(0, min(len(self.sent) - 1, len(self.sent) - max(1, math.ceil(ceiling))))
            waits.append(self.sent[index] + WINDOW_S - now)
        if priority > ESSENTIAL and self._low_remaining(now) and self.server_reset_at:
            waits.append(self.server_reset_at - now)
        if priority >= BACKGROUND and self._background_held():
            # Held until either the minute's total falls under the share or the floor frees.
            share, floor = self._shares()
            total = self.sent[len(self.sent) - share]
            own = self.sent_background[len(self.sent_background) - floor]
            waits.append(min(total, own) + WINDOW_S - now)
        return max(waits) + (0.001 if max(waits) > 0 else 0.0)

    def observe(self, info: RateLimitInfo | None, now: float) -> None:
        """Adopt what the server says about our budget."""
        if info is None:
            return
        if info.limit:
            self.server_limit = info.limit
            self.per_min = min(self.configured_per_min, info.limit / 2)
        if info.remaining is not None:
            self.server_remaining = info.remaining
        if info.reset_after_s is not None:
            self.server_reset_at = now + info.reset_after_s

    def rate_limited(self, now: float, retry_after: float | None, rng: random.Random) -> float:
        """A 429: pause everything; returns the pause in seconds."""
        # A bare 429 during a pause answers a request sent before the pause began (none leaves
        # during one): the same refusal as the one that set it, not one more in a row. Three
        # lists read at once, each refused bare, doubled the backoff twice (2 s became 8 s),
        # past `snapshot`'s round, which then never retried them (hostile finding 8).
        if retry_after is not None or now >= self.paused_until:
            self.consecutive_429 += 1
        if retry_after is not None:
            pause = retry_after
        elif self.server_reset_at is not None and self.server_reset_at > now:
            pause = min(300.0, self.server_reset_at - now)
        else:
            doubled = max(1, self.consecutive_429) - 1
            pause = min(60.0, 2.0 * 2**doubled) * rng.uniform(0.8, 1.2)
        pause = max(1.0, pause)
        self.paused_until = max(self.paused_until, now + pause)
        return pause

    def succeeded(self) -> None:
        self.consecutive_429 = 0
