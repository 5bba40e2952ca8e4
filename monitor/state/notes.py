"""What the views say about data they could not read or cannot believe (issue 15).

Unknown is not zero: a figure never read is shown as `–`/null with the reason. Counts that
cannot be true (outcomes adding up past the calls placed, completed over placed) are flagged,
not shown as read. Reads that left rows out, or had values that could not be read, are said on
the status line and in `snapshot`, never only in a log.
"""

from __future__ import annotations

from collections.abc import Mapping

from monitor.state.store import Store

FINAL_OUTCOMES = ("completed", "no_answer", "busy", "failed", "voicemail")

READ_NOTE_WINDOW_S = 600.0
"""Reads that left something out are mentioned on the status line for this long."""


def read_words(store: Store, mono_now: float) -> str:
    """What recent reads left out or could not read, in a few words for the status line."""
    left_out = unread = 0
    for note, at in store.read_notes.values():
        if mono_now - at <= READ_NOTE_WINDOW_S:
            left_out += note.skipped
            unread += sum(note.unread.values())
    parts = []
    if left_out:
        parts.append(f"{left_out} row{'s' * (left_out != 1)} unreadable, left out")
    if unread:
        parts.append(f"{unread} value{'s' * (unread != 1)} unreadable, shown –")
    return ", ".join(parts)


def unread_reason(store: Store, resource: str, what: str) -> str | None:
    """None once `resource` has been read; else why not, in words (unknown is not zero)."""
    fresh = store.freshness.get(resource)
    if fresh is not None and fresh.fetched_at is not None:
        return None
    error = fresh.error if fresh is not None else None
    if error is not None:
        return f"no list of {what} read yet: {error.message}"
    if store.health.state != "ok" and store.health.message:
        return f"no list of {what} read yet: {store.health.message}"
    return f"no list of {what} read yet"


def count_flags(counts: Mapping[str, int | None], placed: int | None) -> tuple[str, ...]:
    """Why a campaign's counts cannot all be true, in words; () when nothing is wrong.

    `placed` is read again after the outcome counts when they add up past it
    (`fetch_campaign_counts`), so final outcomes still past it are impossible, not a race.
    Calls in flight are left out of the sum (they are counted now, from the active list).
    """
    flags = []
    known = {k: v for k, v in counts.items() if v is not None}
    if any(v < 0 for v in known.values()):
        flags.append("negative count")
    finals = [known[k] for k in FINAL_OUTCOMES if k in known]
    completed = known.get("completed")
    if placed is not None and completed is not None and completed > placed:
        flags.append(f"completed {completed} over {placed} calls placed")
    elif placed is not None and sum(finals) > placed:
        flags.append(f"outcomes add up to {sum(finals)}, over {placed} calls placed")
    missing = [k for k in FINAL_OUTCOMES if k in counts and counts[k] is None]
    if missing:
        flags.append(f"not known: {', '.join(missing)}")
    return tuple(flags)
