"""The concurrency gauge's percentage: never "100%" below the cap."""

from __future__ import annotations

from monitor.ui.widgets.concurrency_gauge import cap_percent


def test_below_the_cap_rounds_down() -> None:
    assert cap_percent(998, 1000) == 99
    assert cap_percent(999, 1000) == 99
    assert cap_percent(97, 100) == 97
    assert cap_percent(2, 3) == 66


def test_at_and_over_the_cap() -> None:
    assert cap_percent(1000, 1000) == 100
    assert cap_percent(1148, 1000) == 115
    assert cap_percent(25, 25) == 100


def test_no_cap_is_no_ratio() -> None:
    assert cap_percent(5, 0) == 0
