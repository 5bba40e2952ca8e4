"""Why a campaign is not dialling: each minute's reason, in the stated order, at its edges."""

from __future__ import annotations

import pytest

from monitor.state.idle import IDLE_REASONS, MinuteFacts, idle_minutes, reason

KNOWN = {"dialled": 0, "in_flight": 0, "status": "running", "queued": 5, "retries_pending": 0}


def facts(**overrides: object) -> MinuteFacts:
    return MinuteFacts(**{**KNOWN, **overrides})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"dialled": 1}, None),
        ({"in_flight": 3, "campaign_cap": 4}, None),  # working below its cap
        ({"in_flight": 3, "workspace_in_flight": 100, "workspace_cap": 100}, "cap_blocked"),
        ({"status": "paused"}, "paused"),
        ({"status": "paused", "in_flight": 2, "campaign_cap": 2}, "paused"),
        ({"in_window": False}, "outside_window"),
        ({"in_window": True}, "unexplained"),
        ({"in_flight": 4, "campaign_cap": 4}, "cap_blocked"),
        ({"workspace_in_flight": 100, "workspace_cap": 100}, "cap_blocked"),
        ({"workspace_in_flight": 99, "workspace_cap": 100}, "unexplained"),
        ({"vendor_rejected": True}, "vendor_rejected"),
        ({"queued": 0, "retries_pending": 0}, "nothing_left"),
        ({"queued": 0, "retries_pending": 1}, "unexplained"),
        ({"queued": 0, "retries_pending": None}, "unexplained"),
        ({"dialled": None}, "unknown"),
        ({"queued": None}, "unknown"),
        ({"status": None}, "unknown"),
    ],
)
def test_each_minute_gets_the_first_reason_that_holds(
    overrides: dict[str, object], expected: str | None
) -> None:
    assert reason(facts(**overrides)) == expected


def test_a_minute_with_no_facts_is_unknown_never_a_reason_it_may_not_have_had() -> None:
    assert reason(MinuteFacts()) == "unknown"


def test_idle_minutes_counts_every_reason_and_leaves_dialling_minutes_out() -> None:
    hour = (
        [facts(dialled=2)] * 40
        + [facts(status="paused")] * 12
        + [facts(in_flight=4, campaign_cap=4)] * 5
        + [facts(queued=None)] * 3
    )
    counts = idle_minutes(hour)
    assert list(counts) == list(IDLE_REASONS)
    assert counts == {
        "paused": 12,
        "outside_window": 0,
        "cap_blocked": 5,
        "vendor_rejected": 0,
        "nothing_left": 0,
        "unexplained": 0,
        "unknown": 3,
    }
    assert sum(counts.values()) == 20
