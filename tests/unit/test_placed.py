"""A campaign's calls placed kept live (`state.placed`): the API's total plus the calls
created after it was read, each once; unknown until a total is read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.state.placed import FOLD_AFTER, CampaignPlaced

T0 = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)


def test_unknown_until_read_then_counts_calls_created_after_the_read_once() -> None:
    placed = CampaignPlaced()
    assert placed.seen("a", T0 - timedelta(seconds=5)) is False
    assert placed.total() is None  # not 0: no total read
    placed.read(89, T0)
    assert placed.total() == 89  # "a" was created before the read: in the 89
    assert placed.seen("b", T0 + timedelta(seconds=1)) is True
    assert placed.seen("b", T0 + timedelta(seconds=1)) is False  # the ending of the same call
    assert placed.seen("c", T0 + timedelta(seconds=2)) is True
    assert placed.total() == 91
    placed.read(95, T0 + timedelta(seconds=3))  # a reconciliation starts over from the API
    assert placed.total() == 95


def test_folded_identities_keep_their_count() -> None:
    placed = CampaignPlaced()
    placed.read(10, T0)
    for i in range(5):
        placed.seen(f"old{i}", T0 + timedelta(seconds=i + 1))
    later = T0 + FOLD_AFTER + timedelta(minutes=5)
    placed.seen("new", later)
    assert len(placed.created) == 1  # the old identities are gone
    assert placed.total() == 16
    assert placed.seen("old1", T0 + timedelta(seconds=2)) is False  # older than kept: ignored
    assert placed.total() == 16
