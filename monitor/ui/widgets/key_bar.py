"""`KeyBar`: the keys that work here, on the bottom line, redrawn only when they change.

Textual's `Footer` shows the same thing but rebuilds itself (a widget per key) whenever the
screen's bindings are published again: on every screen switch and focus change. Each rebuild
mounts about ten widgets and repaints the line, once or twice per Enter or Esc (about 1 KB per
repaint at 80 columns, sent before the new screen itself). Here the line is one widget whose
text is recomputed on the same signal and repainted only if it differs. It looks the same:
compact keys, disabled ones dimmed, the command palette's key on the right; a click on a key
presses it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

Item = tuple[str, str, str, bool]
"""(key, key as shown, description, enabled)."""

DROP_FIRST: tuple[str, ...] = (
    "app.export_csv",
    "export_csv",
    "app.refresh_now",
    "refresh_now",
    "app.toggle_pause",
    "toggle_pause",
    "command_palette",
    "app.command_palette",
    "cycle_sort",
    "select_cursor",
    "app.quit",
    "quit",
)
"""When the keys do not fit, these go first (in this order); `?` help, which lists them all,
stays, and so do the ways to move (tab, j/k, esc) that a newcomer needs first."""


class KeyBar(Widget, can_focus=False):
    """One line of keys for the screen it is on."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--separator",
    }
    """
    | Class | Description |
    | :- | :- |
    | `key-bar--key` | A key. |
    | `key-bar--description` | What it does. |
    | `key-bar--separator` | The bar before the command palette's key. |
    """

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--separator {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._items: tuple[Item, ...] = ()
        self._actions: tuple[str, ...] = ()
        self._palette: Item | None = None
        self._spans: list[tuple[int, int, str]] = []
        """(start, end, key): where each key is on the line, for clicks."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if screen is not self.screen:
            return
        app = self.app
        items: list[Item] = []
        palette: Item | None = None
        seen: set[str] = set()
        actions: list[str] = []
        describe = getattr(screen, "key_description", None)
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if binding.key == app.COMMAND_PALETTE_BINDING and app.ENABLE_COMMAND_PALETTE:
                palette = (binding.key, app.get_key_display(binding), binding.description, enabled)
                continue
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            description = binding.description
            if callable(describe):
                description = describe(binding.action, description)
            items.append((binding.key, app.get_key_display(binding), description, enabled))
            actions.append(binding.action)
        if tuple(items) != self._items or palette != self._palette:
            self._items = tuple(items)
            self._actions = tuple(actions)
            self._palette = palette
            self.refresh()

    def fitted(self, width: int) -> tuple[list[Item], Item | None]:
        """The keys that fit in `width` cells: the least needed go first (`DROP_FIRST`), the
        command palette's key before the last of them, rather than a key cut in half."""
        items = list(zip(self._actions, self._items, strict=True))
        palette = self._palette

        def needed() -> int:
            total = sum(cell_len(i[1]) + cell_len(i[2]) + 2 for _a, i in items)
            if palette is not None:
                total += cell_len(palette[1]) + cell_len(palette[2]) + 3
            return total

        for action in DROP_FIRST:
            if needed() <= width:
                break
            if action.endswith("command_palette"):
                palette = None
                continue
            items = [(a, i) for a, i in items if a != action]
        return [i for _a, i in items], palette

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        dim = Style(dim=True)
        text = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, str]] = []
        items, palette = self.fitted(width)
        for key, shown, description, enabled in items:
            start = text.cell_len
            off = Style() if enabled else dim
            text.append(shown, key_style + off)
            text.append(f" {description}", description_style + off)
            spans.append((start, text.cell_len, key))
            text.append(" ")
        if palette is not None:
            key, shown, description, _enabled = palette
            right = f"▏{shown} {description} "  # one cell of room at the end, as Footer has
            pad = width - text.cell_len - cell_len(right)
            if pad >= 0:
                text.append(" " * pad)
                text.append("▏", self.get_component_rich_style("key-bar--separator"))
                start = text.cell_len
                text.append(shown, key_style)
                text.append(f" {description}", description_style)
                spans.append((start, text.cell_len, key))
        self._spans = spans
        return text

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                event.stop()
                self.app.simulate_key(key)
                return
