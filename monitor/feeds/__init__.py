"""Feeds: sources of `MonitorSnapshot` values, and the sink of the viewer's intents.

`Feed` (in `base`) is all a consumer knows: the UI, `snapshot` and, later, a recorder or a
relay take any feed and cannot tell which one they have. `LiveFeed` (in `live`) wraps the
polling engine; a recording or a Redis stream would be other feeds.
"""

from __future__ import annotations

from monitor.feeds.base import Feed
from monitor.feeds.live import EngineSurface, LiveFeed

__all__ = ["EngineSurface", "Feed", "LiveFeed"]
