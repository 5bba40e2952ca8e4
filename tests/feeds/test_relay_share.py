"""The relay's requests do not grow with its viewers: a fixed share of calls under watch, the
viewers' selections first and the relay's own picks in the slots left (issue 18)."""

from __future__ import annotations

from monitor.feeds.relay_share import fill
from tests.feeds.relayload import requests_per_minute


def test_the_free_slots_go_to_the_relays_picks_from_the_top_of_the_screen() -> None:
    screen = ["c1", "c2", "c3", "c4", "c5", "c6"]
    assert fill([], screen, [], slots=5) == ["c1", "c2", "c3", "c4", "c5"]
    assert fill(["c2"], screen, [], slots=5) == ["c1", "c3", "c4", "c5"]
    assert fill(["x1", "x2", "x3", "x4", "x5"], screen, [], slots=5) == []
    assert fill(["x1", "x2", "x3", "x4", "x5", "x6"], screen, [], slots=5) == []


def test_picks_stay_while_on_screen_and_a_final_viewer_call_gives_its_slot_back() -> None:
    # A pick that moved would read a new call's history from scratch.
    assert fill([], ["c9", "c1", "c2"], ["c2", "c1"], slots=2) == ["c2", "c1"]
    assert fill([], ["c9", "c1"], ["c2", "c1"], slots=2) == ["c1", "c9"]
    done = {"x1"}
    assert fill(["x1", "x2"], ["c1", "c2"], [], slots=3) == ["c1"]
    assert fill(["x1", "x2"], ["c1", "c2"], [], slots=3, costs=lambda c: c not in done) == [
        "c1",
        "c2",
    ]


async def test_one_viewer_or_fifty_cost_the_api_the_same() -> None:
    one, watched_one, limit = await requests_per_minute(1)
    fifty, watched_fifty, _ = await requests_per_minute(50)
    assert len(watched_one) == len(watched_fifty) == limit
    assert abs(fifty - one) / one < 0.05, (one, fifty)
