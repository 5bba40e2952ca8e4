"""Pages, exact: every pagination variant of the API sheet's section 4, the figures a page holds,
the words of a bad payload, and the reasons a skipped row is counted under (never its value)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from monitor.api.errors import BadPayload
from monitor.api.models import Call
from monitor.api.pages import Page, parse_page, unwrap


def calls(payload: Any, *, page: int = 1, limit: int = 100, path: str = "") -> Page[Call]:
    return parse_page(
        payload, Call.model_validate, page=page, limit=limit, key=lambda c: c.id, path=path
    )


def row(ident: str, status: str = "busy") -> dict[str, str]:
    return {"id": ident, "status": status}


def test_unwrap_drops_every_status_envelope_around_an_object_only() -> None:
    inner = {"data": [row("a")], "total": 1}
    assert unwrap({"statusCode": 200, "data": {"statusCode": 200, "data": inner}}) == inner
    listed = {"statusCode": 200, "data": [row("a")]}
    assert unwrap(listed) is listed
    assert unwrap({"data": inner}) == {"data": inner}  # no statusCode: not an envelope
    assert unwrap([1]) == [1]


@pytest.mark.parametrize("key", ["data", "items", "callLogs", "results"])
def test_items_under_every_documented_key(key: str) -> None:
    page = calls({key: [row("a"), row("b")]})
    assert [c.id for c in page.items] == ["a", "b"]
    assert (page.raw_count, page.skipped, page.skip_reasons) == (2, 0, {})


def test_a_bare_array_is_a_page_and_null_items_an_empty_one() -> None:
    assert [c.id for c in calls([row("a")]).items] == ["a"]
    empty = calls({"data": None, "total": 0})
    assert (empty.items, empty.total, empty.raw_count) == ((), 0, 0)


@pytest.mark.parametrize(
    ("payload", "message", "where"),
    [
        ({"meta": {"total": 1}}, "no list of items in the response", "items"),
        ("calls", "expected a list or an object", "root"),
        (None, "expected a list or an object", "root"),
        ({"data": {"id": "a"}}, "the items are not a list", "items"),
    ],
)
def test_a_payload_that_is_not_a_page_says_what_is_wrong_and_where(
    payload: Any, message: str, where: str
) -> None:
    with pytest.raises(BadPayload) as named:
        calls(payload, path="/calls")
    assert str(named.value) == f"Bad payload from /calls: {message}"
    assert (named.value.where, named.value.path) == (where, "/calls")
    with pytest.raises(BadPayload) as anonymous:
        calls(payload)
    assert str(anonymous.value) == f"Bad payload from the API: {message}"
    assert anonymous.value.path == ""


@pytest.mark.parametrize(
    ("meta", "total"),
    [
        ({"total": 450}, 450),
        ({"totalItems": 450}, 450),
        ({"count": 450}, 450),
        ({"total": 0}, 0),  # zero is a count, not "unknown"
        ({"total": 12.0}, 12),
        ({"total": -1, "totalItems": 7}, 7),  # implausible: the next spelling
        ({"total": True, "count": 3}, 3),
        ({"total": "450"}, None),
        ({"total": float("nan")}, None),
        ({"total": float("inf")}, None),
        ({}, None),
    ],
)
def test_the_total_under_every_spelling_and_only_when_plausible(
    meta: dict[str, Any], total: int | None
) -> None:
    assert calls({"data": [], "meta": meta}).total == total
    assert calls({"data": [], **meta}).total == total  # at the top level as well


def test_limit_page_and_page_count_from_meta_else_from_the_request() -> None:
    page = calls({"data": [], "meta": {"limit": 50, "page": 3, "total": 120}}, page=9, limit=10)
    assert (page.limit, page.page, page.total_pages) == (50, 3, 3)
    spelt = calls({"data": [], "meta": {"itemsPerPage": 20, "currentPage": 2, "totalItems": 41}})
    assert (spelt.limit, spelt.page, spelt.total_pages) == (20, 2, 3)
    asked = calls({"data": [], "meta": {"total": 250}}, page=2, limit=100)
    assert (asked.limit, asked.page, asked.total_pages) == (100, 2, 3)
    zeros = calls({"data": [], "meta": {"limit": 0, "page": 0}}, page=4, limit=25)
    assert (zeros.limit, zeros.page, zeros.total_pages) == (25, 4, None)
    said = calls({"data": [], "meta": {"totalPages": 7, "total": 5}})
    assert said.total_pages == 7
    one_a_page = calls({"data": [], "meta": {"total": 5}}, limit=1)
    assert one_a_page.total_pages == 5
    no_limit = calls({"data": [], "meta": {"total": 5}}, limit=0)
    assert no_limit.total_pages is None
    empty = calls({"data": [], "meta": {"total": 0}})
    assert empty.total_pages == 0


def test_a_meta_that_is_not_an_object_falls_back_to_the_top_level() -> None:
    page = calls({"data": [], "meta": "n/a", "total": 5, "limit": 2})
    assert (page.total, page.limit, page.total_pages) == (5, 2, 3)


def test_is_last_by_the_page_count_else_by_a_short_page() -> None:
    assert Page(items=(), page=3, limit=10, total_pages=3).is_last
    assert Page(items=(), page=4, limit=10, total_pages=3).is_last
    assert not Page(items=(), page=2, limit=10, total_pages=3, raw_count=3).is_last
    assert Page(items=(), page=1, limit=10, raw_count=9).is_last
    assert not Page(items=(), page=1, limit=10, raw_count=10).is_last


def test_bad_rows_are_counted_by_reason_and_the_rest_kept() -> None:
    page = calls(
        [
            {"status": "busy"},
            row("a"),
            {"id": "b", "status": "busy", "duration_seconds": "long"},
            {"id": "c", "status": "busy", "duration_seconds": 8 * 24 * 3600},
            {"status": "busy"},
            row("a", "completed"),
            row("d"),
            row("a"),
            "not an object",
        ]
    )
    # Tolerant models (issue 15): a row with an id is kept, its unreadable values unknown and
    # named; only rows without an id, duplicates and non-objects are left out, by reason.
    kept = [(c.id, c.status.value, c.duration_s, c.unread) for c in page.items]
    assert kept == [
        ("a", "busy", None, ()),
        ("b", "busy", None, ("duration_s",)),
        ("c", "busy", None, ("duration_s",)),
        ("d", "busy", None, ()),
    ]
    assert page.skip_reasons == {
        "id: Field required": 2,
        "duplicate id": 2,
        "record: a call must be a JSON object": 1,
    }
    assert (page.skipped, page.raw_count) == (5, 9)


def test_a_row_the_parser_cannot_read_at_all_is_an_unreadable_row() -> None:
    def picky(raw: Any) -> str:
        if raw == "boom":
            raise TypeError("no")
        if raw == "bad":
            raise ValueError("no")
        return str(raw)

    page = parse_page(["boom", "x", "bad", "y", "boom"], picky, page=1, limit=10)
    assert page.items == ("x", "y")
    assert page.skip_reasons == {"unreadable row": 3}
    assert page.skipped == 3


class _Stage(BaseModel):
    depth: int


class _Strict(BaseModel):
    """A parser stricter than the tolerant models, to see how a refusal is worded."""

    a: int
    b: int
    c: int
    d: int
    stages: list[_Stage] = []


def test_a_reason_names_at_most_three_fields_with_their_path() -> None:
    page = parse_page(
        [{"id": "x", "a": "one", "b": "two", "c": "three", "d": "four"}],
        _Strict.model_validate,
        page=1,
        limit=5,
    )
    assert page.skip_reasons == {
        "a: Input should be a valid integer, unable to parse string as an integer; "
        "b: Input should be a valid integer, unable to parse string as an integer; "
        "c: Input should be a valid integer, unable to parse string as an integer": 1
    }
    nested = parse_page(
        [{"a": 1, "b": 2, "c": 3, "d": 4, "stages": [{"total": 3}]}],
        _Strict.model_validate,
        page=1,
        limit=5,
    )
    assert nested.skip_reasons == {"stages.0.depth: Field required": 1}


def test_without_a_path_the_words_say_the_api() -> None:
    with pytest.raises(BadPayload) as exc:
        parse_page(7, str, page=1, limit=1)
    assert str(exc.value) == "Bad payload from the API: expected a list or an object"
