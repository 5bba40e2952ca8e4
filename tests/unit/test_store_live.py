"""The calls in flight and queued, kept between changes of the calls (issue 21: a snapshot
asked three times, each a scan of every call): every write that moves a call is seen."""

from __future__ import annotations

from monitor.api.models import Call
from monitor.state.store import Store


def _call(cid: str, status: str) -> Call:
    return Call.model_validate({"id": cid, "status": status})


def ids(tracked: list[object]) -> list[str]:
    return [t.call.id for t in tracked]  # type: ignore[attr-defined]


def test_in_flight_and_queued_follow_every_write() -> None:
    s = Store()
    s.upsert_call(_call("a", "in_progress"), now=0.0)
    s.upsert_call(_call("b", "queued"), now=0.0)
    assert (ids(s.in_flight()), ids(s.queued())) == (["a"], ["b"])
    s.upsert_call(_call("b", "ringing"), now=1.0)  # dialling now
    assert (ids(s.in_flight()), ids(s.queued())) == (["a", "b"], [])
    s.mark_ended("a", now=2.0)  # left the active list, outcome not known yet
    assert ids(s.in_flight()) == ["b"]
    s.upsert_call(_call("a", "in_progress"), now=3.0, live_listing=True)  # listed live again
    assert ids(s.in_flight()) == ["a", "b"]
    s.upsert_call(_call("b", "completed"), now=4.0)
    assert ids(s.in_flight()) == ["a"]


def test_an_unchanged_read_keeps_the_same_answer_and_a_caller_cannot_spoil_it() -> None:
    s = Store()
    s.upsert_call(_call("a", "in_progress"), now=0.0)
    first = s.in_flight()
    first.clear()  # a caller's own list
    s.upsert_call(_call("a", "in_progress"), now=1.0)  # same call, nothing changed
    assert ids(s.in_flight()) == ["a"]
