"""A row read again with only its duration moved (a call in flight, a second later) gives the
record read before with the duration re-read: exactly what reading the row in full gives, for
rows of any shape the OpenAPI allows and durations of any JSON type (issue 21, CPU)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.api.models import DURATION_KEYS, LIVE_DURATION, Call
from monitor.api.rowcache import RowCache
from tests.api.test_openapi_properties import PROPERTY, call_rows

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=10**7),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["12", " 7.5 ", "abc", "", "-1", "1e3", "NaN"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
"""What a duration (or any other field) may hold: the OpenAPI's `CallLogs` allows anything."""
DURATIONS = st.one_of(st.integers(min_value=0, max_value=3600), st.floats(0, 3600), ODD_VALUES)
"""Mostly durations that read (the path under test), and anything else."""


def same(got: Call, full: Call) -> None:
    """Equal as the store and the screens see them: values, their types, what the read carried."""
    assert got == full
    assert got.model_fields_set == full.model_fields_set
    assert got.model_dump() == full.model_dump()
    assert [type(v) for v in got.__dict__.values()] == [type(v) for v in full.__dict__.values()]


def counting() -> tuple[RowCache[Call], list[Any]]:
    reads: list[Any] = []

    def read(row: Any) -> Call:
        reads.append(row)
        return Call.model_validate(row)

    return RowCache(read, volatile=LIVE_DURATION), reads


@settings(PROPERTY, max_examples=100)
@given(
    call_rows,
    st.sets(st.sampled_from(DURATION_KEYS), min_size=1, max_size=2),
    st.lists(DURATIONS, min_size=4, max_size=4),
)
def test_a_row_whose_duration_moved_reads_as_a_full_read(
    row: dict[str, Any], keys: set[str], values: list[Any]
) -> None:
    row = {**row, "id": "call_1"}
    cache, _reads = counting()
    first = dict(row, **{k: values[n] for n, k in enumerate(sorted(keys))})
    later = dict(row, **{k: values[n + 2] for n, k in enumerate(sorted(keys))})
    same(cache(first), Call.model_validate(first))
    same(cache(later), Call.model_validate(later))
    same(cache(first), Call.model_validate(first))


def test_an_in_flight_call_read_a_second_later_is_not_read_in_full() -> None:
    cache, reads = counting()
    row = {
        "id": "call_1",
        "status": "in_progress",
        "duration_seconds": 12,
        "metadata": {"lead": 1},
        "retry": {"max_retries": 3, "retry_on_busy": True},
    }
    first = cache(row)
    later = cache({**row, "duration_seconds": 13})
    assert (first.duration_s, later.duration_s) == (12, 13)
    assert later.retry == first.retry and later.status is first.status
    assert len(reads) == 1 and cache.patched == 1
    # Read back, the earlier duration is the earlier record.
    assert cache(row) is first


def test_a_duration_that_cannot_be_read_is_read_in_full_and_named_unread() -> None:
    cache, reads = counting()
    cache({"id": "call_1", "duration": 12})
    later = cache({"id": "call_1", "duration": "soon"})
    assert later.duration_s is None and later.unread == ("duration_s",)
    assert len(reads) == 2
    # From an unread duration to a readable one: read in full again (unread must go).
    again = cache({"id": "call_1", "duration": 14})
    assert again.duration_s == 14 and again.unread == ()
    assert len(reads) == 3


def test_another_field_moving_with_the_duration_is_read_in_full() -> None:
    cache, reads = counting()
    cache({"id": "call_1", "status": "in_progress", "duration": 12})
    later = cache({"id": "call_1", "status": "completed", "duration": 13})
    assert later.status.value == "completed"
    assert len(reads) == 2


def test_a_duration_under_another_spelling_is_read_in_full() -> None:
    cache, reads = counting()
    cache({"id": "call_1", "duration": 12})
    assert cache({"id": "call_1", "duration_sec": 13}).duration_s == 13
    assert len(reads) == 2
