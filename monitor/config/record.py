"""The flight recorder's settings (issue 17): `[record]` in the config file.

`record = true` at the top of the file is short for `[record] enabled = true` (TOML cannot
have both a value and a table of one name, so the short form becomes the table here).
"""

from __future__ import annotations

from pathlib import Path

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


__all__ = ["RECORDING_FILE_NAME", "RecordSettings", "coerce_record", "default_recording_path"]
