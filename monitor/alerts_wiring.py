"""Alerts wiring placeholder: filled in by the alerts step (issue 17)."""

from __future__ import annotations

from typing import IO, Any


def alerts_for(settings: Any, recorder: Any, jsonl: IO[str] | None) -> Any:
    """The function that watches each recorded snapshot (None: no alert rules)."""
    return None
