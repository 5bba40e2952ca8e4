"""Every catalogue fault against the real engine and client, in-process, on a fake clock.

For each case (the test id is the FAULTS.md case id) a user-level check: the engine keeps
running; the status line (store.health, and the pane errors it is fed from `engine.view()`)
names the fault in words within the detection allowance; the active pane is marked stale with
its age while requests fail; no request rate above the steady rate while failing and never the
same request twice within 1 s; every resource fresh again within the poll interval in force
(+ honoured Retry-After) after the fault clears, with no intervention; nothing known is lost; no
fragment of the canary key in logs, health or error messages. See README.md for the case list.
"""

from __future__ import annotations

import logging

import pytest

from tests.faults.harness import CASES, Case, run_case

KNOWN_BUGS: dict[str, str] = {}
"""Case id -> reason, for drills that expose a production bug not fixed yet (strict xfail).

Found by these drills and fixed since (see README): OUTAGE-10min and N20 (error backoff below
the healthy interval), P16 and P18 (campaigns with invalid ids polled for ever)."""


def _param(case: Case) -> object:
    marks = []
    if case.id in KNOWN_BUGS:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case.id]))
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
async def test_fault(case: Case, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="monitor")
    outcome = await run_case(case, log_text=lambda: caplog.text)
    assert outcome.problems == [], outcome.as_dict()
    assert outcome.survived
