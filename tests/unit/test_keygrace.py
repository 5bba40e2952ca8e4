"""The clock's work waits while a key is answered, and never longer than MAX_WAIT_S in a row."""

from __future__ import annotations

import pytest

from monitor.ui.keygrace import KEY_GRACE_S, MAX_WAIT_S, KeyGrace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_no_key_no_wait() -> None:
    assert KeyGrace(Clock()).wait_s() == 0.0


def test_the_clock_waits_out_the_grace_after_a_key() -> None:
    clock = Clock()
    grace = KeyGrace(clock)
    grace.key()
    pressed = clock.now
    clock.now += 0.05
    assert grace.wait_s() == pytest.approx(KEY_GRACE_S - 0.05)
    clock.now = pressed + KEY_GRACE_S
    assert grace.wait_s() == 0.0


def test_keys_held_down_put_the_clock_off_at_most_max_wait() -> None:
    clock = Clock()
    grace = KeyGrace(clock)
    waited = 0.0
    for _ in range(100):  # a key every 50 ms: always one in the grace
        grace.key()
        wait = grace.wait_s()
        if wait == 0.0:
            break
        step = min(wait, 0.05)
        clock.now += step
        waited += step
    assert waited == pytest.approx(MAX_WAIT_S)
    grace.key()  # the next second's work may be put off again
    assert grace.wait_s() > 0
