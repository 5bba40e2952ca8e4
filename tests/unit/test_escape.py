"""When a read of one bare ESC is the Esc key at once (`monitor.ui.escape`)."""

from __future__ import annotations

from monitor.ui.escape import TRUST_AFTER, WholeSequences

DELAY = 0.025
DOWN = "\x1b[B"
ANSWER = "\x1b[0n"  # the terminal's answer to the output's status query


def trusted() -> WholeSequences:
    judge = WholeSequences(DELAY)
    for n in range(TRUST_AFTER):
        assert not judge.read(DOWN if n % 2 else ANSWER, False, float(n))
    return judge


def test_a_lone_esc_waits_until_sequences_were_seen_whole() -> None:
    judge = WholeSequences(DELAY)
    for n in range(TRUST_AFTER):
        assert not judge.read("\x1b", True, 10.0 + n)  # not yet: Textual's delay
        judge.read(DOWN, False, 10.5 + n)
    assert judge.read("\x1b", True, 20.0)


def test_plain_keys_are_not_evidence() -> None:
    judge = WholeSequences(DELAY)
    for n in range(10):
        judge.read("j", False, float(n))
    assert not judge.read("\x1b", True, 20.0)


def test_a_read_that_ends_inside_a_sequence_turns_it_off() -> None:
    judge = trusted()
    judge.read("\x1b[", True, 30.0)  # the rest comes in the next read
    judge.read("B", False, 30.01)
    for n in range(5):
        judge.read(DOWN, False, 31.0 + n)
    assert not judge.read("\x1b", True, 40.0)


def test_a_lone_esc_whose_sequence_went_on_turns_it_off() -> None:
    judge = trusted()
    assert judge.read("\x1b", True, 30.0)  # taken for Esc
    judge.read("[B", False, 30.01)  # it was an arrow cut in two: wrong once, never again
    assert not judge.read("\x1b", True, 31.0)


def test_a_key_after_the_delay_does_not_count_as_the_rest() -> None:
    judge = trusted()
    assert judge.read("\x1b", True, 30.0)
    judge.read("[", False, 30.0 + DELAY * 4)  # the user typed "[" after Esc
    assert judge.read("\x1b", True, 31.0)
