"""Rows read again unchanged give the record read last time; any change, even of a value's
type alone, is read again (issue 21: reading pages was a fifth of the monitor's CPU)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from monitor.api.models import Call
from monitor.api.rowcache import RowCache


def counting() -> tuple[RowCache[Call], list[Any]]:
    seen: list[Any] = []

    def read(row: Any) -> Call:
        seen.append(row)
        return Call.model_validate(row)

    return RowCache(read), seen


def test_an_unchanged_row_is_not_read_again() -> None:
    cache, seen = counting()
    row = {"id": "call_1", "status": "in_progress", "duration": 12}
    first = cache(row)
    again = cache(dict(row))  # a new page: an equal row, another object
    assert again is first
    assert len(seen) == 1


@pytest.mark.parametrize(("before", "after", "shown"), [(12, 12.0, "12.0"), (1, True, None)])
def test_a_value_equal_but_of_another_type_is_read_again(
    before: Any, after: Any, shown: str | None
) -> None:
    # 12 == 12.0 and 1 == True in Python, but the models read them differently (a bool is not
    # text: not known).
    cache, seen = counting()
    assert cache({"id": "call_1", "to_number": before}).to_number == str(before)
    assert cache({"id": "call_1", "to_number": after}).to_number == shown
    assert len(seen) == 2


def test_a_changed_row_is_read_again() -> None:
    cache, seen = counting()
    cache({"id": "call_1", "status": "in_progress"})
    assert cache({"id": "call_1", "status": "completed"}).status.value == "completed"
    assert len(seen) == 2


def test_an_unreadable_row_fails_every_time() -> None:
    cache, seen = counting()
    for _ in range(2):
        with pytest.raises(ValidationError):
            cache({"status": "completed"})  # no id
    assert len(seen) == 2


def test_the_cache_is_bounded_to_two_generations() -> None:
    seen: list[Any] = []
    cache: RowCache[Call] = RowCache(lambda r: seen.append(r) or Call.model_validate(r), 2)
    rows = [{"id": f"call_{n}"} for n in range(5)]
    for row in rows:
        cache(row)
    cache(rows[0])  # three generations ago: gone, read again
    cache(rows[4])  # the newest generation: kept
    assert [r["id"] for r in seen] == [f"call_{n}" for n in range(5)] + ["call_0"]


def test_a_row_holding_a_value_no_json_has_is_read_every_time() -> None:
    # Not from an API page (JSON has no such values), but the cache must not fail on it.
    cache, seen = counting()
    row = {"id": "call_1", "metadata": {"when": object()}}
    for _ in range(2):
        assert cache(row).id == "call_1"
    assert len(seen) == 2


def held(cache: RowCache[Call]) -> int:
    return len(cache._new) + len(cache._old)


def test_a_cache_that_finds_nothing_holds_few_rows_and_grows_back_when_rows_come_again() -> None:
    # `huge`: most rows read are new or changed since their last read (1% found): the cache
    # keeps a few rows, not two full generations of records and keys the store does not share.
    from monitor.api.rowcache import GENERATION, SMALLEST

    cache, seen = counting()
    for i in range(10 * GENERATION):
        cache({"id": f"new_{i}", "status": "completed"})
    assert held(cache) <= 2 * SMALLEST
    # Then the same 300 rows polled again and again (`busy`): full generations find them, and
    # the cache is full-sized again.
    rows = [{"id": f"again_{i}", "status": "in_progress"} for i in range(300)]
    for _ in range(12):
        for row in rows:
            cache(dict(row))
    reads = len(seen)
    for row in rows:
        cache(dict(row))
    assert len(seen) == reads  # every one found
    assert held(cache) >= len(rows)
