"""Each campaign's analysed, qualified and pending completed calls, followed as calls change.

The qualified rate is read from the completed calls the store holds. It was a scan of every call
kept each time a campaign's listing page came in (issue 21: on the 200-campaign truth run, 260
scans of thousands of calls); this index takes each call's part once and moves it only when the
store says the call changed (`Store.changed_calls`), so a campaign's figures cost what changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from monitor.api.vocab import CallStatus
from monitor.state.derive import is_qualified
from monitor.state.store import Store

_MEMO = "qualified"

Part = tuple[str, int, int, int]
"""A call's part: (campaign id, analysed, qualified, pending analysis)."""


class QualifiedIndex:
    """Per campaign, the completed calls analysed, qualified (by `key`) and pending."""

    def __init__(self, store: Store, key: str) -> None:
        self.key = key
        self._parts: dict[str, Part] = {}
        self.analysed: Counter[str] = Counter()
        self.qualified: Counter[str] = Counter()
        self.pending: Counter[str] = Counter()
        self.follow(store, store.calls)

    def follow(self, store: Store, call_ids: Iterable[str]) -> None:
        """Take these calls' parts again (added, changed or gone)."""
        for call_id in call_ids:
            old = self._parts.pop(call_id, None)
            if old is not None:
                self._add(old, -1)
            tracked = store.calls.get(call_id)
            if tracked is None:
                continue
            call = tracked.call
            if call.campaign_id is None or call.status is not CallStatus.COMPLETED:
                continue
            if call.analysis is None:
                part: Part = (call.campaign_id, 0, 0, 1)
            else:
                part = (call.campaign_id, 1, int(is_qualified(call.analysis, self.key)), 0)
            self._parts[call_id] = part
            self._add(part, 1)

    def _add(self, part: Part, sign: int) -> None:
        campaign_id, analysed, qualified, pending = part
        self.analysed[campaign_id] += sign * analysed
        self.qualified[campaign_id] += sign * qualified
        self.pending[campaign_id] += sign * pending


def qualified_index(store: Store, key: str) -> QualifiedIndex:
    """The store's index, brought up to date with the calls changed since it was last asked."""
    cached = store.memo.get(_MEMO)
    index = cached[1] if cached is not None else None
    if cached is None or not isinstance(index, QualifiedIndex) or index.key != key:
        store.changed_calls(_MEMO)  # followed from now on
        index = QualifiedIndex(store, key)
    elif cached[0] != store.calls_version:
        changed = store.changed_calls(_MEMO)
        if changed is None:  # more changes than calls kept: take them all again
            index = QualifiedIndex(store, key)
        else:
            index.follow(store, changed)
    store.memo[_MEMO] = (store.calls_version, index)
    return index


__all__ = ["QualifiedIndex", "qualified_index"]
