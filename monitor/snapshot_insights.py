"""`snapshot`'s insights (issue 19): `insights[]` and, per campaign, `conformance` and
`idle_minutes` (README, interface additions)."""

from __future__ import annotations

from typing import Any

from monitor.polling.engine import Engine
from monitor.report import Report, iso
from monitor.state.insight_view import Insights


def insights_json(report: Report, engine: Engine) -> None:
    """Add the insights to a dashboard report (its campaigns rows already written): the
    tracker looks at the round's store once more, so a one-shot has its figures."""
    engine.audit.tick(engine.clock.monotonic())
    insights_from(report, engine.store.insights)


def insights_from(report: Report, insights: Insights) -> None:
    """The same from a snapshot's insights (a relay's or a recording's `MonitorSnapshot`)."""
    report.insights = [
        {
            "kind": i.kind,
            "campaign_id": i.campaign_id,
            "call_id": i.call_id,
            "since": iso(i.since),
            "detail": i.detail,
        }
        for i in insights.items
    ]
    for row in report.campaigns:
        found = insights.campaigns.get(row["id"])
        row["conformance"] = _conformance(found)
        row["idle_minutes"] = dict(found.idle_minutes) if found is not None else None


def _conformance(found: Any) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "percent": None if found.conformance is None else round(found.conformance, 1),
        "checked": found.checked,
        "policy_unknown": found.unknown,
        "kinds": dict(found.kinds),
    }
