"""The table's row drawing shortcuts give the segments Rich's general functions give (issue 21:
a ticking row is drawn from cached cells; the screen and the snapshots must not change)."""

from __future__ import annotations

import random

from rich.segment import Segment
from rich.style import Style

from monitor.ui.widgets.table_paint import join, plain_style

STYLES = [
    Style.null(),
    Style(color="red"),
    Style(bgcolor="blue"),
    Style(bold=True, color="red"),
    Style(color="red") + Style(bgcolor="blue"),
]


def test_a_plain_cell_is_styled_as_apply_style_styles_it() -> None:
    for style in STYLES:
        for post in [None, *STYLES]:
            expected = list(Segment.apply_style([Segment("4:12")], style, post))
            assert [Segment("4:12", plain_style(style, post))] == expected


def test_joining_simplified_cells_is_simplifying_the_row() -> None:
    rng = random.Random(21)
    for _ in range(300):
        cells = [
            list(
                Segment.simplify(
                    Segment(rng.choice(["ab", " ", "x"]), rng.choice(STYLES[:3]))
                    for _ in range(rng.randint(1, 4))
                )
            )
            for _ in range(rng.randint(1, 6))
        ]
        row: list[Segment] = []
        for cell in cells:
            join(row, cell)
        whole = list(Segment.simplify(seg for cell in cells for seg in cell))
        assert row == whole
