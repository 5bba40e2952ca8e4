"""Each campaign's qualified rate follows the calls that changed (`monitor.state.qualified`)
instead of a scan of every call per listing page (issue 21); the figures must be the scan's."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.api.models import Call, Campaign
from monitor.polling.listing import update_qualified
from monitor.state.derive import qualified_rate
from monitor.state.store import CampaignState, Store

CAMPAIGNS = ("cmp_aaaaaaaaaaaa", "cmp_bbbbbbbbbbbb", "cmp_cccccccccccc")
ANALYSES: tuple[dict[str, Any] | None, ...] = (
    None,
    {"qualified": True},
    {"qualified": "no"},
    {"qualified": 1},
    {"other": True},
)

write = st.tuples(
    st.just("write"),
    st.integers(0, 11),  # which call
    st.sampled_from((*CAMPAIGNS, None)),
    st.sampled_from(("completed", "no_answer", "in_progress", "busy")),
    st.sampled_from(range(len(ANALYSES))),
)
forget = st.tuples(st.just("forget"), st.integers(0, 11), st.none(), st.none(), st.none())


def _call(n: int, campaign: str | None, status: str, analysis: int) -> Call:
    row: dict[str, Any] = {"id": f"call_{n:012d}", "status": status}
    if campaign is not None:
        row["campaign_id"] = campaign
    if ANALYSES[analysis] is not None:
        row["postcallanalysis"] = ANALYSES[analysis]
    return Call.model_validate(row)


def _scan(store: Store, campaign: str, key: str) -> tuple[float | None, int, int]:
    figures = qualified_rate(
        (t.call for t in store.calls.values() if t.call.campaign_id == campaign), key
    )
    return figures.rate, figures.analysed, figures.pending


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(write, forget), min_size=1, max_size=40),
    st.integers(1, 5),
    st.lists(st.sampled_from(("qualified", "other")), min_size=1, max_size=4),
)
def test_the_followed_figures_are_a_scans_after_every_change(
    steps: list[tuple[Any, ...]], every: int, keys: list[str]
) -> None:
    """`keys`: the analysis field that says a call qualified, changed in the settings now and
    then (the index starts over)."""
    store = Store()
    for cid in CAMPAIGNS:
        store.put_campaign(CampaignState(Campaign.model_validate({"id": cid, "name": cid})))
    for i, (kind, n, campaign, status, analysis) in enumerate(steps):
        if kind == "write":
            store.upsert_call(_call(n, campaign, status, analysis), float(i))
        else:
            store.mark_ended(f"call_{n:012d}", float(i))
            store.prune(now=1e9)  # every ended call is past its retention: let go
        if i % every == 0 or i == len(steps) - 1:  # asked now and then, as pages come in
            key = keys[i % len(keys)]
            update_qualified(store, key)
            for cid in CAMPAIGNS:
                state = store.campaigns[cid]
                shown = (state.qualified_rate, state.analysed, state.analysis_pending)
                assert shown == _scan(store, cid, key)
