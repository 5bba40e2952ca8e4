"""What the UI needs from its source of data: a `Feed` (snapshots in, intents out).

The UI never sees the engine, the store or the client: `monitor.main` wraps the engine in a
`LiveFeed` (or, later, a recording or a relay in another feed) and hands it to the app.
"""

from __future__ import annotations

from monitor.feeds.base import Feed

__all__ = ["Feed"]
