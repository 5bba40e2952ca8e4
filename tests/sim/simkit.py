"""Helpers for the simulator's tests (a uniquely named module: `conftest` is ambiguous)."""

from __future__ import annotations

from typing import Any

from monitor.sim.model import OUTCOMES, CampaignSpec, RetryConfig, ScenarioSpec

KEY = "test-key-123"


def only(outcome: str) -> tuple[tuple[str, float], ...]:
    """An outcome mix where every attempt ends the same way."""
    return tuple((o, 1.0 if o == outcome else 0.0) for o in OUTCOMES)


def one_campaign(
    retry: RetryConfig,
    mix: tuple[tuple[str, float], ...],
    *,
    leads: int = 5,
    cap: int = 5,
    campaign_cap: int = 5,
) -> ScenarioSpec:
    return ScenarioSpec(
        name="test",
        workspace_cap=cap,
        campaigns=(CampaignSpec("Test", leads, campaign_cap, retry, mix),),
        queue_depth=3,
    )


def unwrap(body: Any) -> Any:
    """The record inside the `{statusCode, message, data}` wrapper, if it has one."""
    if isinstance(body, dict) and "statusCode" in body and isinstance(body.get("data"), dict):
        return body["data"]
    return body


def items_of(body: Any) -> list[Any]:
    """The rows of any documented list envelope."""
    if isinstance(body, list):
        return body
    for key in ("data", "items", "callLogs"):
        if isinstance(body, dict) and isinstance(body.get(key), list):
            rows: list[Any] = body[key]
            return rows
    raise AssertionError(f"no item list in {str(body)[:200]}")
