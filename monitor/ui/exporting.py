"""`ExportingApp`: ctrl+s saves the table on screen as CSV; the palette's Screenshot an SVG.

Files go to the exports folder (`config show` lists it); a failure is said in a
notification, never raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from textual.app import SystemCommand
from textual.screen import Screen

from monitor.ui.export import export_csv, save_screenshot
from monitor.ui.navigation import ScreenSwitchingApp


class ExportingApp(ScreenSwitchingApp):
    """The export actions of the app."""

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title == "Screenshot":
                yield SystemCommand(
                    "Screenshot",
                    "Save an SVG of the screen in the exports folder (config show lists it)",
                    # After the palette has closed, so it is not in the picture.
                    lambda: self.set_timer(0.1, self.action_screenshot_svg),
                )
            else:
                yield command

    def action_screenshot_svg(self) -> None:
        try:
            path = save_screenshot(self.export_screenshot(), when=datetime.now())
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            self.notify(
                f"Screenshot not saved: {exc.strerror or type(exc).__name__}{where}",
                title="Screenshot",
                severity="error",
                markup=False,
            )
            return
        self.notify(f"Saved to {path}", title="Screenshot", markup=False, timeout=8)

    def action_export_csv(self) -> None:
        screen = self.live_screen()
        table = screen.export_target() if screen is not None else None
        if table is None:
            self.notify("Nothing to export on this screen.", markup=False)
            return
        header, rows = table.export_rows()
        try:
            path = export_csv(table.VIEW_NAME, header, rows, when=datetime.now())
        except OSError as exc:
            self.notify(
                f"Export failed: {exc.strerror or type(exc).__name__}",
                severity="error",
                markup=False,
            )
            return
        self.notify(
            f"Exported {len(rows)} rows to {path}", title="CSV export", markup=False, timeout=8
        )
