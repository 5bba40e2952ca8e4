"""Messages the app posts to itself.

Widget-level messages live with their poster (e.g. `LiveTable`); these are app-wide events.
"""

from __future__ import annotations

from textual.message import Message


class FeedChanged(Message, bubble=False):
    """The feed has new data (posted from its subscribe callback).

    It replaces any pending `FeedChanged`: the UI always renders the newest state, so a slow
    frame never drains a backlog of stale updates (STYLE 4).
    """

    def __init__(self, version: int) -> None:
        super().__init__()
        self.version = version
        """The data's version (it grows with every batch of changes)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FeedChanged)
