"""The named workspaces: small, busy (the default) and huge.

`busy` is tuned so a demo shows the interesting things within its first minute: the plan cap
(100) is smaller than the campaigns' summed per-campaign caps, so dials queue; retry waits are
1-3 minutes and the world starts with two minutes of history, so retry waves are already
arriving; one campaign pauses, one is scheduled, one is cancelled and a small one completes.
"""

from __future__ import annotations

from monitor.sim.model import (
    BUSY,
    COMPLETED,
    FAILED,
    NO_ANSWER,
    VOICEMAIL,
    CampaignSpec,
    RetryConfig,
    ScenarioSpec,
)

PLAN_CAPS = {"starter": 5, "growth": 25, "professional": 25, "scale": 100, "business": 100}
"""Concurrency slots per plan tier (API sheet §10); Enterprise is custom."""


def _mix(
    completed: float, no_answer: float, busy: float, voicemail: float, failed: float
) -> tuple[tuple[str, float], ...]:
    return (
        (COMPLETED, completed),
        (NO_ANSWER, no_answer),
        (BUSY, busy),
        (VOICEMAIL, voicemail),
        (FAILED, failed),
    )


def small() -> ScenarioSpec:
    return ScenarioSpec(
        name="small",
        workspace_cap=PLAN_CAPS["starter"],
        campaigns=(
            CampaignSpec(
                name="Appointment Reminders",
                leads=20,
                max_concurrent_calls=5,
                retry=RetryConfig(max_retries=2, wait_minutes=2),
                mix=_mix(0.40, 0.35, 0.10, 0.10, 0.05),
                talk_median_s=60.0,
            ),
        ),
        queue_depth=5,
        description="1 campaign, 20 leads, Starter plan (5 slots)",
    )


def busy() -> ScenarioSpec:
    warm = 120.0
    specs = (
        CampaignSpec(
            "Q3 Renewals North", 1500, 40, RetryConfig(3, 2), _mix(0.38, 0.35, 0.10, 0.12, 0.05)
        ),
        CampaignSpec(
            "Loan Offer Follow-up",
            1000,
            30,
            RetryConfig(2, 1, retry_on_voicemail=True),
            _mix(0.30, 0.40, 0.12, 0.14, 0.04),
            agent=1,
            country_code="+91",
        ),
        CampaignSpec(
            "Appointment Reminders", 800, 25, RetryConfig(2, 3), _mix(0.55, 0.25, 0.08, 0.08, 0.04),
            talk_median_s=45.0, qualified_rate=0.6, agent=2,
        ),
        CampaignSpec(
            "Lapsed Customers", 600, 20, RetryConfig(1, 2, retry_on_busy=False),
            _mix(0.25, 0.45, 0.12, 0.12, 0.06), agent=1,
        ),
        CampaignSpec(
            "Insurance Upsell", 500, 20, RetryConfig(3, 1), _mix(0.30, 0.40, 0.15, 0.10, 0.05),
            pause_at=warm + 240, resume_at=warm + 600, agent=3, country_code="+91",
        ),
        CampaignSpec(
            "Webinar No-shows", 300, 15, RetryConfig(0, 1), _mix(0.45, 0.30, 0.10, 0.10, 0.05),
            start_at=warm + 120, agent=2,
        ),
        CampaignSpec(
            "Card Activation", 200, 10, RetryConfig(2, 2), _mix(0.40, 0.35, 0.10, 0.10, 0.05),
            cancel_at=warm + 900, agent=0,
        ),
        CampaignSpec(
            "Feedback Survey", 100, 10, RetryConfig(0, 1), _mix(0.50, 0.30, 0.08, 0.08, 0.04),
            talk_median_s=40.0, agent=3,
        ),
    )  # fmt: skip
    return ScenarioSpec(
        name="busy",
        workspace_cap=PLAN_CAPS["scale"],
        campaigns=specs,
        warmup_s=warm,
        queue_depth=10,
        description="8 campaigns, 5,000 leads, Scale plan (100 slots), retries every 1-3 min",
    )


def huge() -> ScenarioSpec:
    specs: list[CampaignSpec] = []
    for i in range(50):
        start: float | None = 0.0
        pause_at = resume_at = None
        if i in (45, 46, 47):
            start = 600.0 * (i - 44)
        if i in (48, 49):
            pause_at, resume_at = 300.0, 2400.0
        specs.append(
            CampaignSpec(
                name="",
                leads=2000,
                max_concurrent_calls=40,
                retry=RetryConfig(
                    max_retries=1 + i % 4,
                    wait_minutes=(5, 10, 15, 30)[i % 4],
                    retry_on_voicemail=i % 3 == 0,
                ),
                mix=_mix(0.30 + (i % 5) * 0.04, 0.35, 0.10, 0.12, 0.05),
                start_at=start,
                pause_at=pause_at,
                resume_at=resume_at,
                agent=i % 7,
                country_code="+91" if i % 2 else "+1",
                talk_median_s=50.0 + (i % 6) * 10,
            )
        )
    return ScenarioSpec(
        name="huge",
        workspace_cap=1000,
        campaigns=tuple(specs),
        warmup_s=60.0,
        queue_depth=10,
        description="50 campaigns, 100,000 leads, custom plan (1,000 slots)",
    )


