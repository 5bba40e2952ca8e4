"""`MonitorSnapshot` is a value: JSON in and out exactly, versioned, built purely."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from pydantic import ValidationError

from monitor.clock import FakeClock
from monitor.state.snapshot import (
    SCHEMA_VERSION,
    MonitorSnapshot,
    build_focus,
    build_selection,
    build_snapshot,
)
from monitor.state.tally import Correction
from tests.ui.fixtures import T0, build_store


def _snapshot(*, selected: str | None, routes: str = "") -> MonitorSnapshot:
    clock = FakeClock(T0)
    store = build_store(clock)
    now, mono = clock.now(), clock.monotonic()
    return build_snapshot(
        store,
        now=now,
        mono=mono,
        cap=25,
        selection=build_selection(store, selected, now),
        focus=build_focus(store, "cmp_spring01"),
        next_poll_s=2.5,
        routes=routes,
    )


def test_a_snapshot_round_trips_through_json_exactly() -> None:
    snap = _snapshot(selected="call_a1b2c3d4e5f6", routes="calls via batch-calls")
    assert snap.schema_version == SCHEMA_VERSION
    # Everything a screen shows is in it: the selected call's timeline, the focused calls,
    # the rows, the wave, ages, budget, the API's now.
    assert snap.selection is not None and snap.selection.detail.timeline is not None
    assert snap.focus is not None and snap.focus.calls
    assert snap.data.active and snap.data.campaigns and snap.data.concurrency.wave
    assert snap.data.outcomes["call_end0001"].value == "no_answer"  # ended a minute ago
    assert snap.health.used_last_minute == 34
    text = snap.model_dump_json()
    back = MonitorSnapshot.model_validate_json(text)
    assert back == snap
    assert back.model_dump_json() == text
    assert back.now == snap.now and back.now.tzinfo is not None


def test_unknown_and_none_values_round_trip_too() -> None:
    snap = _snapshot(selected=None)
    # Not known is None, never zero; a correction and an unknown call keep their shape.
    row = replace(
        snap.data.campaigns[0],
        total=None,
        counts={**snap.data.campaigns[0].counts, "busy": None},
        connect_rate=None,
        correction=Correction(at=T0 - timedelta(minutes=3), status="busy", by=-2),
        since_start={"busy": 1},
    )
    data = snap.data.model_copy(update={"campaigns": (row, *snap.data.campaigns[1:])})
    odd = snap.model_copy(
        update={
            "data": data,
            "next_poll_s": None,
            "last_data": None,
            "internal_error": "poller crashed: KeyError",
            "selection": build_selection(build_store(FakeClock(T0)), "call_missing", T0),
        }
    )
    assert odd.selection is not None and odd.selection.detail.call is None
    back = MonitorSnapshot.model_validate_json(odd.model_dump_json())
    assert back == odd
    assert back.data.campaigns[0].counts["busy"] is None


def test_the_parts_that_did_not_change_are_reused() -> None:
    clock = FakeClock(T0)
    store = build_store(clock)
    first = build_snapshot(store, now=clock.now(), mono=clock.monotonic(), cap=25)
    clock.advance(1)
    second = build_snapshot(store, now=clock.now(), mono=clock.monotonic(), cap=25, data=first.data)
    assert second.data is first.data
    assert second.mono == first.mono + 1


def test_a_snapshot_from_a_newer_monitor_is_refused_not_half_read() -> None:
    text = _snapshot(selected=None).model_dump_json()
    newer = text.replace(
        f'"schema_version":{SCHEMA_VERSION}', f'"schema_version":{SCHEMA_VERSION + 1}'
    )
    assert newer != text
    with pytest.raises(ValidationError, match="newer than this monitor"):
        MonitorSnapshot.model_validate_json(newer)
