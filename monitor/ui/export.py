"""ctrl+s: the table on screen, as CSV, in the user data directory.

Values are made inert (`sanitize`: no ESC or control bytes for whoever `cat`s the file) and
cells a spreadsheet would run as a formula are prefixed with `'`. Phone numbers such as
"+14155550123" are left alone: a leading + followed by digits is data, not a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from monitor.config.paths import EXPORTS_DIR_NAME
from monitor.display import sanitize
from monitor.ui.state_file import data_dir, write_private

_PHONE = re.compile(r"^[+-]?[\d\s().-]+$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    text = sanitize(value)
    if text.startswith(_FORMULA_START) and not _PHONE.match(text):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


def export_csv(
    view: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    when: datetime,
    directory: Path | None = None,
) -> Path:
    """Write the rows to `<data dir>/exports/<view>-<time>.csv` (mode 0600); return the path."""
    folder = (directory or data_dir()) / EXPORTS_DIR_NAME
    safe_view = re.sub(r"[^A-Za-z0-9_.-]", "_", view)
    path = folder / f"{safe_view}-{when.strftime('%Y%m%d-%H%M%S')}.csv"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{safe_view}-{when.strftime('%Y%m%d-%H%M%S')}-{n}.csv"
    write_private(path, to_csv(header, rows))
    return path


def save_screenshot(svg: str, *, when: datetime, directory: Path | None = None) -> Path:
    """Write an SVG screenshot beside the CSV exports (mode 0600); return the path.

    Textual's own command saves to ~/Downloads, which a jump host seldom has, and then says
    only "Failed to save screenshot"; here the place is the one `config show` lists.
    """
    folder = (directory or data_dir()) / EXPORTS_DIR_NAME
    path = folder / f"screenshot-{when.strftime('%Y%m%d-%H%M%S')}.svg"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"screenshot-{when.strftime('%Y%m%d-%H%M%S')}-{n}.svg"
    write_private(path, svg)
    return path
