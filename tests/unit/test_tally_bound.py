"""The tally's ending identities are bounded in number, not only in age (issue 21: `huge`'s
75 minutes of endings were ~80,000 identities), and folding the oldest early keeps the counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.api.models import Call
from monitor.state import tally as tally_mod
from monitor.state.tally import Tally

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _ending(i: int, campaign: str, at: datetime) -> Call:
    return Call.model_validate(
        {"id": f"c{i}", "status": "completed", "campaign_id": campaign, "ended_at": at.isoformat()}
    )


def _fill(t: Tally, n: int) -> None:
    for i in range(n):
        t.observe(_ending(i, f"camp{i % 3}", T0 + timedelta(seconds=i)), T0)


def test_past_the_bound_the_oldest_identities_fold_and_the_counts_stay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tally_mod, "ENDINGS_KEPT", 100)
    t = Tally()
    t.start(T0 - timedelta(minutes=1))
    for camp in ("camp0", "camp1", "camp2"):
        t.campaign(camp).set_baseline("completed", 1000, T0 - timedelta(seconds=1))
    _fill(t, 150)
    now = T0 + timedelta(seconds=150)  # all well inside FOLD_AFTER
    t.fold(now)
    kept = sum(len(c.endings) for c in t.campaigns.values())
    assert kept == 90  # the newest nine tenths of the bound
    kept_ids = {k for c in t.campaigns.values() for k in c.endings}
    assert kept_ids == {f"c{i}" for i in range(60, 150)}
    # Every ending still counts once, folded or not: 1000 + 50 per campaign.
    assert [t.campaigns[c].count("completed") for c in ("camp0", "camp1", "camp2")] == [
        1050,
        1050,
        1050,
    ]
    assert [t.campaigns[c].since_start("completed") for c in ("camp0", "camp1", "camp2")] == [
        50,
        50,
        50,
    ]
    # A folded ending read again is not counted twice; a kept one neither.
    assert not t.observe(_ending(3, "camp0", T0 + timedelta(seconds=3)), now)
    assert not t.observe(_ending(120, "camp0", T0 + timedelta(seconds=120)), now)
    assert t.campaigns["camp0"].count("completed") == 1050
    # A new ending still counts.
    assert t.observe(_ending(500, "camp0", now), now)
    assert t.campaigns["camp0"].count("completed") == 1051


def test_under_the_bound_nothing_folds_before_its_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tally_mod, "ENDINGS_KEPT", 100)
    t = Tally()
    t.start(T0)
    _fill(t, 100)
    t.fold(T0 + timedelta(seconds=100))
    assert sum(len(c.endings) for c in t.campaigns.values()) == 100
    assert all(c.floor is None for c in t.campaigns.values())
