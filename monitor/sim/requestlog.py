"""What the simulator was asked, for tests, benchmarks and the scorecard's request discipline.

Bounded: a 24-hour soak at a normal cadence makes about 60,000 requests, well under the cap, and
a runaway client cannot grow it without limit.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_ENTRIES = 200_000


@dataclass
class LoggedRequest:
    """One request: when (clock monotonic s and world time), what, and how it was answered."""

    at: float
    world_t: float
    method: str
    path: str
    query: str
    status: int | None = None
    """None while a delayed answer is still pending (or was abandoned by the client)."""
    faults: tuple[str, ...] = field(default_factory=tuple)


class RequestLog:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=max_entries)
        self.total = 0

    def add(self, entry: LoggedRequest) -> LoggedRequest:
        self._entries.append(entry)
        self.total += 1
        return entry

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def entries(self) -> list[LoggedRequest]:
        return list(self._entries)

    def last(self) -> LoggedRequest | None:
        return self._entries[-1] if self._entries else None

    def matching(
        self, path_prefix: str = "", status: int | None = None, method: str | None = None
    ) -> list[LoggedRequest]:
        return [
            e
            for e in self._entries
            if e.path.startswith(path_prefix)
            and (status is None or e.status == status)
            and (method is None or e.method == method)
        ]

    def status_counts(self) -> Counter[int | None]:
        return Counter(e.status for e in self._entries)

    def clear(self) -> None:
        self._entries.clear()
