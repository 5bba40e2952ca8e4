"""A lone Esc answered at once where this terminal's escape sequences arrive whole.

A terminal sends Esc as the bare byte ESC, which also starts every escape sequence (an arrow is
ESC [ B), so Textual waits ESCDELAY (25 ms here, `monitor.cli`) after a bare ESC for more bytes:
half of Esc's 50 ms target (issue 21; the kitty keyboard protocol, which Textual asks for, sends
an unambiguous Esc, but xterm, tmux and most terminals do not speak it). A terminal writes a
key's sequence in one write, and a pty or an SSH channel hands it to the reader in one read: a
read that holds one bare ESC and nothing else is then the Esc key, and waiting adds nothing.

`WholeSequences` trusts that only once this terminal has shown it: `TRUST_AFTER` sequences read
whole (arrows, and the answers to the output's status queries, `monitor.ui.link`, about one a
second), and none split. A read that leaves a sequence unfinished (a slow serial line, a busy
link cutting a sequence in two), or a bare ESC answered at once whose sequence then went on
(a read starting with `[` or `O` within ESCDELAY), turns it off for the rest of the run: every
Esc then waits ESCDELAY as before. Pure: the input thread says what it read and when.
"""

from __future__ import annotations

ESC = "\x1b"
TRUST_AFTER = 3
"""Sequences read whole before a bare ESC read alone is taken for the Esc key at once."""
CONTINUES = ("[", "O")
"""How a sequence's second byte starts (CSI, SS3): after a bare ESC answered at once, a read
starting so within ESCDELAY was the rest of that sequence."""


class WholeSequences:
    """Whether a read of one bare ESC is the Esc key, from what this terminal sent before."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        """ESCDELAY: how long a sequence's bytes may trail its ESC."""
        self.whole = 0
        """Escape sequences seen arriving in one read."""
        self.split = False
        """A sequence arrived in pieces: every Esc waits ESCDELAY from now on."""
        self._answered_at: float | None = None
        """When a bare ESC was last taken for the Esc key at once."""

    def read(self, data: str, unfinished: bool, now: float) -> bool:
        """`data` was read (before anything is taken out of it); `unfinished`: the parser is
        left inside a sequence after it. True: `data` is a lone Esc, to answer now."""
        answered, self._answered_at = self._answered_at, None
        if answered is not None and now - answered <= self.delay_s and data.startswith(CONTINUES):
            self.split = True  # that ESC began a sequence: it was answered wrongly
        if data == ESC:
            if self.split or self.whole < TRUST_AFTER:
                return False
            self._answered_at = now
            return True
        if unfinished:
            self.split = True
        elif data.startswith(ESC) and len(data) > 1:
            self.whole += 1
        return False


__all__ = ["ESC", "TRUST_AFTER", "WholeSequences"]
