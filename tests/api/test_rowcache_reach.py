"""Rows read again within the pollers' reach are not read in full again (issue 21).

On `busy` the endings page (200 rows, read every ~7.5 s) shows each ended call about three
times, while the in-flight page brings new and changed rows every few seconds. The cache must
still hold a row when its list is read next: an ended call's row keeps no shape for a duration
patch (its duration no longer moves), and a generation holds more than two endings reads.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from monitor.api.models import LIVE_DURATION, Call
from monitor.api.rowcache import RowCache


def _row(n: int, status: str, duration: int) -> dict[str, Any]:
    return {
        "id": f"call_{n:05d}",
        "batch_id": f"cmp_{n % 7}",
        "to_phone_number": f"+1212555{n:04d}",
        "status": status,
        "createdAt": "2026-12-04T03:00:00Z",
        "duration": duration,
        "metadata": {"lead_id": f"lead_{n}"},
        "retry": {"max_retries": 1, "wait_minutes": 2},
    }


def _busy_minutes(minutes: int) -> tuple[Counter[str], int]:
    """Reads of a busy workspace through one cache: which rows were read in full, how often;
    and how many rows went through it."""
    full: Counter[str] = Counter()

    def read(row: Any) -> Call:
        full[f"{row['id']} {row['status']}"] += 1
        return Call.model_validate(row)

    cache = RowCache(read, volatile=LIVE_DURATION)
    rows = 0
    ended: list[dict[str, Any]] = []
    next_call = 0
    for second in range(minutes * 60):
        # Ten calls end a second (their final row, duration fixed from then on)...
        for _ in range(10):
            ended.insert(0, _row(next_call, "completed", 30 + next_call % 50))
            next_call += 1
        del ended[400:]
        if second % 3 == 0:
            # ...while a hundred are in flight, their durations ticking (read every 3 s).
            live = [_row(100_000 + next_call + i, "in_progress", second % 90) for i in range(100)]
            for row in live:
                cache(row)
            rows += len(live)
        if second % 7 == 0:
            for row in ended[:200]:
                cache(row)
            rows += 200
    return full, rows


def test_an_ended_row_is_read_in_full_once_however_often_its_page_shows_it() -> None:
    full, rows = _busy_minutes(3)
    finals = {k: n for k, n in full.items() if k.endswith("completed")}
    assert rows > 10_000
    assert len(finals) > 1_000  # every ending shown, most of them on two or three reads
    assert max(finals.values()) == 1


def test_an_ended_calls_row_takes_one_place_not_two() -> None:
    reads: list[str] = []

    def read(row: Any) -> Call:
        reads.append(row["id"])
        return Call.model_validate(row)

    cache = RowCache(read, generation=100, volatile=LIVE_DURATION)
    # 80 ended rows fit in a generation of 100 only if each takes one place.
    page = [_row(n, "completed", 40) for n in range(80)]
    for row in page:
        cache(row)
    for row in page:
        cache(row)
    assert len(reads) == 80
    # A call in flight keeps the shape its next read (duration moved) is patched from.
    first = cache(_row(9_000, "in_progress", 5))
    later = cache(_row(9_000, "in_progress", 6))
    assert reads[80:] == ["call_09000"]
    assert (first.duration_s, later.duration_s) == (5, 6)