def many(n: int, cap: int = 1000) -> ScenarioSpec:
    """`n` campaigns with turnover, for counts that must stay flat in the number of campaigns.

    The campaigns' own caps add up to twice the plan's, so dials queue at every size; leads are
    sized so that campaigns complete within 10-40 simulated minutes, and with churn each one
    that ends is run again as a new campaign 3 minutes later and retired an hour after it ended
    (the list keeps changing, as a busy ops desk's does).
    """
    per = max(3, -(-2 * cap // n))
    specs = []
    for i in range(n):
        specs.append(
            CampaignSpec(
                name="",
                leads=max(20, int(per * (8 + (i % 5) * 6))),
                max_concurrent_calls=per,
                retry=RetryConfig(
                    max_retries=i % 3, wait_minutes=(2, 3, 5)[i % 3], retry_on_voicemail=i % 2 == 0
                ),
                mix=_mix(0.30 + (i % 4) * 0.05, 0.35, 0.10, 0.12, 0.05),
                start_at=0.0 if i % 7 else 60.0 * (i % 11),
                agent=i % 5,
                country_code="+91" if i % 3 == 0 else "+1",
                talk_median_s=40.0 + (i % 5) * 10,
                qualified_rate=0.2 + (i % 4) * 0.1,
            )
        )
    return ScenarioSpec(
        name=f"many{n}",
        workspace_cap=cap,
        campaigns=tuple(specs),
        warmup_s=60.0,
        queue_depth=5,
        churn=True,
        description=f"{n} campaigns with turnover, {cap} slots",
    )


def many8() -> ScenarioSpec:
    return many(8)


def many50() -> ScenarioSpec:
    return many(50)


def many200() -> ScenarioSpec:
    return many(200)


def anomalies() -> ScenarioSpec:
    """Every insight's anomaly, one campaign each, after an hour of history (issue 19).

    20 slots for campaigns whose caps add up to 48, so dials queue; retry waits of 2-5 minutes
    (30 for the early ones, so early is early even after a wait for a slot) so an hour holds
    many series. "Long Calls" is clean but sits at its cap of 1 with calls of up to twenty
    minutes (`cap_blocked`); "Night Shift" is clean but outside its calling hours (its idle
    minutes); the rest each bend one rule (`monitor.sim.anomalies`).
    """
    nah = _mix(0.25, 0.50, 0.10, 0.10, 0.05)
    specs = (
        CampaignSpec("Early Retries", 3000, 6, RetryConfig(3, 30), nah,
                     anomalies=frozenset({"retry_early"})),
        CampaignSpec("Late Retries", 3000, 6, RetryConfig(3, 2), nah, agent=1,
                     anomalies=frozenset({"retry_late"})),
        CampaignSpec("Missing Retries", 3000, 6, RetryConfig(3, 2), nah, agent=2,
                     anomalies=frozenset({"retry_missing"})),
        CampaignSpec("Extra Retries", 3000, 6, RetryConfig(1, 2), nah, agent=3,
                     anomalies=frozenset({"retry_extra"})),
        CampaignSpec("Failed Retried", 3000, 6, RetryConfig(2, 2),
                     _mix(0.25, 0.30, 0.05, 0.10, 0.30),
                     anomalies=frozenset({"retry_not_retryable"})),
        CampaignSpec("Stuck Rings", 3000, 4, RetryConfig(1, 2), nah, agent=1,
                     anomalies=frozenset({"stuck_call"})),
        CampaignSpec("Slot Leak", 3000, 6, RetryConfig(1, 2), nah, agent=2,
                     anomalies=frozenset({"leaked_slot"})),
        CampaignSpec("Long Calls", 3000, 1, RetryConfig(0, 2), _mix(0.95, 0.05, 0, 0, 0),
                     talk_median_s=1200.0, agent=3),
        CampaignSpec("Queue Overflow", 3000, 6, RetryConfig(1, 2), nah,
                     anomalies=frozenset({"vendor_rejected"})),
        # Calling hours that open two hours after the demo starts, for eight hours.
        CampaignSpec("Night Shift", 3000, 4, RetryConfig(1, 2), nah, agent=1,
                     calling_window=(3 * 3600.0, 11 * 3600.0)),
    )  # fmt: skip
    return ScenarioSpec(
        name="anomalies",
        workspace_cap=20,
        campaigns=specs,
        warmup_s=3600.0,
        queue_depth=5,
        description="10 campaigns, each with one anomaly the insights find, an hour of history",
    )


SCENARIOS = {
    "small": small,
    "busy": busy,
    "huge": huge,
    "many8": many8,
    "many50": many50,
    "many200": many200,
    "anomalies": anomalies,
}


def get_scenario(name: str) -> ScenarioSpec:
    """The named scenario; ValueError naming the choices otherwise."""
    try:
        return SCENARIOS[name]()
    except KeyError:
        raise ValueError(
            f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}"
        ) from None
