"""The longest tests first, so that `make test`'s two workers end together.

`make test` runs `-n 2 --dist worksteal`: a worker that runs out of tests takes half of the
other's queue, but never the test the other is running. A 100 s simulation that starts near
the end of the run therefore leaves one core idle for up to 100 s. Started first, the long
tests overlap each other and the short ones fill the gaps at the end.

The list is of the slowest tests measured (`pytest -n 2 --durations=60`, 1,456 tests), by
node id prefix, longest first. Only the order changes: a test missing from the list (renamed,
new) runs in its collected place, so a stale entry costs time, never a result.
"""

from __future__ import annotations

import pytest

LONGEST_FIRST = (
    # Seconds each took on a loaded 2-core box (about 2.9 times a quiet one's), summed per entry.
    "tests/engine/test_counts_truth.py::test_50_campaigns_with_turnover",  # 105
    "tests/engine/test_counts_truth.py::test_200_campaigns_every_ending",  # 97
    "tests/engine/test_startup.py::",  # 83 (3 scenarios)
    "tests/engine/test_counts_truth.py::test_busy_counts_follow",  # 70
    "tests/webhooks/test_engine_webhooks.py::",  # 59
    "tests/engine/test_engine_sim.py::test_busy_scenario",  # 39
    "tests/feeds/test_relay_share.py::test_one_viewer_or_fifty",  # 37
    "tests/faults/test_fault_screen.py::test_screen_fault[N4]",  # 29
    "tests/engine/test_counts_truth.py::test_an_ending_never_seen",  # 27
    "tests/faults/test_screen_freshness.py::",  # 23
    "tests/faults/test_fault_screen_more.py::test_screen_R3",  # 19
    "tests/webhooks/test_webhook_spend.py::",  # 18
    "tests/faults/test_real_terminal.py::",  # 17 + 13 + 9 + 6
    "tests/faults/test_fault_screen_more.py::test_screen_R2",  # 17
    "tests/faults/test_fault_screen.py::test_screen_T1_T16",  # 16
    "tests/unit/test_models.py::test_R8_any_json",  # 15
)


def _rank(nodeid: str) -> int:
    for i, prefix in enumerate(LONGEST_FIRST):
        if nodeid.startswith(prefix):
            return i
    return len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: the tests off the list keep their collected order (module fixtures stay
    # shared by their module's tests); every worker computes the same order, as xdist needs.
    items.sort(key=lambda item: _rank(item.nodeid))
