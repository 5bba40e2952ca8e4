"""What a snapshot derives from the calls alone is derived again only when a call changed
(issue 21): most new snapshots come from a poll's freshness, which moves no call."""

from __future__ import annotations

from monitor.api.models import Call
from monitor.state.activerows import campaign_p95
from monitor.state.store import Store


def _completed(cid: str, duration: int) -> Call:
    return Call.model_validate(
        {"id": cid, "status": "completed", "campaign_id": "cmp_a", "duration": duration}
    )


def test_the_campaign_p95_is_derived_again_only_when_a_call_changed() -> None:
    s = Store()
    for i in range(5):
        s.upsert_call(_completed(f"c{i}", 60 + i), now=float(i))
    first = campaign_p95(s)
    assert first == {"cmp_a": 64.0}
    s.mark_fresh("active", 6.0, interval_s=5.0)  # a poll's freshness: no call changed
    assert campaign_p95(s) is first  # the same value, not a second scan
    s.upsert_call(_completed("c_long", 600), now=7.0)
    assert campaign_p95(s) == {"cmp_a": 600.0}  # a new ended call counts at once
    s.prune(now=10_000.0)  # past the retention window: every ended call goes
    assert campaign_p95(s) == {}
