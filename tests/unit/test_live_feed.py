"""`LiveFeed`: the engine's store as snapshots; intents reach the engine a turn later."""

from __future__ import annotations

import asyncio

from monitor.feeds import Feed, LiveFeed
from tests.ui.fixtures import call, make_engine


async def test_an_intent_shapes_the_next_snapshot_at_once_and_the_engine_a_turn_later() -> None:
    engine = make_engine()
    feed: Feed = LiveFeed(engine)
    first = feed.snapshot()
    assert first.selection is None and first.focus is None
    feed.select_call("call_a1b2c3d4e5f6")
    feed.focus_campaign("cmp_winback2")
    snap = feed.latest()
    assert snap.data is first.data  # no store change: the data part is reused
    assert snap.selection is not None and snap.selection.call_id == "call_a1b2c3d4e5f6"
    assert snap.focus is not None and {c.campaign_id for c in snap.focus.calls} == {"cmp_winback2"}
    assert engine.selected_call_id is None  # not yet: after the frame that shows the key
    await asyncio.sleep(0)
    assert engine.selected_call_id == "call_a1b2c3d4e5f6"
    assert engine.focused_campaign_id == "cmp_winback2"
    feed.refresh_now()
    assert engine.refreshes == 1


async def test_the_stream_publishes_on_change_and_coalesces_a_burst() -> None:
    engine = make_engine()
    feed = LiveFeed(engine)
    stream = feed.snapshots()
    first = await anext(stream)
    mono = engine.clock.monotonic()
    for n in range(3):  # three batches before the consumer looks: one snapshot
        engine.store.upsert_call(call(f"call_new{n:08d}", "dialing", ago=1), mono)
    second = await asyncio.wait_for(anext(stream), 0.5)
    assert second.data is not first.data
    assert {"call_new00000000", "call_new00000002"} <= {r.id for r in second.data.active}
    await stream.aclose()


def test_an_unchanged_call_keeps_its_record_from_one_snapshot_to_the_next() -> None:
    # A campaign screen of 10,000 calls must not copy every call at every snapshot: its table
    # skips a row whose item is the same object.
    engine = make_engine()
    feed = LiveFeed(engine)
    feed.focus_campaign("cmp_spring01")
    first = feed.snapshot()
    engine.store.upsert_call(call("call_new000000001", "dialing", ago=1), engine.clock.monotonic())
    second = feed.snapshot()
    assert first.focus is not None and second.focus is not None
    before = {c.id: c for c in first.focus.calls}
    after = {c.id: c for c in second.focus.calls}
    assert "call_new000000001" in after
    assert all(after[k] is before[k] for k in before)
