"""When a listing is complete, by every signal its envelope gives (`Paging.after`): a short
page is the last only when neither its total nor its page count puts rows beyond it (hostile
finding 5), and a total its pages never reach is counted as left out."""

from __future__ import annotations

from typing import Any

from monitor.api.pages import Page, parse_page
from monitor.polling.sweep import PageWidth


def page(payload: Any, number: int, asked: int) -> Page[Any]:
    return parse_page(payload, lambda row: row, page=number, limit=asked)


def rows(n: int) -> list[dict[str, str]]:
    return [{"id": f"call_{i}"} for i in range(n)]


def test_pages_cut_at_20_without_a_limit_are_read_to_their_total() -> None:
    paging = PageWidth().start()
    assert not paging.after(page({"data": rows(20), "meta": {"total": 45}}, 1, paging.limit))
    assert paging.limit == 20  # the server's own page size: page 2 starts at row 21
    assert not paging.after(page({"data": rows(20), "meta": {"total": 45}}, 2, paging.limit))
    assert paging.after(page({"data": rows(5), "meta": {"total": 45}}, 3, paging.limit))
    assert (paging.pages, paging.rows, paging.left_out) == (3, 45, 0)


def test_an_empty_first_page_of_two_reads_on() -> None:
    paging = PageWidth().start()
    meta = {"limit": 200, "total": 5, "totalPages": 2}
    assert not paging.after(page({"data": [], "meta": {"page": 1, **meta}}, 1, 200))
    assert paging.after(page({"data": rows(5), "meta": {"page": 2, **meta}}, 2, 200))
    assert paging.left_out == 0


def test_a_total_the_pages_never_reach_is_left_out_not_paged_for_ever() -> None:
    paging = PageWidth().start()
    # `meta.page` stuck at 1: taken as the page asked for, not as page 1 again.
    stuck = {"page": 1, "limit": 200, "total": 700}
    for number in (1, 2, 3):
        assert not paging.after(page({"data": rows(200), "meta": stuck}, number, 200))
    assert paging.after(page({"data": [], "meta": stuck}, 4, 200))
    assert paging.left_out == 100


def test_a_bare_array_short_page_is_the_last() -> None:
    paging = PageWidth().start()
    assert paging.after(page(rows(20), 1, 200))
    assert (paging.limit, paging.left_out) == (200, 0)


def test_a_full_page_at_the_total_is_the_last_and_a_page_cut_at_100_still_probes() -> None:
    paging = PageWidth().start()
    assert paging.after(page({"data": rows(200), "meta": {"total": 200}}, 1, 200))
    width = PageWidth()
    paging = width.start()
    assert not paging.after(page(rows(100), 1, 200))  # cut at 100, or all there is?
    assert paging.limit == 100
    assert not paging.after(page(rows(100), 2, 100))
    assert width.honoured is False


def test_a_live_lists_total_a_row_ahead_is_not_a_cut_page() -> None:
    """40 rows of a total of 41 (a call started between the server's count and its rows):
    the listing is whole as read, no second page each sweep, no "left out" note."""
    paging = PageWidth().start()
    asked = paging.limit
    assert paging.after(page({"data": rows(40), "meta": {"total": 41}}, 1, asked)) is True
    assert (paging.pages, paging.limit, paging.left_out) == (1, asked, 0)
