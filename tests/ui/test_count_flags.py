"""The Campaigns pane marks counts that cannot all be true (`!` after the calls placed), from
the live counts as they stood when the calls placed were read (hostile finding 3: nothing
wrote them since the counts came from the tally, so the mark never showed)."""

from __future__ import annotations

from datetime import timedelta

from monitor.polling.intake import put_total
from monitor.state.tally import COUNTED_VALUES
from monitor.ui.widgets.campaign_table import CampaignTable
from tests.ui.conftest import AppFactory
from tests.ui.fixtures import make_engine

SIZE = (220, 40)


async def test_completed_over_the_calls_placed_is_marked_in_the_campaigns_pane(
    make_app: AppFactory,
) -> None:
    engine = make_engine()
    store = engine.store
    at = engine.clock.now() - timedelta(minutes=5)
    totals = {"completed": 320, "no_answer": 40, "busy": 7, "failed": 3, "voicemail": 11}
    for cid in ("cmp_spring01", "cmp_winback2"):
        tally = store.tally.campaign(cid)
        for status in COUNTED_VALUES:
            tally.set_baseline(status, totals[status] if cid == "cmp_spring01" else 1, at)
        put_total(store, cid, 312)  # read after the outcome totals
    app, _ = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one(CampaignTable)
        rows = [table.render_line(y).text for y in range(table.size.height)]
        spring = next(r for r in rows if "Spring" in r)
        winback = next(r for r in rows if "Win-back" in r)
        assert "312!" in spring and "320" in spring
        assert "312!" not in winback and "312" in winback
