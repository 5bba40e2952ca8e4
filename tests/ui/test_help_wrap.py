"""The help screen's wrapped descriptions hang under their description from the first frame,
not only after a resize (at 80 columns the scrollbar appeared after the text was wrapped to the
width without it, so lines one cell too long wrapped again at column 0)."""

from __future__ import annotations

from monitor.ui.screens.help import KEY_COLUMN, HelpScreen
from tests.ui.conftest import AppFactory
from tests.ui.test_desk_operator import screen_lines


async def test_a_wrapped_description_hangs_under_itself_on_the_first_frame(
    make_app: AppFactory,
) -> None:
    app, _ = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        lines = screen_lines(app)
        at = next(i for i, line in enumerate(lines) if "Freeze the view" in line)
        left = lines[at].index("│") + 1 + 1  # the box's border, then its padding
        assert lines[at][left:].startswith("  p ")
        wrapped = lines[at + 1][left:]
        # The rest of the description starts under its first word, not at the box's edge.
        assert wrapped[:KEY_COLUMN].strip() == ""
        assert wrapped[KEY_COLUMN:].startswith("fetched)")
        # Every line of the text is short enough for the box: no line wraps a second time.
        for line in lines:
            if "│" in line:
                inner = line[line.index("│") + 1 : line.rindex("│")]
                assert not inner.startswith(" fetched)")
