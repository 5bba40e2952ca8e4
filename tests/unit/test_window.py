"""The calling window (issue 19): every documented variant of the batch's window fields, the
zone only when the record names one, windows over midnight; no window stated is not known."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from monitor.api.models import Campaign
from monitor.state.window import in_window, states_window, time_of_day


def camp(**fields: object) -> Campaign:
    return Campaign.model_validate({"id": "batch_1", "status": "running", **fields})


def at(h: int, m: int = 0) -> datetime:
    return datetime(2026, 11, 23, h, m, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [("09:00", time(9)), ("9:05", time(9, 5)), ("18:00:30", time(18, 0, 30)),
     (" 07:30 ", time(7, 30)), ("24:00", None), ("9am", None), ("", None), (None, None)],
)  # fmt: skip
def test_calling_hours_are_read_as_a_time_of_day(raw: str | None, parsed: time | None) -> None:
    assert time_of_day(raw) == parsed


def test_no_window_stated_is_not_known_never_outside() -> None:
    c = camp()
    assert not states_window(c)
    assert in_window(c, at(3)) is None


def test_hours_without_a_zone_are_not_judged() -> None:
    c = camp(calling_hours_start="09:00", calling_hours_end="18:00")
    assert states_window(c)
    assert in_window(c, at(3)) is None  # the API states no zone for them


def test_hours_in_the_zone_the_record_names() -> None:
    c = camp(calling_hours_start="09:00", calling_hours_end="18:00", timezone="Asia/Kolkata")
    assert in_window(c, at(3, 29)) is False  # 08:59 in Kolkata
    assert in_window(c, at(3, 30)) is True  # 09:00
    assert in_window(c, at(12, 29)) is True  # 17:59
    assert in_window(c, at(12, 30)) is False  # 18:00: the end is outside
    assert in_window(camp(calling_hours_start="09:00", calling_hours_end="18:00",
                          timezone="Not/AZone"), at(10)) is None  # fmt: skip


def test_a_window_over_midnight_and_an_all_day_one() -> None:
    night = camp(calling_hours_start="22:00", calling_hours_end="06:00", timezone="UTC")
    assert in_window(night, at(23)) is True
    assert in_window(night, at(5, 59)) is True
    assert in_window(night, at(6)) is False
    assert in_window(night, at(12)) is False
    day = camp(calling_hours_start="00:00", calling_hours_end="00:00", timezone="UTC")
    assert in_window(day, at(12)) is True


def test_starts_at_and_ends_at_are_instants_judged_without_a_zone() -> None:
    c = camp(starts_at="2026-11-23T09:00:00Z", ends_at="2026-11-23T18:00:00.000Z")
    assert in_window(c, at(8, 59)) is False
    assert in_window(c, at(9)) is True
    assert in_window(c, at(18)) is False
    both = camp(starts_at="2026-11-23T09:00:00Z", calling_hours_start="10:00",
                calling_hours_end="11:00")  # fmt: skip
    assert in_window(both, at(8)) is False  # before its start, whatever the hours' zone
    assert in_window(both, at(10, 30)) is None
    assert camp(startsAt="2026-11-23T09:00:00Z").starts_at == at(9)  # camelCase too
