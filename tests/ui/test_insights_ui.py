"""The insights on screen (issue 19): the campaign screen's conformance, idle bar and offending
calls, `i` opening the next offender's call screen, the Campaigns table's `retry` column."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Static

from monitor.state.insight_view import CampaignInsight, Insight, Insights
from monitor.ui.screens.call import CallScreen
from monitor.ui.screens.campaign import CampaignScreen
from monitor.ui.widgets.campaign_table import CampaignTable
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import T0

SIZE = (80, 24)
FOUND = Insights(
    items=(
        Insight(kind="retry_early", campaign_id="cmp_spring01", call_id="call_a1b2c3d4e5f6",
                since=T0, detail="480 s before its 10 min wait ended"),
        Insight(kind="cap_blocked", campaign_id="cmp_spring01", since=T0 - timedelta(minutes=4),
                detail="4 min at its concurrency cap without a dial"),
        Insight(kind="leaked_slot", since=T0, detail="calls queued beside free slots"),
    ),
    campaigns={"cmp_spring01": CampaignInsight(
        conformance=75.0, checked=4, kinds={"retry_early": 1},
        idle_minutes={"cap_blocked": 4}, idle_bar="..cccc",
    )},
)  # fmt: skip


async def test_the_campaign_screen_shows_the_insights_and_i_opens_the_offender(
    make_app: AppFactory,
) -> None:
    app, engine = make_app()
    async with app.run_test(size=SIZE) as pilot:
        with engine.store.batch():
            engine.store.put_insights(FOUND)
        await pilot.pause()
        table = app.screen.query_one(CampaignTable)
        assert any(item.conformance == 75.0 for item in table.visible_items())
        app.open_campaign("cmp_spring01")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, CampaignScreen)
        text = str(app.screen.query_one("#campaign-summary", Static).render())
        assert "retry conformance 75% of 4 series (early 1)" in text
        assert "! cap blocked since" in text
        assert "! leaked slot (workspace)" in text
        assert "idle (1h) ..cccc" in text
        assert "offending calls 1 (i opens the next)" in text
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, CallScreen)
        assert engine.selected_call_id == "call_a1b2c3d4e5f6"
