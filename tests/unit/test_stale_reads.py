"""A read made before a call moved on never takes it back, however late it is taken in: the
queued sweep takes its pages in once all are read, and the budget can hold them tens of seconds
apart (29 ended calls went back to the queue for up to two minutes in `bench_webhooks`' huge
run with faults). A read sent after the move still wins (FAULTS P5: the move was the wrong
read), and a retry, a call of its own, is queued beside its ended attempt."""

from __future__ import annotations

import pytest

from monitor.api.models import Call
from monitor.api.vocab import CallStatus
from monitor.clock import FakeClock
from monitor.polling.budget import SENT_AT
from monitor.polling.intake import Intake, sent_since
from monitor.polling.serverclock import ServerClock
from monitor.state.store import STALE_READ_S, Store, stale_read
from monitor.state.views import concurrency_view


def read(cid: str, status: str) -> Call:
    return Call.model_validate({"id": cid, "status": status, "campaign_id": "cmp_a"})


Q, D, P, B = CallStatus.QUEUED, CallStatus.DIALING, CallStatus.IN_PROGRESS, CallStatus.BUSY


@pytest.mark.parametrize(
    ("read_status", "known", "sent", "now", "stale"),
    [
        (Q, B, 50.0, 130.0, True),  # sent before the ending, taken in 30 s after it
        (Q, B, None, 130.0, False),  # no send time: judged by arrival, as before
        (Q, B, None, 110.0, True),  # arrived within a request's deadline of the ending
        (Q, B, 101.0, 130.0, False),  # sent after the ending: it was the wrong read
        (Q, D, 50.0, 130.0, True),  # a dialling call is not put back in the queue either
        (P, D, 50.0, 130.0, False),  # ahead of the known status: always taken
        (B, P, 50.0, 130.0, False),  # an ending is never stale
        (CallStatus.UNKNOWN, B, 50.0, 130.0, False),  # a status not read is behind nothing
    ],
)
def test_a_read_is_stale_when_sent_before_the_move_or_arrived_just_after_it(
    read_status: CallStatus, known: CallStatus, sent: float | None, now: float, stale: bool
) -> None:
    assert stale_read(read_status, known, 100.0, now, sent) is stale


def setup() -> tuple[FakeClock, Store, Intake]:
    clock = FakeClock()
    store = Store()
    return clock, store, Intake(store, ServerClock(clock))


def queued_ids(store: Store, clock: FakeClock) -> tuple[int, list[str]]:
    """What the concurrency pane says is queued, and the queued calls' ids."""
    shown = concurrency_view(store, clock.now(), 100, clock.monotonic()).queued
    return shown, sorted(t.call.id for t in store.queued())


def test_an_ended_call_stays_ended_when_a_queue_page_read_before_it_is_taken_in_late() -> None:
    clock, store, intake = setup()
    intake.take(read("a", "queued"), clock.monotonic(), live_listing=True, source="queued list")
    sent = clock.monotonic()  # the queue's first page, held until the sweep's last is read
    clock.advance(10)
    intake.take(read("a", "busy"), clock.monotonic(), source="webhook")
    clock.advance(2 * STALE_READ_S)
    taken = intake.take(
        read("a", "queued"), clock.monotonic(), live_listing=True, source="queued list", sent=sent
    )
    assert not taken
    tracked = store.calls["a"]
    assert tracked.call.status is CallStatus.BUSY
    assert tracked.ended_seen is not None
    assert queued_ids(store, clock) == (0, [])


def test_without_its_send_time_the_same_late_page_took_the_call_back_to_the_queue() -> None:
    # The bug as it was: judged by when it was taken in, the page looks newer than the ending.
    clock, store, intake = setup()
    intake.take(read("a", "queued"), clock.monotonic(), live_listing=True, source="queued list")
    clock.advance(10)
    intake.take(read("a", "busy"), clock.monotonic(), source="webhook")
    clock.advance(2 * STALE_READ_S)
    intake.take(read("a", "queued"), clock.monotonic(), live_listing=True, source="queued list")
    assert queued_ids(store, clock) == (1, ["a"])


def test_a_listing_sent_after_a_wrong_ending_brings_the_call_back() -> None:
    # FAULTS P5: a drifted status said the call ended; a queue page sent after that says it
    # waits, and is the truth once a request's deadline has passed.
    clock, store, intake = setup()
    intake.take(read("a", "queued"), clock.monotonic(), live_listing=True, source="queued list")
    clock.advance(10)
    intake.take(read("a", "busy"), clock.monotonic(), source="endings list")
    clock.advance(1)
    sent = clock.monotonic()
    clock.advance(STALE_READ_S)
    assert intake.take(
        read("a", "queued"), clock.monotonic(), live_listing=True, source="queued list", sent=sent
    )
    assert store.calls["a"].ended_seen is None
    assert queued_ids(store, clock) == (1, ["a"])


def test_a_retry_on_the_same_late_page_is_queued_beside_its_ended_attempt() -> None:
    clock, store, intake = setup()
    sent = clock.monotonic()
    clock.advance(10)
    intake.take(read("a", "busy"), clock.monotonic(), source="webhook")
    clock.advance(2 * STALE_READ_S)
    for call in (read("a", "queued"), read("a2", "queued")):  # the retry is a call of its own
        intake.take(call, clock.monotonic(), live_listing=True, source="queued list", sent=sent)
    assert store.calls["a"].call.status is CallStatus.BUSY
    assert queued_ids(store, clock) == (1, ["a2"])


def test_a_page_is_sent_when_the_budget_gate_lets_it_go_not_when_it_was_asked_for() -> None:
    assert sent_since(5.0) == 5.0  # no gate passed in this task (a client of its own)
    token = SENT_AT.set(40.0)  # the gate held it 35 s
    try:
        assert sent_since(5.0) == 40.0
        assert sent_since(50.0) == 50.0  # an older request's instant is not this one's
    finally:
        SENT_AT.reset(token)
