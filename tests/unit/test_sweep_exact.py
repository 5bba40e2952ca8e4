"""The sweep's inferences at their edges: equal creation times, a one-row probe page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.polling.sweep import NARROW, WIDE, PageWidth, Paging, SweepOrder

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_page_widths() -> None:
    assert (NARROW, WIDE) == (100, 200)


def test_equal_creation_times_keep_the_newest_first_order() -> None:
    order = SweepOrder()
    order.add_page([at(10), at(9), at(9), at(8)])
    assert order.ordered is True
    assert order.left_list(at(8.5))


def test_a_page_out_of_order_turns_inference_off() -> None:
    order = SweepOrder()
    order.add_page([at(8), at(9)])
    assert order.ordered is False
    assert not order.left_list(at(8.5))


def test_a_one_row_probe_page_proves_the_cut() -> None:
    width = PageWidth()
    paging = width.start()
    assert not paging.done(100, 200, last_said=False)
    assert paging.done(1, 100, last_said=False)  # one row on page 2: short, so the end
    assert width.honoured is False  # and the cut is learnt from it


def test_a_narrow_paging_keeps_asking_for_100() -> None:
    paging = Paging(PageWidth(honoured=False), NARROW)
    assert not paging.done(50, 50, last_said=False)  # it said 50 and sent 50: maybe more
    assert paging.limit == NARROW
    assert paging.width.honoured is False
    assert paging.done(49, 50, last_said=False)
