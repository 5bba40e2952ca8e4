"""The output compactor (issue 21): the terminal shows the same cells, with fewer bytes.

Each case feeds Textual-shaped frames (Rich's `ESC[style m text ESC[0m` runs, absolute cursor
moves, newlines between lines) to two emulated terminals (pyte), one as written and one
compacted, and compares every cell (character, colours, attributes) and the cursor.
"""

from __future__ import annotations

import random
import re

import pyte
from rich.color import ColorSystem
from rich.style import Style

from monitor.ui.cells import cursor_move
from monitor.ui.compact import Compactor
from monitor.ui.sgr import read_sgr

COLS, ROWS = 40, 8
STYLES = [
    Style.parse("bold #fea62b on #004578"),
    Style.parse("#e0e0e0 on #272727"),
    Style.parse("bold #e0e0e0 on #004578"),
    Style.parse("italic underline #a0a0a0 on #121212"),
    Style.parse("reverse red"),
    Style.parse("dim green on default"),
    Style.parse("strike bright_blue on black"),
    Style.parse("color(208) on color(17)"),
    Style(),
]


def styled(style: Style, text: str) -> str:
    return style.render(text, color_system=ColorSystem.TRUECOLOR)


def no_style(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def move(x: int, y: int) -> str:
    return f"\x1b[{y + 1};{x + 1}H"


def screens_agree(frames: list[str]) -> tuple[int, int]:
    """Feed both streams frame by frame; assert the screens agree after each; the byte counts."""
    plain, packed = pyte.Screen(COLS, ROWS), pyte.Screen(COLS, ROWS)
    plain_s, packed_s = pyte.Stream(plain), pyte.Stream(packed)
    compactor = Compactor()
    n_in = n_out = 0
    for i, frame in enumerate(frames):
        out = compactor.compact(frame)
        n_in, n_out = n_in + len(frame.encode()), n_out + len(out.encode())
        plain_s.feed(frame)
        packed_s.feed(out)
        for y in range(ROWS):
            for x in range(COLS):
                assert packed.buffer[y][x] == plain.buffer[y][x], (i, x, y, repr(out))
        if not plain.cursor.hidden:  # a hidden cursor is left where the last cell went
            assert (packed.cursor.x, packed.cursor.y) == (plain.cursor.x, plain.cursor.y)
    return n_in, n_out


def random_frame(rng: random.Random) -> str:
    """A partial update as Textual writes one: runs of styled text at cursor moves, a newline
    between lines, now and then an erase, a sync marker or a mode change, the cursor parked."""
    parts = ["\x1b[?2026h"] if rng.random() < 0.3 else []
    for y in sorted(rng.sample(range(ROWS - 1), rng.randint(1, 4))):
        x = rng.randrange(COLS - 10)
        parts.append(move(x, y))
        for _ in range(rng.randint(1, 4)):
            style = rng.choice(STYLES)
            text = "".join(rng.choice("ab 12:━…│") for _ in range(rng.randint(1, 3)))
            parts.append(styled(style, text))
        if rng.random() < 0.1:
            parts.append(styled(rng.choice(STYLES), "") + "\x1b[K")
        parts.append("\n")
    if rng.random() < 0.1:
        parts.append("\x1b[?25l")
    parts.append(move(2, 0))
    if parts[0] == "\x1b[?2026h":
        parts.append("\x1b[?2026l")
    return "".join(parts)


def test_random_frames_show_the_same_cells_with_fewer_bytes() -> None:
    rng = random.Random(21)
    frames = [random_frame(rng) for _ in range(300)]
    n_in, n_out = screens_agree(frames)
    assert n_out < 0.9 * n_in  # random styles seldom repeat: the dashboard saves ~37%


def test_a_column_of_cells_in_one_style_sets_the_style_once() -> None:
    tick = styled(STYLES[0], " 2:07! ")
    frame = "".join(move(1, y) + tick + "\n" for y in range(3, 7)) + move(2, 0)
    screens_agree([frame])
    out = Compactor().compact(frame)
    assert out.count("\x1b[") - out.count("H") == 2  # the style once, the reset once
    assert "\n" not in out  # each newline was followed by a cursor move


def test_a_tick_sends_only_the_cells_that_changed() -> None:
    style = STYLES[0]
    frames = [move(1, y) + styled(style, f" 2:0{s}! ") + move(2, 0) for s in (6, 7) for y in (3, 4)]
    screens_agree(frames)
    c = Compactor()
    c.compact(frames[0])
    c.compact(frames[1])
    assert no_style(c.compact(frames[2])) == move(5, 3) + "7" + move(2, 0)


def test_a_repaint_of_what_is_shown_sends_nothing_until_the_screen_is_forgotten() -> None:
    rng = random.Random(7)
    rows = [
        move(0, y) + "".join(styled(rng.choice(STYLES), "ab━…") for _ in range(5))
        for y in range(ROWS)
    ]
    full = "".join(rows) + move(2, 0)
    c = Compactor()
    first = c.compact(full)
    assert c.compact(full) == ""  # the cursor is already parked there
    c.forget()  # a resize: the terminal's cells are not known any more
    again = pyte.Screen(COLS, ROWS)
    pyte.Stream(again).feed(c.compact(full))  # on a blank screen: every cell drawn again
    shown = pyte.Screen(COLS, ROWS)
    pyte.Stream(shown).feed(first)
    assert again.display == shown.display
    screens_agree([full, full])


def test_a_style_change_writes_only_what_differs() -> None:
    a = Style.parse("bold #e0e0e0 on #004578")
    b = Style.parse("#e0e0e0 on #004578")
    frame = move(0, 0) + styled(a, "ab") + styled(b, "cd")
    out = Compactor().compact(frame)
    assert "\x1b[22m" in out  # bold off, the colours kept
    screens_agree([frame])


def test_unknown_sequences_pass_through_and_the_style_is_set_again_after_a_restore() -> None:
    s = STYLES[1]
    frames = [
        move(0, 0) + styled(s, "ab"),
        "\x1b7" + styled(s, "x") + "\x1b8" + move(5, 1) + styled(s, "cd"),
        "\x1b]0;title\x07" + move(0, 2) + styled(s, "ef"),
    ]
    screens_agree(frames)
    c = Compactor()
    c.compact(frames[0])
    second = c.compact(frames[1])
    assert second.startswith("\x1b7")
    assert "\x1b[0;" in second.partition("\x1b8")[2]  # the style in full after the restore


def test_a_frame_ends_with_the_terminal_in_the_style_the_input_left() -> None:
    frame = move(0, 0) + "\x1b[1;31mab"  # no reset at the end
    c = Compactor()
    assert c.compact(frame).endswith("ab")
    assert c.compact(move(0, 1) + "cd") == "\x1b[2H" + "cd"  # still bold red, as written


def test_sgr_reading() -> None:
    assert read_sgr({}, "1;38;2;1;2;3;48;5;17") == {
        "bold": "1",
        "fg": "38;2;1;2;3",
        "bg": "48;5;17",
    }
    assert read_sgr({"bold": "1", "dim": "1", "fg": "31"}, "22;39") == {}
    assert read_sgr({}, "4:3") is None  # an underline style: not read, written as it came
    assert read_sgr({}, "38;2;1;2") is None


def test_a_hidden_cursor_is_not_parked_after_each_frame() -> None:
    c = Compactor(cursor_shown=False)  # Textual hides it before the compactor takes over
    style = STYLES[1]
    c.compact(move(0, 3) + styled(style, "ab") + move(2, 0))
    out = c.compact(move(0, 4) + styled(style, "cd") + move(2, 0))
    assert out == "\x1b[5Hcd"  # no reset, no park: the style and place "ab" left
    # Shown: parked where the input left it (2, 0), four rows up, and the style reset.
    assert c.compact("\x1b[?25h") == "\x1b[?25h\x1b[4A\x1b[0m"


def test_cursor_moves_take_the_shortest_form() -> None:
    # Down one and back one (a column of ticking cells): CUD and a backspace, 4 bytes, not 6.
    # Never a backspace (a BS on the wire is what the hostile-name drills look for): CUP ties
    # with down-and-back (6 bytes), a relative move back along the row is 3-4.
    assert cursor_move((6, 3), (5, 4), exact=True) == "\x1b[5;6H"
    assert cursor_move((7, 3), (5, 3), exact=True) == "\x1b[2D"
    assert cursor_move((6, 3), (5, 3), exact=True) == "\x1b[D"
    # Far left on the same row: an absolute column (CHA) is shorter than CUB.
    assert cursor_move((30, 3), (2, 3), exact=True) == "\x1b[3G"
    # After the last column the cursor's column is not known, its row is: CHA, not CUP.
    assert cursor_move((80, 3), (5, 3), exact=False) == "\x1b[6G"
    assert cursor_move((80, 3), (5, 9), exact=False) == "\x1b[10;6H"
    assert cursor_move(None, (0, 4)) == "\x1b[5H"


def test_a_tick_of_a_column_in_two_looks_writes_each_look_once_and_moves_by_few_bytes() -> None:
    warn = Style.parse("bold #fea62b on #272727")
    plain = Style.parse("#e0e0e0 on #272727")
    edge = "".join(move(30, y) + "|" for y in range(3, 7))  # the screen is wider than the column

    def tick(s: int) -> str:
        rows = range(3, 7)
        return "".join(move(1, y) + styled(warn if y % 2 else plain, f" 2:0{s}") for y in rows)

    frames = [edge + tick(6) + move(2, 0), tick(7) + move(2, 0), tick(8) + move(2, 0)]
    screens_agree(frames)
    c = Compactor(cursor_shown=False)
    c.compact(frames[0])  # ends in the plain look, after the last plain digit (row 6)
    assert c.compact(frames[1]) == (
        "\x1b[5;6H7\x1b[7;6H7"  # the plain rows, in the look it has
        "\x1b[4;6H\x1b[1;38;2;254;166;43m7\x1b[6;6H7"  # the warn rows: one style change
    )


def test_the_next_look_is_the_cheapest_to_reach() -> None:
    bold = Style.parse("bold #e0e0e0 on #004578")
    plain = Style.parse("#e0e0e0 on #004578")
    other = Style.parse("#fea62b on #121212")
    edge = move(30, 0) + "|"

    def frame(ch: str) -> str:
        return (
            move(0, 1) + styled(bold, ch + "b")
            + move(0, 2) + styled(other, ch + "d")
            + move(0, 3) + styled(plain, ch + "f")
        )  # fmt: skip

    screens_agree([edge + frame("a"), frame("x")])
    c = Compactor(cursor_shown=False)
    c.compact(edge + frame("a"))  # ends in the bold look, on row 1
    # Bold to plain is "bold off" (5 bytes): plain goes before `other`, though below it.
    assert c.compact(frame("x")) == (
        "\x1b[Gx\x1b[4H\x1b[22mx\x1b[3H\x1b[38;2;254;166;43;48;2;18;18;18mx"
    )


DISPUTED = ["प्रिया शर्मा", "👩\u200d🔬", "✅\ufe0e", "e\u0301te\u0301", "🇮🇳"]
"""Names whose width Rich and a code-point terminal dispute (FAULTS T14), and, for contrast,
wide ones they agree on."""
AGREED = ["张伟 王芳", "ＡＣＭＥ"]


def test_a_name_of_disputed_width_leaves_the_rest_of_its_row_where_textual_put_it() -> None:
    """On a terminal that measures code point by code point, each row's edge `│` stays in the
    column Rich counted, whatever width the terminal gave the name before it: in the frame
    that draws the rows, and in a tick that redraws the name's cell run in another look."""
    from rich.cells import cell_len

    from tests.faults.pty_screen import CodePointScreen

    screen = CodePointScreen(COLS, ROWS)
    stream = pyte.Stream(screen)
    compactor = Compactor(cursor_shown=False)
    names = DISPUTED + AGREED[:1]
    frame = "".join(
        move(0, y)
        + styled(STYLES[1], f"│ {name}" + " " * (20 - cell_len(name)) + " 12 ")
        + styled(STYLES[0], "│")
        for y, name in enumerate(names)
    )
    tick = "".join(
        move(2, y) + styled(STYLES[2], name + " " * (20 - cell_len(name)) + " 13 ")
        for y, name in enumerate(names)
    )
    for out in (compactor.compact(frame), compactor.compact(tick)):
        stream.feed(out)
        for y, name in enumerate(names):
            row = screen.row(y)
            assert row[26] == "│", (name, "".join(row))
            assert "".join(row[22:25]) in (" 12", " 13"), (name, "".join(row))


def test_wide_and_disputed_names_cost_one_move_each_and_plain_rows_none() -> None:
    """Resynchronising after a cluster is a cursor move: only on rows that have one."""
    compactor = Compactor(cursor_shown=False)
    rows = [*DISPUTED, *AGREED, "plain ascii name"]
    frame = "".join(
        move(0, y) + styled(STYLES[1], f"│ {name}  12 │") for y, name in enumerate(rows)
    )
    out = compactor.compact(frame)
    moves = re.findall(r"\x1b\[\d+(?:;\d+)?[HG]", out)
    assert len(rows) <= len(moves) <= 3 * len(rows), moves
    tick = move(0, len(rows) - 1) + styled(STYLES[1], "│ plain ascii name  13 │")
    assert len(re.findall(r"\x1b\[\d+(?:;\d+)?[HG]", compactor.compact(tick))) == 1
