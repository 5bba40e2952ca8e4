"""Drawing a widget's lines without Textual's styles cache, when its styles leave them as they are.

Textual's `Widget.render_lines` goes through `StylesCache.render_widget` for every update: the
background from every ancestor, the gutter, the border, a new `Strip` for each line and the
line filters applied to it again. For a widget with no border, padding, outline, hatch, tint or
opacity (the dashboard's tables and its one-line texts) that leaves the content's lines as they
are, and it is most of what a repaint costs: ~80 µs of a ~110 µs table line, and ~200 µs of a
~270 µs one-line text at 80x24 (issue 21). `render_plain` gives the same strips from the
widget's own `render_line`: a content strip the widget kept (a countdown's text drawn before)
keeps its filtered copy too (`Strip.apply_filter` caches it on the strip), so a text shown again
costs no new object at all.

It reads Textual's `Widget._styles_cache`, `_border_title`, `_border_subtitle` and
`RenderStyles._cache_key` (Textual 8.2; pinned with the driver's major version in pyproject).
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from textual.color import Color
from textual.geometry import NULL_SPACING as NO_SPACING
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style as TextualStyle
from textual.widget import Widget

_Colors = tuple[Color, Color]

_styled: WeakKeyDictionary[Widget, tuple[tuple[int, ...], bool, _Colors]] = WeakKeyDictionary()
"""Per widget: its and its ancestors' styles versions, and what they gave (plain, colors)."""

reads = 0
"""How many times the styles were read (not taken from `_styled`): a count for tests."""


def _css_plain(widget: Widget) -> bool:
    styles = widget.styles
    if styles.gutter != NO_SPACING or styles.tint.a or styles.text_opacity != 1.0:
        return False
    if styles.has_rule("hatch") and styles.hatch != "none":
        return False
    return not any(edge for edge, _ in styles.outline) and widget.opacity == 1.0


def styled(widget: Widget) -> tuple[bool, _Colors]:
    """Whether the widget's CSS leaves its lines as they are, and its background colors
    (`DOMNode.background_colors`), read again only when its or an ancestor's styles changed:
    the two cost ~20 µs a render, about a third of a one-line text's (issue 21). The styles'
    version is Textual's own (`RenderStyles._cache_key`, what its `visual_style` is kept by)."""
    global reads
    key = tuple(node.styles._cache_key for node in widget.ancestors_with_self)
    hit = _styled.get(widget)
    if hit is not None and hit[0] == key:
        return hit[1], hit[2]
    reads += 1
    plain, colors = _css_plain(widget), widget.background_colors
    _styled[widget] = (key, plain, colors)
    return plain, colors


def plain_styles(widget: Widget) -> bool:
    """The styles cache would leave the widget's content lines as they are."""
    if widget.BLANK or (widget.auto_links and widget.hover_style._link_id):
        return False
    if widget._border_title is not None or widget._border_subtitle is not None:
        return False
    return styled(widget)[0]


def render_plain(widget: Widget, crop: Region) -> list[Strip] | None:
    """The lines in `crop` as `Widget.render_lines` gives them, or None when the widget's
    styles change its lines (then the caller takes Textual's way)."""
    if not plain_styles(widget):
        return None
    base_background, background = styled(widget)[1]
    # What the styles cache holds is stale from here on: a later pass through it (the
    # styles changed) renders every line again.
    widget._styles_cache.clear()
    width = widget.size.width
    strips = [widget.render_line(y) for y in crop.line_range]
    filters = widget.get_line_filters()
    short = any(strip.cell_length != width for strip in strips)
    if short:
        inner = TextualStyle(background=base_background + background).rich_style
        strips = [strip.adjust_cell_length(width, inner) for strip in strips]
    for line_filter in filters:
        strips = [strip.apply_filter(line_filter, background) for strip in strips]
    if crop.column_span != (0, width):
        x1, x2 = crop.column_span
        strips = [strip.crop(x1, x2) for strip in strips]
    return strips
