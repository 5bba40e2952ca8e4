"""Issue 15's defences at their exact edges (the survivors of `make mutation` after its merge):
numbers from headers and fields, the `Date` header's plausible years, a one-row history's
source, the live row of a timeline."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from monitor.api.ratelimit import parse_number, parse_rate_limit, server_time
from monitor.state.derive import build_timeline, history_from_call, reconcile
from tests.unit.derive_data import S, attempt, call

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_a_number_is_read_from_ints_and_floats_up_to_what_a_float_holds() -> None:
    assert parse_number(3) == 3.0
    assert parse_number(-7) == -7.0
    assert parse_number(2.5) == 2.5
    assert parse_number(2**1023 - 1) == float(2**1023 - 1)
    # At 2**1023 and beyond an int is refused before `float` is asked (it would overflow at
    # 2**1024): not a number, never an exception.
    assert parse_number(2**1023) is None
    assert parse_number(2**1024) is None
    assert parse_number(-(2**1023)) is None
    assert parse_number(True) is None
    assert parse_number(float("inf")) is None


def headers(**values: str) -> httpx.Headers:
    return httpx.Headers({k.replace("_", "-"): v for k, v in values.items()})


def test_a_limit_header_is_a_whole_number_below_2_to_the_53() -> None:
    below = parse_rate_limit(headers(x_ratelimit_limit=str(2**53 - 1)), NOW)
    assert below.limit == 2**53 - 1
    for absurd in (str(2**53), str(2**54), str(3**53), "-1", "1e400"):
        assert parse_rate_limit(headers(x_ratelimit_limit=absurd), NOW).limit is None, absurd


def test_the_date_header_counts_from_2000_to_9000_else_the_local_clock() -> None:
    def date(year: int) -> httpx.Headers:
        return headers(date=f"Thu, 01 Jan {year} 00:00:00 GMT")

    assert server_time(date(2000), NOW) == datetime(2000, 1, 1, tzinfo=UTC)
    assert server_time(date(9000), NOW) == datetime(9000, 1, 1, tzinfo=UTC)
    assert server_time(date(1999), NOW) == NOW
    assert server_time(date(9001), NOW) == NOW
    assert server_time(headers(), NOW) == NOW
    assert server_time(headers(), None) is None


def test_a_history_from_the_call_record_says_so() -> None:
    history = history_from_call(call("busy"))
    assert history.source == "call-record"


def test_only_the_last_attempt_in_flight_is_live() -> None:
    from monitor.api.models import RetryHistory

    history = RetryHistory(
        call_id="c", attempts=(attempt(1, "in_progress"), attempt(2, "in_progress"))
    )
    rows = build_timeline(history, None, NOW).rows
    assert [row.live for row in rows] == [False, True]
    ended = RetryHistory(call_id="c", attempts=(attempt(1, "busy"),))
    assert [row.live for row in build_timeline(ended, None, NOW).rows] == [False]


def test_reconcile_keeps_every_earlier_attempt_when_the_live_one_moves() -> None:
    from monitor.api.models import RetryHistory

    history = RetryHistory(
        call_id="c",
        attempts=(
            attempt(1, "no_answer", call_id="call_0"),
            attempt(2, "busy", call_id="call_0b"),
            attempt(3, "dialing", call_id="call_1"),
        ),
    )
    updated = reconcile(history, call("in_progress", attempt=3))
    assert [a.attempt for a in updated.attempts] == [1, 2, 3]
    assert updated.attempts[:2] == history.attempts[:2]
    assert updated.attempts[2].outcome is S.IN_PROGRESS


def test_a_read_note_says_what_was_left_out_and_what_could_not_be_read() -> None:
    from monitor.api.pages import ReadNote

    one = ReadNote("/calls", skipped=1, reasons={"id: Field required": 1})
    assert one.words() == "1 row left out (id: Field required)"
    many = ReadNote(
        "/calls",
        skipped=3,
        reasons={"duplicate id": 2, "id: Field required": 1},
        unread={"to_number": 2, "duration_s": 1},
    )
    assert many.words() == (
        "3 rows left out (duplicate id; id: Field required); "
        "3 unreadable field values (duration_s, to_number)"
    )
    assert ReadNote("/calls", unread={"to_number": 1}).words() == (
        "1 unreadable field value (to_number)"
    )
    assert ReadNote("/calls").words() == ""
    # Long reasons and names are cut at 160 and 120 characters.
    long = ReadNote("/x", skipped=2, reasons={"r" * 200: 2}, unread={"f" * 200: 1})
    assert long.words() == f"2 rows left out ({'r' * 160}); 1 unreadable field value ({'f' * 120})"
