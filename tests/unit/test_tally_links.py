"""The counts' call -> campaign links over a simulated day (FAULTS R1): kept while an ending
they attribute can still be counted, then let go, so a day of listings does not pile up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.api.models import Call
from monitor.state.tally import FOLD_AFTER, LINKS_KEPT_FOR, Tally

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PER_MINUTE = 10
"""Calls the listings show each simulated minute (the soak's `busy`: about 70)."""


def _call(cid: str, status: str, ended: datetime | None = None, *, camp: bool = True) -> Call:
    body: dict[str, object] = {"id": cid, "status": status, "created_at": T0.isoformat()}
    if camp:
        body["campaign_id"] = "b1"
    if ended is not None:
        body["ended_at"] = ended.isoformat()
    return Call.model_validate(body)


def test_a_day_of_listings_keeps_links_for_a_bounded_window_and_endings_still_count() -> None:
    tally = Tally()
    tally.start(T0)
    minutes = 24 * 60
    most = 0
    for minute in range(minutes):
        now = T0 + timedelta(minutes=minute)
        for n in range(PER_MINUTE):
            tally.remember(_call(f"c{minute}-{n}", "queued"), "b1")
        tally.fold(now)
        most = max(most, len(tally.campaign_of) + len(tally.older_links))
    window_min = int(2 * LINKS_KEPT_FOR.total_seconds() // 60) + 1
    assert most <= window_min * PER_MINUTE  # not the day's 86,400 links
    now = T0 + timedelta(minutes=minutes)
    # Read without its campaign (the /calls payload leaves it out): a call listed within the
    # window still counts for its campaign; one listed at the day's start does not, and waits.
    recent = minutes - int(LINKS_KEPT_FOR.total_seconds() // 60)
    assert tally.observe(_call(f"c{recent}-0", "completed", now, camp=False), now)
    assert tally.campaign("b1").since_start("completed") == 1
    assert not tally.observe(_call("c0-0", "busy", now, camp=False), now)
    assert tally.campaign("b1").since_start("busy") == 0
    # Its campaign's listing shows it again: counted then.
    tally.remember(_call("c0-0", "busy", now), "b1")
    assert tally.campaign("b1").since_start("busy") == 1
    assert LINKS_KEPT_FOR >= FOLD_AFTER


def test_a_link_listed_again_is_kept_past_its_first_window() -> None:
    tally = Tally()
    tally.start(T0)
    tally.remember(_call("series-a", "no_answer"), "b1")
    step = timedelta(minutes=10)
    now = T0
    while now - T0 < 3 * LINKS_KEPT_FOR:
        tally.fold(now)
        tally.remember(_call("series-a", "no_answer"), "b1")  # each reconciliation shows it
        now += step
    retry = Call.model_validate({
        "id": "retry-2", "status": "voicemail", "retry_group_id": "series-a",
        "ended_at": now.isoformat(),
    })  # fmt: skip
    assert tally.observe(retry, now)
    assert tally.campaign("b1").since_start("voicemail") == 1
