"""What a half-read listing already proves, and how wide its pages are: pure, no IO.

`GET /calls` answers newest first (by creation). A page is a consistent slice of that order at
the moment it was read: every call listed then and created strictly between the page's first
and last rows was on it. So a call known to be in flight when a sweep began, created inside the
span of a page just read and not on it (nor on any page before), had left the list by then: it
ended. That lets a 5-page sweep at 1,000 in flight say so after the page that covered the call,
not only at the end of the sweep.

Spans, not ranges across pages: between two pages, calls dialled out of the queue (created
earlier, listed only now) and calls ending move rows either way, so page 2 may well start newer
than page 1 ended. If a page itself is not newest first, nothing is inferred for the rest of
the session. A wrong inference would cost little (the `call_id` lookup that follows revives
the call).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.api.client import CALLS_PAGE_SIZE, MAX_PAGE_SIZE
from monitor.api.pages import Page


@dataclass
class SweepOrder:
    ordered: bool = True
    """False once a page broke the newest-first order: then nothing is inferred."""
    spans: list[tuple[datetime, datetime]] = field(default_factory=list)
    """Each page's (last, first) creation times."""

    def add_page(self, created: Iterable[datetime | None]) -> None:
        """A page's rows' creation times, in the order given."""
        first: datetime | None = None
        last: datetime | None = None
        for at in created:
            if at is None:
                continue
            if last is not None and at > last:
                self.ordered = False
            if first is None:
                first = at
            last = at
        if first is not None and last is not None and last < first:
            self.spans.append((last, first))

    def left_list(self, created_at: datetime | None) -> bool:
        """Whether a call created then, live and listed before, not on the pages read so far
        this sweep, has left the list."""
        if not self.ordered or created_at is None:
            return False
        return any(low < created_at < high for low, high in self.spans)


NARROW = MAX_PAGE_SIZE
"""Rows a page on the reference site (its maximum)."""
WIDE = CALLS_PAGE_SIZE
"""Rows a page the OpenAPI allows on `GET /calls`: half the requests for a long listing."""
LIST_DRIFT = 2
"""Rows a live list may move by between a server's count and its rows (and 10% of them)."""


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


def beyond_drift(total: int, rows: int) -> bool:
    """A server's `total` is more than the rows it gave by more than a live list moves while
    it is read (calls start and end between its count and its rows: 40 rows of 41 is such a
    list, not a cut page, and must cost no second page each sweep, nor a "left out" note)."""
    return total - rows > max(LIST_DRIFT, rows // 10)


@dataclass
class Paging:
    """One read of a listing, page by page: the limit to ask for next, and when it is done."""

    width: PageWidth
    limit: int
    _probing: bool = False
    pages: int = 0
    rows: int = 0
    """Pages and rows (as sent) read so far (`after`)."""
    left_out: int = 0
    """Rows the server's own figures said were beyond the pages it gave, when it then gave
    no more (an empty page while its `totalPages`/`total` said more): the listing ended
    short of them, and its count is not exact (`ActiveSweep` says so)."""

    def after(self, page: Page[Any]) -> bool:
        """After a page: whether the listing is complete, by every signal its envelope gave
        (its `total` and page count), not its length alone: a page short of what was asked
        ends the listing only when nothing the server said puts rows beyond it."""
        self.pages += 1
        self.rows += page.raw_count
        raw, total = page.raw_count, page.total
        if (
            self.pages == 1
            and total is not None
            and 0 < raw < min(self.limit, page.limit)
            and beyond_drift(total, raw)
        ):
            # Fewer rows than asked and than its own total, and no `limit` saying so: the
            # server cuts its pages at this many (20 of 45, where 200 were asked). Asked at
            # its width, the next pages start where this one ended.
            self.limit = raw
            return False
        pages_said = page.total_pages
        if total is not None and self.limit > 0:
            pages_said = max(pages_said or 0, math.ceil(total / self.limit))
        # A server whose `meta.page` stays at 1 is not taken to say page 1 again and again.
        more_said = pages_said is not None and max(page.page, self.pages) < pages_said
        verdict = self.done(raw, page.limit, pages_said is not None and not more_said)
        if verdict and more_said and (raw > 0 or self.pages == 1):
            # Short, yet the server says more pages follow (an empty first page of
            # `totalPages: 2`): read on, as far as the caller's page cap.
            return False
        if verdict and raw == 0 and self.pages > 1:
            if total is not None and beyond_drift(total, self.rows):
                self.left_out = total - self.rows
            elif total is None and more_said:  # its page count alone says more
                self.left_out = 1
        return verdict

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
