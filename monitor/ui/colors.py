"""How many colours the monitor writes: `colors = "auto" | "256" | "truecolor"` (issue 21).

A 24-bit colour costs 19-24 bytes of SGR (`ESC[38;2;224;224;224m`), a 256-colour one 11
(`ESC[38;5;253m`); style is half of the monitor's bytes at 80x24, so `256` writes about a fifth
fewer bytes a second, with each of the theme's colours drawn as the nearest of the 256 (Rich's
mapping). `auto` is Textual's own choice from the terminal: 24-bit where `COLORTERM` says
`truecolor`, 256 where `TERM` ends in `256color`. Over SSH `COLORTERM` is not forwarded unless
both ends are configured to (OpenSSH's SendEnv/AcceptEnv default to the locale only), so a
jump host's session already gets 256; `256` gives a local truecolor terminal the same lean
output on a thin link.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

COLOR_CHOICES: tuple[str, ...] = ("auto", "256", "truecolor")
"""The values of `colors` (the setting's type says the same: a test holds them together)."""


@contextlib.contextmanager
def color_system(colors: str) -> Iterator[None]:
    """Textual apps made inside write `colors` (`auto`: Textual's own detection, which also
    honours TEXTUAL_COLOR_SYSTEM). Textual reads its colour system once, when an App makes its
    console (`textual.constants.COLOR_SYSTEM`, from the environment at import), so the App is
    built inside this block."""
    from textual import constants

    saved = constants.COLOR_SYSTEM
    if colors != "auto":
        constants.COLOR_SYSTEM = colors  # type: ignore[misc]  # Final in Textual: read at App()
    try:
        yield
    finally:
        constants.COLOR_SYSTEM = saved  # type: ignore[misc]


__all__ = ["COLOR_CHOICES", "color_system"]
