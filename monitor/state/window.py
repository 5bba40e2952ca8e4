"""A campaign's calling window (issue 19, "outside its calling window"), from what the API states.

The OpenAPI documents a batch's window only as fields of its creation (`POST /batch-calls`):
`starts_at` / `ends_at` (ISO 8601 instants) and `calling_hours_start` / `calling_hours_end`
(`"09:00"`, a time of day, no zone stated). No read response lists them; a record that carries
them is read (`Campaign`), one that does not states no window, and a minute is then never
"outside its window", only unexplained.

- `starts_at` / `ends_at` are instants: before the one or after the other is outside, always.
- Calling hours are a time of day in a zone the API does not state: they are judged only when
  the record names its zone (`timezone`, an IANA name); otherwise not known (None). An end
  before the start is a window over midnight (`22:00`-`06:00`); equal ends mean all day.

Pure: a campaign and an instant in, True / False / None (not known) out.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.api.models import Campaign

_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


def time_of_day(value: str | None) -> time | None:
    """`"09:00"`, `"9:00"`, `"09:00:30"` to a time; None for anything else (`"24:00"` too)."""
    if value is None:
        return None
    m = _HHMM.match(value)
    if m is None:
        return None
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 23 or mi > 59 or s > 59:
        return None
    return time(h, mi, s)


def zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def states_window(c: Campaign) -> bool:
    """Whether the record states any part of a calling window."""
    return any(
        v is not None for v in (c.starts_at, c.ends_at, c.calling_hours_start, c.calling_hours_end)
    )


def in_window(c: Campaign, at: datetime) -> bool | None:
    """Whether `at` is inside the campaign's calling window; None when that is not known (no
    window stated, or hours whose zone is not named)."""
    if c.starts_at is not None and at < c.starts_at:
        return False
    if c.ends_at is not None and at >= c.ends_at:
        return False
    start, end = time_of_day(c.calling_hours_start), time_of_day(c.calling_hours_end)
    if start is None or end is None:
        return True if (c.starts_at or c.ends_at) else None
    tz = zone(c.timezone)
    if tz is None:
        return None
    now = at.astimezone(tz).time()
    if start == end:
        return True
    if start < end:
        return start <= now < end
    return now >= start or now < end  # over midnight
