"""Records are merged, never replaced: a later read without a field keeps the last known value."""

from __future__ import annotations

from typing import Any

from monitor.api.models import Call, Campaign
from monitor.api.vocab import CallStatus, ContainerStatus
from monitor.state.merge import merge_record
from monitor.state.store import CampaignState, Store
from monitor.state.views import campaign_rows


def read(**raw: Any) -> Call:
    return Call.model_validate(raw)


def test_a_later_read_without_batch_id_keeps_the_call_in_its_campaign() -> None:
    store = Store()
    store.upsert_call(read(id="c1", status="in-progress", batch_id="b1"), 1.0, source="list")
    changed = store.upsert_call(read(id="c1", status="in-progress"), 2.0, source="call record")
    tracked = store.calls["c1"]
    assert tracked.call.campaign_id == "b1"
    assert tracked.campaign_source == "list"
    assert not changed  # nothing new was said


def test_a_field_present_and_changed_wins_and_absent_ones_stay() -> None:
    store = Store()
    store.upsert_call(
        read(id="c1", status="in-progress", batch_id="b1", to_number="+1555", duration=3), 1.0
    )
    changed = store.upsert_call(read(id="c1", status="completed", duration=61), 2.0)
    call = store.calls["c1"].call
    assert changed
    assert (call.status, call.duration_s, call.to_number, call.campaign_id) == (
        CallStatus.COMPLETED,
        61,
        "+1555",
        "b1",
    )
    assert store.calls["c1"].ended_seen == 2.0


def test_null_is_not_a_reading_so_it_keeps_the_known_value() -> None:
    store = Store()
    store.upsert_call(read(id="c1", status="completed", batch_id="b1", analysis={"q": 1}), 1.0)
    store.upsert_call(read(id="c1", status="completed", batch_id=None, analysis=None), 2.0)
    call = store.calls["c1"].call
    assert call.campaign_id == "b1"
    assert call.analysis == {"q": 1}


def test_a_different_campaign_said_later_wins_and_its_source_with_it() -> None:
    store = Store()
    store.upsert_call(read(id="c1", status="queued", batch_id="b1"), 1.0, source="queued list")
    store.upsert_call(read(id="c1", status="queued", batch_id="b2"), 2.0, source="call record")
    assert store.calls["c1"].call.campaign_id == "b2"
    assert store.calls["c1"].campaign_source == "call record"


def test_the_membership_survives_a_third_read_that_also_leaves_it_out() -> None:
    store = Store()
    store.upsert_call(read(id="c1", status="ringing", batch_id="b1"), 1.0, source="list")
    store.upsert_call(read(id="c1", status="in-progress", to_number="+1"), 2.0)
    store.upsert_call(read(id="c1", status="in-progress"), 3.0)
    assert store.calls["c1"].call.campaign_id == "b1"
    assert store.calls["c1"].call.to_number == "+1"


def test_a_status_read_from_the_end_reason_replaces_the_earlier_raw_word_too() -> None:
    old = read(id="c1", status="in-progress")
    new = read(id="c1", end_reason="user_busy")
    merged = merge_record(old, new)
    assert merged.status is CallStatus.BUSY
    assert merged.status_raw is None  # not "in-progress" beside "busy"


def test_a_dialling_call_stays_in_its_campaigns_in_flight_count_after_a_lone_read() -> None:
    store = Store()
    store.put_campaign(CampaignState(Campaign.model_validate({"id": "b1", "name": "Renewals"})))
    store.upsert_call(read(id="c1", status="in-progress", batch_id="b1"), 1.0)
    assert [r.in_flight for r in campaign_rows(store, 1.0)] == [1]
    store.upsert_call(read(id="c1", status="in-progress"), 11.0, source="call record")
    assert [r.in_flight for r in campaign_rows(store, 11.0)] == [1]


def test_a_campaign_read_without_its_counters_keeps_them_and_its_figures() -> None:
    store = Store()
    first = Campaign.model_validate(
        {"id": "b1", "name": "Renewals", "status": "running", "total_leads": 200}
    )
    store.put_campaign(CampaignState(first, counts={"completed": 5}, total=200))
    changed = store.upsert_campaign(Campaign.model_validate({"id": "b1", "status": "paused"}))
    state = store.campaigns["b1"]
    assert changed
    assert (state.campaign.name, state.campaign.status, state.campaign.total) == (
        "Renewals",
        ContainerStatus.PAUSED,
        200,
    )
    assert state.counts == {"completed": 5}
    assert not store.upsert_campaign(Campaign.model_validate({"id": "b1"}))


def test_merging_an_identical_read_notifies_nobody() -> None:
    store = Store()
    heard: list[int] = []
    store.upsert_call(read(id="c1", status="in-progress", batch_id="b1"), 1.0)
    store.subscribe(heard.append)
    assert not store.upsert_call(read(id="c1", status="in-progress", batch_id="b1"), 2.0)
    assert heard == []


def test_the_call_screen_says_which_read_gave_a_campaign_the_last_read_left_out() -> None:
    from datetime import UTC, datetime

    from monitor.state.views import call_detail
    from monitor.ui.screens.call import call_fields

    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    store = Store()
    store.upsert_call(
        read(id="c1", status="in-progress", batch_id="b1"), 1.0, source="in-flight list"
    )
    assert call_detail(store, "c1", now).campaign_from is None  # the last read said it
    store.upsert_call(read(id="c1", status="in-progress"), 2.0, source="call record")
    detail = call_detail(store, "c1", now)
    assert detail.campaign_from == "in-flight list"
    assert "b1  (from the in-flight list)" in call_fields(detail, None).plain


def test_reads_of_every_shape_merge_as_the_field_by_field_rule_says() -> None:
    # The shapes a merge has worked out are kept (issue 21): a later read of a shape met
    # before, and one of a new shape, still take exactly what each carried.
    first = read(id="c1", status="ringing", batch_id="b1", to_phone_number="+1")
    assert merge_record(first, read(id="c1", duration=4)).duration_s == 4
    again = merge_record(first, read(id="c1", duration=5, end_reason="user_busy"))
    assert (again.duration_s, again.status, again.status_raw) == (5, CallStatus.BUSY, None)
    assert (again.campaign_id, again.to_number) == ("b1", "+1")
    same = merge_record(again, read(id="c1", duration=5, end_reason="user_busy"))
    assert same is again


def test_the_shapes_kept_are_bounded() -> None:
    from monitor.state import merge

    old = read(id="c1")
    for n in range(merge.MAX_SHAPES + 50):
        # A read naming a field no model has is still a shape of its own.
        merge_record(old, Call.model_construct(_fields_set={"id", f"unknown_{n}"}, id="c1"))
    assert len(merge._CARRIED) <= merge.MAX_SHAPES
