"""`RepeatStatic`: a one-line `Static` that renders each of its recent texts once.

The status line's countdowns ("next poll 3s", a pane's age) show a handful of texts in turn,
and Textual lays a `Static`'s content out again at every update (`Visual.to_strips`: wrapping,
alignment, styles; ~100-200 µs of a ~300 µs update at 80x24, issue 21). This one keeps the
strips of its last few texts, by what they depend on (the text and its spans, the size, the
widget's style), and draws a text it has drawn before from them: the same strips Textual would
make, without making them again.

Its lines then skip Textual's styles cache when its styles allow (`plain_lines`): a text drawn
before is put on screen as the very strips drawn last time, filtered once.

It overrides `Widget._render_content` (Textual 8.2; pinned with the driver's major version).
"""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import _RenderCache
from textual.widgets import Static

from monitor.ui.direct import DirectRefresh
from monitor.ui.widgets.plain_lines import render_plain


class RepeatStatic(DirectRefresh, Static):
    """A `Static` whose recent texts are rendered once each."""

    KEPT: ClassVar[int] = 32
    """Texts kept (a countdown's few, an age's few); beyond that the cache starts afresh."""

    def __init__(self, content: str = "", *, id: str | None = None) -> None:
        super().__init__(content, id=id, markup=False)
        self._strips: dict[tuple[object, ...], list[Strip]] = {}
        self.layouts = 0
        """Texts laid out (not drawn from the cache): a count for tests."""

    def _render_content(self) -> None:
        visual = self._render()
        if self.text_selection is not None or not isinstance(visual, Content):
            super()._render_content()
            return
        size = self.size
        style = self.visual_style
        # `Content` compares by its text only: the spans (colour) are part of the key.
        key = (visual.plain, tuple(visual.spans), size, style)
        strips = self._strips.get(key)
        if strips is None:
            if len(self._strips) >= self.KEPT:
                self._strips.clear()
            self.layouts += 1
            strips = Visual.to_strips(self, visual, size.width, size.height, style)
            self._strips[key] = strips
        self._render_cache = _RenderCache(size, strips)
        self._dirty_regions.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        strips = render_plain(self, crop)
        return super().render_lines(crop) if strips is None else strips

    def notify_style_update(self) -> None:
        # A theme or class change: strips made with the old styles are not reused.
        super().notify_style_update()
        self._strips.clear()
