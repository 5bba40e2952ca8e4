"""While webhooks flow the key is spared (issue 22's target: requests a minute at least halved
against polling alone): what the deliveries save is not spent again on background work, and
the history the counts need still fills (README "Webhooks into the relay")."""

from __future__ import annotations

import asyncio
import math

from monitor.polling.budget import BACKGROUND, ESSENTIAL, SOFT_SHARE, Budget
from monitor.polling.webhooks import QUIET_S, WEBHOOK_FLOOR, WEBHOOK_SHARE
from tests.webhooks.rig import Rig, build

PER_MIN = 60  # the default budget
CEILING = math.ceil(WEBHOOK_SHARE * PER_MIN) + 3
"""Any minute's requests while deliveries flow: background work held at 24, plus what the live
view sends meanwhile (it is essential, never held: a sweep page, a lookup, the campaign list
raised near its target age)."""


def busiest_minute(rig: Rig, start: float, end: float) -> int:
    """The most requests in any 60 s window (sliding by a second) within [start, end)."""
    times = [r.at for r in rig.sim.requests if start <= r.at < end]
    return max(
        (sum(1 for t in times if s <= t < s + 60) for s in range(int(start), int(end) - 59)),
        default=0,
    )


async def test_with_webhooks_no_minute_spends_what_polling_alone_does_and_history_fills() -> None:
    # 50 campaigns' history to read at 100 in flight: background work wants the budget's
    # soft share (36 a minute) for minutes, the live view little.
    plain = build("many50", webhooks=False, cap=100)
    hooked = build("many50", webhooks=True, cap=100)
    tasks = [asyncio.create_task(r.engine.run()) for r in (plain, hooked)]
    try:
        busiest = []
        for rig in (plain, hooked):
            await rig.run_for(30)  # the first deliveries: webhooks flow
            start = rig.clock.monotonic()
            await rig.run_for(180)
            busiest.append(busiest_minute(rig, start, rig.clock.monotonic()))
        assert hooked.flow is not None and hooked.flow.tally.mode == "flowing"
        assert busiest[0] > math.ceil(SOFT_SHARE * PER_MIN), busiest
        assert busiest[1] <= CEILING, busiest
        # What the user sees is not lost: every campaign's history (no more "+N") in 3 minutes.
        assert hooked.engine.counts.filling() == []
        assert hooked.engine.budget.soft_share == WEBHOOK_SHARE

        hooked.sending = False  # deliveries stop: polling in full, background at its share
        await hooked.run_for(QUIET_S + 6)
        assert hooked.flow.tally.mode == "stopped"
        assert hooked.engine.budget.soft_share == SOFT_SHARE
    finally:
        for rig, task in zip((plain, hooked), tasks, strict=True):
            await rig.close()
            task.cancel()


def test_the_lower_share_holds_background_work_at_24_of_60_keeping_3_for_itself() -> None:
    budget = Budget(per_min=60, burst=60)
    budget.soft_share, budget.background_floor = WEBHOOK_SHARE, WEBHOOK_FLOOR
    for i in range(21):
        assert budget.take(i * 0.1, ESSENTIAL)
    assert [budget.take(3.0, BACKGROUND) for _ in range(4)] == [True, True, True, False]
    assert budget.take(3.0, ESSENTIAL)  # the live view is never held by the share
    assert budget.wait_s(3.0, BACKGROUND) > 50  # until the minute's first requests slide out
