"""The relay's log and its viewers' cursor moves (issue 18): a join or a leave is said at once,
selection changes at most once a minute at INFO (with how many since), each one at DEBUG."""

from __future__ import annotations

import logging

import pytest

from monitor.feeds.relay_log import ViewLog


def infos(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]


def test_cursor_moves_make_one_info_line_a_minute_and_joins_are_said_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="monitor.relay")
    now = [0.0]
    view = ViewLog(lambda: now[0])
    view.changed(1, ["call_a"], None, 5, 0)  # the first viewer
    for n in range(30):  # a cursor moving down the pane, twice a second
        now[0] += 0.5
        view.changed(1, [f"call_{n}"], None, 5, 0)
    assert len(infos(caplog)) == 1
    assert len(caplog.records) == 31  # every change is still there at DEBUG
    now[0] += 0.5
    view.changed(2, ["call_x", "call_29"], "camp_1", 5, 0)  # a second viewer joins
    assert len(infos(caplog)) == 2 and infos(caplog)[-1].startswith("relay: 2 viewer(s)")
    for n in range(130):
        now[0] += 0.5
        view.changed(2, [f"call_{n}", "call_29"], "camp_1", 5, 0)
    told = infos(caplog)[2:]
    assert len(told) == 1 and "(120 changes of view since the last such line)" in told[0]
