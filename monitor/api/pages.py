"""Every pagination variant the vendor documents (API sheet section 4), read one way.

Items may sit under `data`, `items`, `callLogs` or be the bare root array; the total under
`meta.total`, `meta.totalItems`, `total` or `count`; the page count may be missing. A row with
an id is kept even with fields that cannot be read (they are counted in `unread`); rows that
cannot be read at all (no id, not an object) are dropped and counted, so one bad row never costs
the whole page (P4, P6); duplicates are dropped so counts are never doubled (P13).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from monitor.api.errors import BadPayload

T = TypeVar("T")

ITEM_KEYS = ("data", "items", "callLogs", "results")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    page: int
    limit: int
    total: int | None = None
    """Items across all pages, when the API said (and said something plausible)."""
    total_pages: int | None = None
    skipped: int = 0
    skip_reasons: Mapping[str, int] = field(default_factory=dict)
    raw_count: int = 0
    """Rows the server sent on this page, before any were dropped (to detect a short page)."""
    unread: Mapping[str, int] = field(default_factory=dict)
    """Rows kept with a field that could not be read, by field name (shown as not known)."""

    @property
    def is_last(self) -> bool:
        if self.total_pages is not None:
            return self.page >= self.total_pages
        return self.raw_count < self.limit


@dataclass(frozen=True, slots=True)
class ReadNote:
    """What one read left out or could not read: told to the store, the status line and
    `snapshot` (never only to a log)."""

    path: str
    skipped: int = 0
    """Rows left out (no id, not an object, a duplicate)."""
    reasons: Mapping[str, int] = field(default_factory=dict)
    unread: Mapping[str, int] = field(default_factory=dict)
    """Records kept with a field that could not be read, by field name."""

    def words(self) -> str:
        parts = []
        if self.skipped:
            why = "; ".join(sorted(self.reasons))[:160]
            parts.append(f"{self.skipped} row{'s' * (self.skipped != 1)} left out ({why})")
        if self.unread:
            rows = sum(self.unread.values())
            names = ", ".join(sorted(self.unread))[:120]
            parts.append(f"{rows} unreadable field value{'s' * (rows != 1)} ({names})")
        return "; ".join(parts)


def unwrap(payload: Any) -> Any:
    """Drop the `{statusCode, message, data}` wrapper some endpoints add (API sheet section 2)."""
    while (
        isinstance(payload, dict)
        and "statusCode" in payload
        and isinstance(payload.get("data"), dict)
    ):
        payload = payload["data"]
    return payload


def _plausible_count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return int(value)


def describe_error(exc: ValidationError) -> str:
    """Where a record failed, by field name and reason, never by value (H6)."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False)[:3]:
        loc = ".".join(str(p) for p in err["loc"]) or "record"
        msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


def parse_page(
    payload: Any,
    parse_item: Callable[[Any], T],
    *,
    page: int,
    limit: int,
    key: Callable[[T], str] | None = None,
    path: str = "",
) -> Page[T]:
    """Read one page of a list endpoint in any documented shape."""
    payload = unwrap(payload)
    meta: Mapping[str, Any] = {}
    rows: Any
    if isinstance(payload, list):
        rows = payload
    elif isinstance(payload, dict):
        rows = next((payload[k] for k in ITEM_KEYS if k in payload), None)
        if rows is None and any(k in payload for k in ITEM_KEYS):
            rows = []  # `data: null` (P8): an empty page, not a crash
        if rows is None:
            raise BadPayload(
                f"Bad payload from {path or 'the API'}: no list of items in the response",
                where="items",
                path=path,
            )
        raw_meta = payload.get("meta")
        meta = raw_meta if isinstance(raw_meta, dict) else {}
        if not meta:
            meta = payload
    else:
        raise BadPayload(
            f"Bad payload from {path or 'the API'}: expected a list or an object",
            where="root",
            path=path,
        )
    if not isinstance(rows, list):
        raise BadPayload(
            f"Bad payload from {path or 'the API'}: the items are not a list",
            where="items",
            path=path,
        )

    total = next(
        (
            c
            for c in (_plausible_count(meta.get(k)) for k in ("total", "totalItems", "count"))
            if c is not None
        ),
        None,
    )
    got_limit = _plausible_count(meta.get("limit") or meta.get("itemsPerPage"))
    eff_limit = got_limit if got_limit else limit
    got_page = _plausible_count(meta.get("page") or meta.get("currentPage"))
    eff_page = got_page if got_page else page
    total_pages = _plausible_count(meta.get("totalPages"))
    if total_pages is None and total is not None and eff_limit > 0:
        total_pages = math.ceil(total / eff_limit)

    items: list[T] = []
    reasons: Counter[str] = Counter()
    unread: Counter[str] = Counter()
    seen: set[str] = set()
    for row in rows:
        try:
            item = parse_item(row)
        except ValidationError as exc:
            reasons[describe_error(exc)] += 1
            continue
        except (ValueError, TypeError):
            reasons["unreadable row"] += 1
            continue
        if key is not None:
            ident = key(item)
            if ident in seen:
                reasons["duplicate id"] += 1
                continue
            seen.add(ident)
        for name in getattr(item, "unread", ()):
            unread[name] += 1
        items.append(item)
    return Page(
        items=tuple(items),
        page=eff_page,
        limit=eff_limit,
        total=total,
        total_pages=total_pages,
        skipped=sum(reasons.values()),
        skip_reasons=dict(reasons),
        raw_count=len(rows),
        unread=dict(unread),
    )
