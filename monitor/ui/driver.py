"""Textual's Linux driver with an Esc that answers after ESCDELAY, not after 100 ms.

Textual's parser waits `constants.ESCAPE_DELAY` (ESCDELAY, 25 ms here: `monitor.cli`) after a
lone Esc before it decides it is not the start of an escape sequence, but its Linux driver only
asks the parser between `select(0.1)` calls, so a lone Esc is answered after about 100 ms
whatever ESCDELAY says (measured: Esc p50 117 ms with ESCDELAY=25, issue 21). This driver's
input loop is Textual 8.2's own, except that while the parser waits for a timeout it wakes up
when that timeout is due; idle, it sleeps 100 ms between looks as before (no extra wake-ups).

It reads one private attribute of Textual's parser (`_timeout_time`), so it is pinned with
Textual's major version in pyproject; without that attribute it behaves exactly like Textual's.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder

from textual import constants
from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver

IDLE_WAIT_S = 0.1
"""Textual's own wait between looks at the terminal when nothing is pending."""


def input_wait(parser: object) -> float:
    """How long the input loop may sleep: until a pending Esc timeout is due, else idle."""
    if getattr(parser, "_timeout_time", None) is None:
        return IDLE_WAIT_S
    return min(IDLE_WAIT_S, constants.ESCAPE_DELAY)


class QuickEscapeDriver(LinuxDriver):
    """`LinuxDriver` whose input loop wakes for the parser's Esc timeout."""

    def run_input_thread(self) -> None:
        """Wait for input and dispatch events (Textual 8.2's loop; see the module's note)."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def process(events: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for last, (_key, mask) in loop_last(events):
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(fileno, 1024 * 4), final=final and last)
                    if not data:
                        break  # stdin piped and closed
                    for event in parser.feed(data):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(input_wait(parser)))
            selector.unregister(self.fileno)
            process(selector.select(IDLE_WAIT_S), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass


class QuickEscapeApp(App[int]):
    """An app that runs on `QuickEscapeDriver` where Textual would pick its Linux driver."""

    def get_driver_class(self) -> type[Driver]:
        chosen = super().get_driver_class()
        return QuickEscapeDriver if chosen is LinuxDriver else chosen
