"""The relay's fixed share of the budget for what viewers look at: its size does not depend on how
many viewers there are (issue 18: the API's load must not grow with the desk).

The relay keeps `limit` calls under watch at all times (and one campaign focused), whoever
looks. A viewer's selection takes a slot; the slots no viewer takes are the relay's own picks,
the newest calls in flight: they last longest, so a pick rarely moves (a pick that moves reads a
new call's history from scratch; the oldest calls, at the top of the pane, end first), and a
viewer who selects one finds its detail already fresh. A slot counts only while its call still
costs requests: a viewer's call whose record and history are final is free, so its slot goes
back to a pick. One viewer or fifty, the engine polls the same number of live calls, each at the
pace a selected call gets in the direct monitor (its promise unchanged): the relay's requests
per minute are a constant of the budget, not of the desk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

FOCUS_SLOTS = 1
"""The engine focuses one campaign (the most recent viewer's); with none, one of the relay's."""


def fill(
    wanted: Sequence[str],
    candidates: Iterable[str],
    kept: Sequence[str],
    *,
    slots: int,
    costs: Callable[[str], bool] = lambda _id: True,
) -> list[str]:
    """The relay's own picks: as many as the slots viewers' `wanted` ids leave free.

    `costs(id)` says whether a wanted id still spends requests (only those take a slot);
    `kept` are the previous picks, kept while they are still candidates (a pick that moved
    would read a new call's history from scratch: dearer than keeping it); then new
    candidates in their order (the relay gives the newest calls first).
    """
    taken = set(wanted)
    free = slots - sum(1 for x in wanted if costs(x))
    if free <= 0:
        return []
    pool = [c for c in dict.fromkeys(candidates) if c not in taken]
    members = set(pool)
    picks = [k for k in kept if k in members][:free]
    picks += [c for c in pool if c not in picks][: free - len(picks)]
    return picks


__all__ = ["FOCUS_SLOTS", "fill"]
