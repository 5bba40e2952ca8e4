"""The styles a `Compactor` (`monitor.ui.compact`) follows: the input's, the terminal's, and
the SGR that takes the terminal from one to the other.

The input sets its style with SGR sequences (Textual: a full style from the default, then a
reset, per segment); the terminal has the style last written to it. A style is kept as the
input spelled it (`Raw`: its SGR parameters since the last reset) and what they set (`Attrs`,
None when this module cannot read them); its `StyleKey` says when two spellings look the
same. The style is written only when a cell is about to be drawn, as the difference from the
terminal's (`monitor.ui.sgr.transition`). Both directions are cached: a screen uses a few
dozen looks, and each change between two of them is the same every frame. Pure: no I/O.
"""

from __future__ import annotations

from monitor.ui.cells import StyleKey
from monitor.ui.sgr import Attrs, Raw, read_sgr, style_key, transition

STYLE_CACHE = 4096
"""Style changes remembered (a screen uses a few dozen looks)."""


class StyleTrack:
    """The input's style, the terminal's, and how each look seen is written."""

    def __init__(self) -> None:
        self.looks: dict[StyleKey, tuple[Raw, Attrs | None]] = {}
        """How each look seen is written (its style as the input first spelled it)."""
        self._styles: dict[tuple[Raw, str], tuple[Raw, Attrs | None, StyleKey]] = {}
        """Style changes seen before: (style, SGR parameters) -> the style after."""
        self._transitions: dict[tuple[Raw | None, Raw], str] = {}
        """SGR written before to take the terminal from one style to another."""
        self.term_raw: Raw | None = None
        """The style the terminal has (as written); None when unknown."""
        self.term_attrs: Attrs | None = None
        self.term_key: StyleKey | None = None
        self.want_raw: Raw = ()
        """The style the input has set so far."""
        self.want_attrs: Attrs | None = {}
        self.want_key = style_key((), {})

    def set_style(self, params: str) -> None:
        """The input wrote `ESC[<params>m`."""
        cache_key = (self.want_raw, params)
        seen = self._styles.get(cache_key)
        if seen is None:
            raw, attrs = self.want_raw, self.want_attrs
            if params in ("", "0"):
                raw, attrs = (), {}
            else:
                if params.startswith("0;"):
                    raw, attrs = (), {}
                    params = params[2:]
                raw = (*raw, params)
                if attrs is not None:
                    attrs = read_sgr(attrs, params)
            seen = (raw, attrs, style_key(raw, attrs))
            if len(self._styles) < STYLE_CACHE:
                self._styles[cache_key] = seen
        self.want_raw, self.want_attrs, self.want_key = seen

    def want_look(self) -> StyleKey:
        """The input's style as a look (remembered, so a cell drawn later can be written)."""
        key = self.want_key
        if key not in self.looks:
            self.looks[key] = (self.want_raw, self.want_attrs)
        return key

    def write_want(self, out: list[str]) -> None:
        """The input's style, before text or an erase passed through."""
        self.switch(out, self.want_raw, self.want_attrs, self.want_key)

    def switch_look(self, out: list[str], key: StyleKey) -> None:
        """The terminal to a look seen before (a cell's)."""
        raw, attrs = self.looks[key]
        self.switch(out, raw, attrs, key)

    def switch(self, out: list[str], raw: Raw, attrs: Attrs | None, key: StyleKey) -> None:
        if self.term_key == key:
            return
        change = self.change(raw, attrs)
        if change:
            out.append(change)
        self.term_raw, self.term_key = raw, key
        self.term_attrs = None if attrs is None else dict(attrs)

    def change_to_look(self, key: StyleKey) -> str:
        """The SGR that takes the terminal's style to a look seen before."""
        raw, attrs = self.looks[key]
        return self.change(raw, attrs)

    def change(self, raw: Raw, attrs: Attrs | None) -> str:
        """The SGR that takes the terminal's style to `raw`."""
        pair = (self.term_raw, raw)
        change = self._transitions.get(pair)
        if change is None:  # each look follows from its parameters: the same pair, same change
            change = transition(self.term_raw, self.term_attrs, raw, attrs)
            if len(self._transitions) < STYLE_CACHE:
                self._transitions[pair] = change
        return change

    def forget_term(self) -> None:
        """The terminal's style is not known (a reset, a mode that saves it, ...)."""
        self.term_raw = self.term_attrs = self.term_key = None


__all__ = ["STYLE_CACHE", "StyleTrack"]
