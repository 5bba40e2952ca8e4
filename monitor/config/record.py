"""The flight recorder's settings (issue 17): `[record]` in the config file.

`record = true` at the top of the file is short for `[record] enabled = true` (TOML cannot
have both a value and a table of one name, so the short form becomes the table here).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RECORDING_FILE_NAME = "recording.sqlite"


class RecordSettings(BaseModel):
    """Whether the live monitor records, where, and how much it keeps."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = False
    """Record while watching (as `--record` does)."""
    path: Path | None = None
    """The recording's file; None: `recording.sqlite` in the user data directory."""
    keep_days: float = Field(default=1.0, gt=0, le=366)
    """Frames older than this many days are pruned while recording."""
    max_mb: float = Field(default=1024.0, gt=0, le=1_000_000)
    """Past this size the oldest frames are pruned (a keyframe interval at a time)."""


def coerce_record(value: object) -> object:
    """`record = true` / `record = false` as the table form."""
    return {"enabled": value} if isinstance(value, bool) else value


def default_recording_path() -> Path:
    """`recording.sqlite` in the user data directory (platformdirs; the state dir variable
    overrides it, as for the UI's saved state)."""
    from monitor.config.paths import data_dir

    return data_dir() / RECORDING_FILE_NAME


AlertKind = Literal[
    "connect_rate_drop", "at_cap", "retry_wave", "api_error_rate", "api_unreachable", "long_calls"
]


class AlertRule(BaseModel):
    """One `[[alerts]]` table: what to watch, for how long, how often it may fire.

    `for` (seconds): the condition must hold this long to fire, and be gone this long to clear
    (hysteresis: it fires once and clears once, however it flickers). `every` (seconds): the
    least time between two firings of the rule for one subject.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    kind: AlertKind
    for_s: float = Field(default=60.0, ge=0, le=86_400, alias="for")
    every_s: float = Field(default=600.0, ge=0, le=86_400, alias="every")
    drop: float = Field(default=0.5, gt=0, lt=1)
    """connect_rate_drop: fires below (1 - drop) x the campaign's own baseline."""
    minutes: float = Field(default=10.0, gt=0, le=1440)
    """long_calls: calls longer than this; retry_wave: over the cap within this many minutes;
    api_error_rate: the window the rate is taken over."""
    rate: float = Field(default=0.2, gt=0, le=1)
    """api_error_rate: the share of the window's readings with the API in error."""
    campaign: str | None = None
    """connect_rate_drop: only this campaign (default: every campaign)."""


__all__ = [
    "RECORDING_FILE_NAME",
    "AlertKind",
    "AlertRule",
    "RecordSettings",
    "coerce_record",
    "default_recording_path",
]
