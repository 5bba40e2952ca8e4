"""What a half-read listing already proves: pure, no IO.

`GET /calls` answers newest first (by creation). Once pages 1..k of a sweep are in, every call
created between the oldest on page k-1 and the newest on page 1 should have been on them: a
known live call in that range that was not listed has left the list (it ended, or was dialled
out of the queue). That lets a 10-page sweep at 1,000 in flight say so after the page that
covered the call, not only at the end of the sweep.

Page k-1, not k: while the pages are read, calls ending ahead of a row shift it towards the
front, so a row at the very end of page k may have slid onto page k-1 just after that was read.
A wrong inference costs little (the `call_id` lookup that follows revives the call), but one
page of margin makes it rare. If the server does not order by creation after all, no inference
is made for the rest of the session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from monitor.api.client import CALLS_PAGE_SIZE, MAX_PAGE_SIZE


@dataclass
class SweepOrder:
    ordered: bool = True
    """False once any page broke the newest-first order: then nothing is inferred."""
    newest: datetime | None = None
    bounds: list[datetime | None] = field(default_factory=list)
    """The oldest creation time on each page read (None for a page without one)."""
    _last: datetime | None = None

    def add_page(self, created: Iterable[datetime | None]) -> None:
        oldest: datetime | None = None
        for at in created:
            if at is None:
                continue
            if self._last is not None and at > self._last:
                self.ordered = False
            if self.newest is None:
                self.newest = at
            self._last = at
            oldest = at
        self.bounds.append(oldest)

    def covered(self) -> tuple[datetime, datetime] | None:
        """The creation times `(after, up_to]` that the pages read so far fully cover."""
        if not self.ordered or len(self.bounds) < 2 or self.newest is None:
            return None
        after = self.bounds[-2]
        if after is None:
            return None
        return after, self.newest

    def left_list(self, created_at: datetime | None) -> bool:
        """Whether a call created then, not listed so far this sweep, has left the list."""
        span = self.covered()
        return span is not None and created_at is not None and span[0] < created_at <= span[1]


NARROW = MAX_PAGE_SIZE
"""Rows a page on the reference site (its maximum)."""
WIDE = CALLS_PAGE_SIZE
"""Rows a page the OpenAPI allows on `GET /calls`: half the requests for a long listing."""


@dataclass
class PageWidth:
    """Whether this API honours 200 rows a page on `/calls`, learnt once per session.

    A server that cuts pages at 100 without saying so (a bare array has no `meta.limit`) looks
    like a short last page. So a page of exactly 100 when 200 were asked is never taken as the
    last one: the listing goes on at 100 a page, which is right either way (page 2 at 100 starts
    at row 101), and page 2 having rows proves the cut.
    """

    honoured: bool | None = None

    def start(self) -> Paging:
        return Paging(self, NARROW if self.honoured is False else WIDE)


@dataclass
class Paging:
    """One read of a listing, page by page: the limit to ask for next, and when it is done."""

    width: PageWidth
    limit: int
    _probing: bool = False

    def done(self, raw_count: int, limit_said: int, last_said: bool) -> bool:
        """After a page of `raw_count` rows (the server saying its limit and whether the page
        was the last, where it did): whether the listing is complete."""
        width = self.width
        if self._probing:
            self._probing = False
            if raw_count > 0:
                width.honoured = False
        if self.limit > NARROW:
            if raw_count > NARROW:
                width.honoured = True
            elif limit_said < self.limit:
                width.honoured = False  # it said so (`meta.limit`)
                self.limit = limit_said
            elif raw_count == NARROW and width.honoured is None:
                self.limit = NARROW
                self._probing = True
                return False
        return last_said or raw_count < min(self.limit, limit_said)

    def full(self, raw_count: int) -> bool:
        """Whether a page holds as many rows as the server gives (more may lie beyond it)."""
        return raw_count >= (self.limit if self.width.honoured else NARROW)
