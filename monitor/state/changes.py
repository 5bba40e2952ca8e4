"""What the store tells: its versions, its listeners (once per batch), and which calls changed.

The store's writes mark it changed; listeners hear once when the outermost `batch` ends, with
the new `version`. `calls_version` moves only with a call or a campaign record, so derivations
from the calls alone (`memo`) are kept while it stands; `changed_calls` names the calls a
derivation that follows them has not seen yet (issue 21: no scan of every call per snapshot).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator


class ChangeLog:
    """Versions, listeners and per-watcher changed calls; the base of `Store`."""

    def __init__(self) -> None:
        self.version = 0
        self.calls_version = 0
        """Moves when a call or a campaign record changes, not when only a freshness, the
        health or a count does: what is derived from the calls alone is kept until it moves
        (`memo`), as most store changes (a poll's freshness every second) touch no call."""
        self.memo: dict[str, tuple[int, object]] = {}
        """Derivations from the calls, each with the `calls_version` it was made at."""
        self.calls_epoch = 0
        """Moves when derivations that follow the calls (`changed_calls`) must start over: a
        campaign record (its retry policy) changed, a series' pruned count was forgotten."""
        self._watches: dict[str, dict[str, None] | None] = {}
        self._listeners: list[Callable[[int], None]] = []
        self._depth = 0
        self._dirty = False

    def watch_limit(self) -> int:
        """Changed calls a watcher may have waiting before it is told to scan them all."""
        raise NotImplementedError

    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Group writes: listeners hear once at the end, and only if something changed."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._dirty:
                self._dirty = False
                self.version += 1
                for listener in list(self._listeners):
                    listener(self.version)

    def touch(self) -> None:
        """Something read outside the store's own records changed (the tally's counts)."""
        self._changed()

    def changed_calls(self, watcher: str) -> dict[str, None] | None:
        """The ids of the calls added, changed or removed since `watcher` last asked (in the
        order of their first change), for a derivation that follows them rather than scan
        every call (issue 21); None: start from a full scan (its first asking, or more
        changes than calls kept came since: a watcher that stopped asking holds no more)."""
        changed = self._watches.get(watcher)
        self._watches[watcher] = {}
        return changed

    def _calls_changed(self, *call_ids: str) -> None:
        for name, watch in self._watches.items():
            if watch is not None:
                for call_id in call_ids:
                    watch[call_id] = None
                if len(watch) > self.watch_limit():
                    self._watches[name] = None
        self.calls_version += 1
        self._changed()

    def _calls_restart(self) -> None:
        self.calls_epoch += 1
        self.calls_version += 1

    def _changed(self) -> None:
        self._dirty = True
        if self._depth == 0:
            with self.batch():
                pass
