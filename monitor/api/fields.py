"""Field readers for the API models: what can be read is read, what cannot is "not known".

Each reader takes a raw JSON value and returns the typed value, `None` for an absent one, or
raises `ValueError` for one it cannot read. The models call them once per field through
`read_fields`, which turns a `ValueError` into "not known" and names the field in the record's
`unread` list: one odd value (a duration of "abc", a list where a name should be) never costs
the whole record, and never silently reads as a value either.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator

MAX_DURATION_S = 7 * 24 * 3600
"""No call lasts a week: above this a duration is a unit error or garbage, not data (P4)."""


def pick(raw: Mapping[str, Any], *names: str) -> Any:
    """The first of `names` present with a non-null value."""
    for name in names:
        value = raw.get(name)
        if value is not None:
            return value
    return None


def parse_datetime(value: Any) -> datetime | None:
    """Lenient timestamp reading (P11): ISO 8601 with or without ms/zone, epoch s or ms.

    Unreadable values ("Invalid Date", out-of-range epochs) read as "not known" rather than
    failing the whole record: a call with a bad timestamp is still worth showing, with a dash.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        seconds = value / 1000 if abs(value) > 100_000_000_000 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.endswith(("z", "Z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError):
            return None
    return None


def read_timestamp(value: Any) -> datetime | None:
    """`parse_datetime`, but a value that was there and could not be read is a `ValueError`."""
    parsed = parse_datetime(value)
    if parsed is None and value is not None:
        raise ValueError("not a time")
    return parsed


def read_duration(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("not a number of seconds")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError("not a number of seconds") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("not a number of seconds")
    if value < 0 or value > MAX_DURATION_S:
        raise ValueError("duration out of range")
    return round(value)


def read_count(value: Any) -> int | None:
    """Counters: a negative or unreadable count is unknown, not an error (P9)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number) or number < 0:
        return None
    return int(number)


def read_number_of(value: Any) -> int | None:
    """A count inside a record: as `read_count`, but one that was there and is negative or
    unreadable is a `ValueError` (listed in the record's `unread`, not silently unknown)."""
    number = read_count(value)
    if number is None and value is not None:
        raise ValueError("not a count")
    return number


def read_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError("expected text")


def read_mapping(value: Any) -> dict[str, Any] | None:
    """Free-form objects (metadata, analysis)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return dict(value)
    raise ValueError("expected an object")


def read_id(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError("missing or not an id")


def _lenient(reader: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """For a model built directly: a value `read_fields` already read passes unchanged, and
    one that cannot be read is "not known" rather than a failed record."""

    def read(value: Any) -> Any:
        try:
            return reader(value)
        except ValueError:
            return None

    return read


Duration = Annotated[int | None, BeforeValidator(_lenient(read_duration))]
Count = Annotated[int | None, BeforeValidator(read_count)]
Text = Annotated[str | None, BeforeValidator(_lenient(read_text))]
Timestamp = Annotated[datetime | None, BeforeValidator(parse_datetime)]
FreeForm = Annotated[dict[str, Any] | None, BeforeValidator(_lenient(read_mapping))]
RequiredId = Annotated[str, BeforeValidator(read_id)]

Readers = Mapping[str, Callable[[Any], Any]]


def read_fields(fields: dict[str, Any], readers: Readers) -> dict[str, Any]:
    """Read each field with its reader; keep only those with a value (what the read carried,
    for `model_fields_set` and the store's merge); list the unreadable ones in `unread`."""
    out: dict[str, Any] = {}
    unread: list[str] = []
    for name, value in fields.items():
        if value is None:
            continue
        reader = readers.get(name)
        if reader is not None:
            try:
                value = reader(value)
            except (ValueError, TypeError):
                unread.append(name)
                continue
            if value is None:
                continue
        out[name] = value
    if unread:
        out["unread"] = tuple(unread)
    return out
