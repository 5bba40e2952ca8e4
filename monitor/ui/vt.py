"""What `monitor.ui.compact` reads of Textual's output: its escape sequences, by kind.

Pure: no Textual, no I/O.
"""

from __future__ import annotations

import re

TOKEN = re.compile(
    r"""
    (?P<sgr>\x1b\[(?P<sgr_params>[0-9;:]*)m)
    |(?P<cup>\x1b\[(?P<row>\d*)(?:;(?P<col>\d*))?H)
    |(?P<csi>\x1b\[(?P<csi_params>[0-?]*)[\x20-/]*(?P<csi_final>[@-~]))
    |(?P<osc>\x1b\][^\x07\x1b]*(?:\x07|\x1b\\))
    |(?P<string>\x1b[P_^X].*?\x1b\\)
    |(?P<esc>\x1b.?)
    |(?P<nl>[\r\n]+)
    |(?P<text>[^\x1b\r\n]+)
    """,
    re.VERBOSE | re.DOTALL,
)

STYLE_KEEPING_FINALS = frozenset("ABCDEFGHfdKJXlh")
"""CSI finals after which the terminal's style is still what was written."""
STYLE_SAVING_MODES = ("47", "1047", "1048", "1049")
"""Private modes that switch screens or save/restore the cursor with its attributes."""
PAINTS = frozenset("KJX@LMPSTb")
"""CSI finals that paint cells with the current background: the style must be written first."""
NEUTRAL_MODES = frozenset({"?2026", "?25"})
"""Synchronized output and cursor visibility: they move and paint nothing."""
SYNC_ON, SYNC_OFF = "\x1b[?2026h", "\x1b[?2026l"


__all__ = [
    "NEUTRAL_MODES",
    "PAINTS",
    "STYLE_KEEPING_FINALS",
    "STYLE_SAVING_MODES",
    "SYNC_OFF",
    "SYNC_ON",
    "TOKEN",
]
