"""Messages the app posts to itself.

Widget-level messages live with their poster (e.g. `LiveTable`); these are app-wide events.
"""

from __future__ import annotations

from textual.message import Message


class StoreChanged(Message, bubble=False):
    """The store published a new batch of changes (posted from its subscribe callback).

    It replaces any pending `StoreChanged`: the UI always renders the newest state, so a slow
    frame never drains a backlog of stale updates (STYLE 4).
    """

    def __init__(self, version: int) -> None:
        super().__init__()
        self.version = version
        """The store's version after the batch."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StoreChanged)
