"""What a half-read newest-first listing proves about the calls it has not shown, and how
wide a page of `/calls` is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.polling.sweep import PageWidth, SweepOrder

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_call_inside_a_page_span_and_not_on_it_has_left_the_list() -> None:
    order = SweepOrder()
    order.add_page([at(10), at(9), at(8)])
    assert order.left_list(at(9.5))
    assert not order.left_list(at(10))  # the edges: a neighbour with the same time may be it
    assert not order.left_list(at(8))
    assert not order.left_list(at(7))  # not read yet
    assert not order.left_list(at(11))  # created after the page was read
    assert not order.left_list(None)
    # Page 2 starts newer than page 1 ended (calls dialled out of the queue meanwhile):
    # each page proves its own span.
    order.add_page([at(8.5), at(6), at(5)])
    assert order.ordered
    assert order.left_list(at(7)) and order.left_list(at(8.2))
    assert not order.left_list(at(5))


def test_a_page_out_of_order_proves_nothing_for_the_rest_of_the_sweep() -> None:
    order = SweepOrder()
    order.add_page([at(10), at(9)])
    order.add_page([at(7), at(9.5), at(6)])
    assert not order.ordered
    assert not order.left_list(at(9.7))
    assert not order.left_list(at(8))


def test_rows_without_a_creation_time_are_skipped_and_one_row_spans_nothing() -> None:
    order = SweepOrder()
    order.add_page([None, at(10), None, at(9)])
    assert order.left_list(at(9.5))
    order.add_page([None, None])
    order.add_page([at(8)])
    order.add_page([at(7), at(7)])
    assert order.spans == [(at(9), at(10))]


def test_a_server_that_honours_200_a_page_is_read_200_a_page() -> None:
    width = PageWidth()
    paging = width.start()
    assert paging.limit == 200
    assert not paging.done(200, 200, last_said=False)
    assert width.honoured is True
    assert paging.done(150, 200, last_said=False)
    assert width.start().limit == 200
    # Known to honour it: exactly 100 rows is a short last page, no second look.
    assert width.start().done(100, 200, last_said=False)


def test_a_page_of_exactly_100_is_read_on_at_100_a_page_and_a_cut_is_learnt() -> None:
    width = PageWidth()
    paging = width.start()
    assert not paging.done(100, 200, last_said=False)  # cut at 100, or all there is?
    assert paging.limit == 100
    assert not paging.done(100, 100, last_said=False)  # page 2 has rows: it was a cut
    assert width.honoured is False
    assert paging.done(30, 100, last_said=False)
    assert width.start().limit == 100


def test_exactly_100_rows_in_all_costs_one_empty_page_and_teaches_nothing() -> None:
    width = PageWidth()
    paging = width.start()
    assert not paging.done(100, 200, last_said=False)
    assert paging.done(0, 100, last_said=False)
    assert width.honoured is None
    assert width.start().limit == 200


def test_a_server_that_says_its_limit_is_believed() -> None:
    width = PageWidth()
    paging = width.start()
    assert not paging.done(100, 100, last_said=False)  # `meta.limit` 100
    assert width.honoured is False and paging.limit == 100
    assert paging.done(100, 100, last_said=True)  # `meta.totalPages` says so
    assert PageWidth().start().full(100) and not PageWidth(honoured=True).start().full(100)
