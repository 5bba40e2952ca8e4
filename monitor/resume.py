"""History that survives a restart (issue 17): a live run recording to a file whose last frame
is recent starts from that frame instead of from nothing.

- The concurrency history (the sparkline's samples) goes into the store before the first
  poll, when the recording ended less than `RESUME_WITHIN_S` ago.
- The campaigns' outcome counts (and so their connect rates): without this, each campaign's
  counts are unknown ("history filling") until the API's per-outcome totals are read, which
  at `huge` takes minutes. A count is kept as baseline + every ending seen after the
  baseline's instant (`monitor.state.tally`), so the recorded counts become the baselines at
  the recorded instant, and the endings the first reads bring (those after that instant)
  count on top. Only after a short stop (`COUNTS_WITHIN_S`): the endings page reaches a few
  minutes back at most, and the endings of a longer gap would be missed. The next
  reconciliation reads the API's totals as for any baseline, and a count that drifted shows
  as a correction.

Never an error: no file, an unusable one or an old one is a fresh start.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.feeds.recording import Frame, RecordingError, RecordingReader
from monitor.state.tally import COUNTED_VALUES

RESUME_WITHIN_S = 900.0
"""A recording whose last frame is this recent gives the new run its concurrency history."""
COUNTS_WITHIN_S = 120.0
"""...and, this recent, its campaigns' counts (a quick restart: the endings of the gap are
still on the endings page the first read brings)."""


def last_frame(path: Path) -> Frame | None:
    """The recording's last instant, every part; None when there is no usable recording."""
    if not path.exists():
        return None
    try:
        reader = RecordingReader(path)
        try:
            span = reader.span()
            return reader.at(span[1]) if span is not None else None
        finally:
            reader.close()
    except RecordingError:
        return None  # said when the recorder opens it


def resume_history(path: Path, feed: Any, *, now: float | None = None) -> int:
    """The recording's last concurrency history and (after a short stop) its campaigns'
    counts into the live store before its first poll. Returns the concurrency samples taken;
    0 when there is no usable recent recording."""
    engine = getattr(feed, "engine", None)
    store = getattr(engine, "store", None)
    if store is None:
        return 0
    frame = last_frame(path)
    current = now
    if current is None:
        # The recording's instants are on the API's clock; so is the engine's `api_now`
        # (the machine's clock until the API's first `Date`).
        api_now = getattr(engine, "api_now", None)
        current = api_now().timestamp() if callable(api_now) else time.time()
    if frame is None or current - frame.at > RESUME_WITHIN_S:
        return 0
    if current - frame.at <= COUNTS_WITHIN_S:
        resume_counts(frame, store)
    try:
        history = [int(n) for n in json.loads(frame.parts["data.concurrency"])["history"]]
        step = float(json.loads(frame.parts.get("active_poll_s", "5.0")))
    except (KeyError, ValueError, TypeError):
        return 0
    end = datetime.fromtimestamp(frame.at, UTC)
    old = list(store.concurrency)
    store.concurrency.clear()
    for i, n in enumerate(history):
        store.concurrency.append((end - timedelta(seconds=step * (len(history) - 1 - i)), n))
    store.concurrency.extend(old)
    if history:
        store.peak = max(store.peak, *history)
    return len(history)


def resume_counts(frame: Frame, store: Any) -> list[str]:
    """Each recorded campaign whose outcome counts were all known: those counts as its
    baselines at the recorded instant. Returns the campaigns resumed."""
    try:
        rows = json.loads(frame.parts["data.campaigns"])
    except (KeyError, ValueError):
        return []
    at = datetime.fromtimestamp(frame.at, UTC)
    resumed = []
    for row in rows if isinstance(rows, list) else ():
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            continue
        counts = row.get("counts") or {}
        known = {s: counts.get(s) for s in COUNTED_VALUES}
        if row.get("history_filling") or not all(
            isinstance(n, int) and n >= 0 for n in known.values()
        ):
            continue  # a partial history stays unknown: the API's totals fill it
        tally = store.tally.campaign(row["id"])
        if not tally.filling:
            continue
        # Endings after the recorded instant are this run's "since start" too.
        tally.started_at = min(tally.started_at, at)
        for status, total in known.items():
            tally.set_baseline(status, total, at)
        resumed.append(row["id"])
    if resumed:
        store.touch()
    return resumed


__all__ = ["COUNTS_WITHIN_S", "RESUME_WITHIN_S", "last_frame", "resume_counts", "resume_history"]
