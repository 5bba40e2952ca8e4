"""Counts that cannot be true are flagged, two totals have two names, and `/batch-calls/{id}`
is asked in the vocabulary API sheet 3.8 gives it (issue 15, point 7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx

from monitor.api.client import DialNexaClient
from monitor.api.models import Campaign
from monitor.clock import FakeClock
from monitor.polling.fetch import Routes, fetch_campaign_counts
from monitor.polling.intake import put_total
from monitor.snapshot import collect
from monitor.state.notes import count_flags
from monitor.state.store import CampaignState, Store
from monitor.state.tally import COUNTED_VALUES
from monitor.state.views import campaign_rows
from monitor.ui.screens.campaign import campaign_summary


def counts(**given: int | None) -> dict[str, int | None]:
    base: dict[str, int | None] = dict.fromkeys(
        ("completed", "no_answer", "busy", "failed", "voicemail", "in_progress"), 0
    )
    return {**base, **given}


def test_outcomes_adding_up_past_the_calls_placed_are_flagged() -> None:
    assert count_flags(counts(completed=30, no_answer=20), 40) == (
        "outcomes add up to 50, over 40 calls placed",
    )


def test_completed_over_calls_placed_is_flagged() -> None:
    assert count_flags(counts(completed=41), 40) == ("completed 41 over 40 calls placed",)


def test_negative_and_unknown_counts_are_flagged() -> None:
    assert count_flags(counts(busy=-1, failed=None), 10) == (
        "negative count",
        "not known: failed",
    )


def test_calls_in_flight_do_not_count_against_the_calls_placed() -> None:
    # In flight comes from the active list, read later than the campaign's total.
    assert count_flags(counts(completed=30, in_progress=20), 40) == ()


def test_contact_list_size_and_calls_placed_have_two_names() -> None:
    store = Store()
    campaign = Campaign.model_validate({"id": "b1", "total_records": 200})
    store.put_campaign(CampaignState(campaign))
    (row,) = campaign_rows(store, 0.0)
    assert (row.total, row.contacts) == (None, 200)  # never 200 as "calls placed"
    store.put_campaign(CampaignState(campaign, counts={"completed": 5}, total=38))
    (row,) = campaign_rows(store, 0.0)
    assert (row.total, row.contacts) == (38, 200)


async def test_batch_calls_are_asked_in_the_calls_vocabulary() -> None:
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/v1/call-logs"):
            return httpx.Response(404, json={"message": f"Cannot GET {path}"})
        asked.append(request.url.params.get("status", ""))
        return httpx.Response(200, json={"callLogs": [], "total": 3, "page": 1, "limit": 1})

    clock = FakeClock()
    routes = Routes()
    async with DialNexaClient(
        "http://x/v1", "k" * 20, transport=httpx.MockTransport(handle), clock=clock
    ) as client:
        figures = await fetch_campaign_counts(client, routes, "b1")
    assert routes.campaign_logs == "batch-calls"
    assert "no_answer,did_not_pick" in asked and "no-answer" not in asked
    assert "received,in_progress" in asked and "in-progress" not in asked
    assert figures.total == 3


async def test_snapshot_flags_impossible_counts_and_says_which_count_was_not_read() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        status = request.url.params.get("status")
        total = {None: 40, "completed": 45, "busy": None}.get(status, 1)
        meta = {"page": 1, "limit": 1} | ({"total": total} if total is not None else {})
        return httpx.Response(200, json={"data": [], "meta": meta})

    clock = FakeClock()
    async with DialNexaClient(
        "http://x/v1", "k" * 20, transport=httpx.MockTransport(handle), clock=clock
    ) as client:
        report = await collect(client, call_id=None, campaign_ids=["cmp_a"], clock=clock)
    (row,) = report.campaigns
    assert row["total"] == 40 and row["contact_list_size"] is None
    assert row["flags"] == ["completed 45 over 40 calls placed", "not known: busy"]
    assert {"resource": "counts/cmp_a", "kind": "bad_payload"}.items() <= report.errors[0].items()
    assert "busy" in report.errors[0]["message"]


async def test_snapshot_campaign_counts_a_call_that_moves_to_the_next_page_once() -> None:
    # 151 completed calls; one ends while the pages are read, so call_99 (unqualified on the
    # first page, qualified on the second) is listed on both.
    def row(i: int, qualified: bool) -> dict[str, object]:
        return {"id": f"call_{i}", "status": "completed", "analysis": {"qualified": qualified}}

    def handle(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        limit, page = int(params.get("limit", 20)), int(params.get("page", 1))
        total = 151 if params.get("status") in (None, "completed") else 0
        if limit == 1 or params.get("status") != "completed":
            rows = [row(0, True)] if total and limit == 1 else []
        elif page == 1:
            rows = [row(i, i >= 99) for i in range(100)]
        else:
            rows = [row(i, True) for i in range(99, 151)]
        meta = {"page": page, "limit": limit, "total": total}
        return httpx.Response(200, json={"data": rows, "meta": meta})

    clock = FakeClock()
    async with DialNexaClient(
        "http://x/v1", "k" * 20, transport=httpx.MockTransport(handle), clock=clock
    ) as client:
        report = await collect(client, call_id=None, campaign_ids=["cmp_a"], clock=clock)
    (row_json,) = report.campaigns
    assert row_json["counts"]["completed"] == 151
    assert row_json["analysed"] == 151  # not 152: call_99 once, as its later read says
    assert row_json["qualified_rate"] == 52 / 151


def test_live_counts_are_flagged_against_the_calls_placed_read_with_them() -> None:
    store = Store()
    store.put_campaign(CampaignState(Campaign.model_validate({"id": "b1", "name": "Renewals"})))
    at = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    tally = store.tally.campaign("b1")
    for status in COUNTED_VALUES:
        tally.set_baseline(status, 0, at)
    for i in range(30):
        tally.observe(f"c{i}", "completed", at + timedelta(seconds=i + 1))
    put_total(store, "b1", 40)  # 40 placed, 30 ended by then: true
    for i in range(30, 50):  # a running campaign: 20 more placed since, and ended
        tally.observe(f"c{i}", "completed", at + timedelta(seconds=i + 1))
    (row,) = campaign_rows(store, 0.0)
    assert row.counts["completed"] == 50 and row.total == 40
    assert row.count_flags == ()  # not "50 over 40": those 20 were placed after the read
    assert "cannot all be true" not in campaign_summary(row, "b1").plain
    put_total(store, "b1", 45)  # a server whose placed total is behind its endings
    (row,) = campaign_rows(store, 0.0)
    assert row.count_flags == ("completed 50 over 45 calls placed",)
    summary = campaign_summary(row, "b1").plain
    assert "! counts cannot all be true: completed 50 over 45 calls placed" in summary
    # Calls placed since, kept live (`state.placed`): the figure shown grows, the flag of
    # that read stays (it compared the two figures of one read, never a live one).
    state = store.campaigns["b1"]
    store.put_campaign(replace(state, total=60))
    (row,) = campaign_rows(store, 0.0)
    assert row.total == 60
    assert row.count_flags == ("completed 50 over 45 calls placed",)
