"""`color_system` (issue 21): an App made inside writes the colours asked for; Textual's own
choice is back for any App made after."""

from __future__ import annotations

from textual import constants
from textual.app import App

from monitor.ui.colors import color_system


def test_an_app_made_inside_uses_the_colours_and_the_default_comes_back() -> None:
    before = constants.COLOR_SYSTEM
    with color_system("256"):
        lean = App[None]()
    with color_system("truecolor"):
        full = App[None]()
    assert lean.console.color_system == "256"
    assert full.console.color_system == "truecolor"
    assert before == constants.COLOR_SYSTEM


def test_auto_leaves_textuals_choice() -> None:
    before = constants.COLOR_SYSTEM
    with color_system("auto"):
        assert before == constants.COLOR_SYSTEM
