"""The relay's requests do not grow with its viewers: a fixed share of calls under watch, the
viewers' selections first and the relay's own picks in the slots left (issue 18)."""

from __future__ import annotations

from monitor.feeds import LiveFeed
from monitor.feeds.redis_link import check_url
from monitor.feeds.redis_relay import RelayPublisher
from monitor.feeds.relay_share import fill
from monitor.feeds.relay_viewers import intent_fields
from tests.feeds.relayload import requests_per_minute
from tests.ui.fixtures import FakeEngine, make_engine


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


async def test_one_viewer_or_fifty_cost_the_api_the_same_and_keep_the_live_panes_pace() -> None:
    one, watched_one, limit, ages_one = await requests_per_minute(1)
    fifty, watched_fifty, _, ages_fifty = await requests_per_minute(50)
    assert len(watched_one) == len(watched_fifty) == limit
    assert abs(fifty - one) / one < 0.05, (one, fifty)
    # A direct monitor's ~36 and the watch share's slice (12 of 60): the minute's ceiling (57)
    # is never where the active sweep queues (spent freely, the share took it to 48-50).
    assert max(one, fifty) <= 36 + 12, (one, fifty)
    # The active calls are swept every 5 s (+10% jitter) as in a direct monitor, whatever the
    # watch share wants: no second where the pane is older than that (and a page's second).
    # Spent freely, the share held the minute at its ceiling and a sweep waited there (12.5 s).
    assert max(ages_one) <= 5.5 + 1 and max(ages_fifty) <= 5.5 + 1, (
        max(ages_one),
        max(ages_fifty),
    )


class WatchingEngine(FakeEngine):
    """The fake engine, with the relay's `watch_calls` recorded."""

    watched_calls: tuple[str, ...] = ()

    def watch_calls(self, call_ids: tuple[str, ...]) -> None:
        self.watched_calls = call_ids


def view(relay: RelayPublisher, viewer: str, selected: str | None) -> None:
    fields = intent_fields(viewer, "hello", selected, None, None)
    relay.viewers.take({k.encode(): v.encode() for k, v in fields.items()}, 0.0)
    relay.apply()


def test_the_engine_always_watches_the_share_and_a_viewer_moving_among_picks_adds_none() -> None:
    base = make_engine()
    engine = WatchingEngine(base.store, base.clock, base.settings)
    relay = RelayPublisher(LiveFeed(engine), check_url("redis://127.0.0.1:1/0", "t"), limit=3)
    relay.saw(relay.feed.snapshot())
    screen = [r.id for r in relay.feed.snapshot().data.active]
    assert len(screen) >= 4
    relay.apply()  # nobody looks: the relay's own three, the newest calls in flight
    assert engine.selected_call_id is None
    assert set(engine.watched_calls) == set(screen[::-1][:3])
    assert engine.focused_campaign_id is not None  # one campaign focused, whoever looks
    picked = list(engine.watched_calls)
    view(relay, "v1", picked[1])  # a viewer selects one of the picks: nothing new to read
    assert engine.selected_call_id == picked[1]
    assert {engine.selected_call_id, *engine.watched_calls} == set(picked)
    view(relay, "v1", picked[2])  # and moves on to another pick: still the same three calls
    assert {engine.selected_call_id, *engine.watched_calls} == set(picked)
    view(relay, "v2", screen[0])  # a call outside the share takes a slot from a pick
    looked = {engine.selected_call_id, *engine.watched_calls}
    assert len(looked) == 3 and screen[0] in looked and picked[2] in looked
    view(relay, "v1", screen[1])  # two viewers on two calls outside it: one pick left
    assert {engine.selected_call_id, *engine.watched_calls} == {screen[0], screen[1], picked[0]}
    view(relay, "v2", screen[1])  # both on one call: the call just left keeps the free slot
    assert {engine.selected_call_id, *engine.watched_calls} == {screen[0], screen[1], picked[0]}
