"""Endings read without `ended_at` (the OpenAPI's batch call rows have none), as the
Campaigns pane counts them: a call the monitor saw live ended since it was seen; one first
read already ended ended no earlier than placed plus its duration (hostile finding 2)."""

from __future__ import annotations

from datetime import timedelta

from monitor.api.models import Call, Campaign
from monitor.clock import FakeClock
from monitor.polling.intake import Intake
from monitor.polling.serverclock import ServerClock
from monitor.state.store import CampaignState, Store
from monitor.state.views import campaign_rows


def row(cid: str, status: str, placed_s_ago: float, clock: FakeClock) -> Call:
    placed = clock.now() - timedelta(seconds=placed_s_ago)
    body = {"id": cid, "status": status, "batch_id": "b1", "createdAt": placed.isoformat()}
    return Call.model_validate(body | {"duration": 30})


def test_untimed_endings_count_once_in_history_or_since_start() -> None:
    clock = FakeClock()
    store = Store()
    intake = Intake(store, ServerClock(clock))
    store.put_campaign(CampaignState(Campaign.model_validate({"id": "b1", "name": "B"})))
    store.tally.start(clock.now())
    # The campaign's completed total, read at start: 10.
    store.tally.campaign("b1").set_baseline("completed", 10, clock.now())
    clock.advance(5.0)
    # Placed an hour ago and read ended now, never seen live: one of the 10 already.
    intake.take(row("c_old", "completed", 3600, clock), clock.monotonic())
    # Seen dialling, then read ended without `ended_at`: it ended after the total was read.
    intake.take(row("c_live", "in_progress", 20, clock), clock.monotonic())
    clock.advance(40.0)
    intake.take(row("c_live", "completed", 60, clock), clock.monotonic())
    # Placed after the total was read and first seen ended: it ended after it, too.
    intake.take(row("c_new", "completed", 35, clock), clock.monotonic())
    # Read again later: still once each.
    clock.advance(30.0)
    for cid, ago in (("c_old", 3700), ("c_live", 90), ("c_new", 65)):
        intake.take(row(cid, "completed", ago, clock), clock.monotonic())
    (shown,) = campaign_rows(store, clock.monotonic())
    assert shown.counts["completed"] == 12  # not 13: c_old is in the 10
    assert shown.since_start is not None and shown.since_start["completed"] == 2
