"""What the terminal is told when a bug ends the app (FAULTS H5, S9)."""

from __future__ import annotations

import traceback
from pathlib import Path

from monitor.config.logs import redact

_SOURCE_ROOT = Path(__file__).resolve().parents[2]
"""The directory that holds the `monitor` package (a checkout, or site-packages)."""


def crash_report(error: BaseException, log_file: Path | None) -> str:
    """What the terminal is told when a bug ends the app: the exception's type and where it
    was raised, never its text or any frame's variables (either could quote the key, a header
    or a URL with credentials: FAULTS H5, S9)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        path = Path(last.filename)
        try:  # relative to the directory holding the package: no home directory shown
            shown = path.resolve().relative_to(_SOURCE_ROOT).as_posix()
        except ValueError:
            shown = path.name
        where = f" at {shown}:{last.lineno} in {last.name}"
    details = (
        f" The full traceback (secrets masked) is in {log_file}." if log_file is not None else ""
    )
    report = (
        f"DialNexa Monitor stopped on an internal error: {type(error).__name__}{where}. "
        f"This is a bug in the monitor, not a problem with the API or the key.{details}"
    )
    return redact(report)
