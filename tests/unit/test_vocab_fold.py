"""Status words are folded once per word (issue 21), and read the same every time."""

from __future__ import annotations

from monitor.api.vocab import CallStatus, classify_call_status, fold, is_skipped


def test_a_word_met_again_is_not_folded_again_and_reads_the_same() -> None:
    fold.cache_clear()
    words = ["In-Progress ", "SKIPPED", "no answer", "In-Progress "]
    assert [fold(w) for w in words] == ["in_progress", "skipped", "no_answer", "in_progress"]
    assert fold.cache_info().hits == 1
    assert is_skipped("SKIPPED") and not is_skipped("In-Progress ") and not is_skipped(None)
    assert fold.cache_info().hits == 3
    assert classify_call_status("In-Progress ") is CallStatus.IN_PROGRESS
    assert fold.cache_info().hits == 4


def test_the_folded_words_kept_are_bounded() -> None:
    fold.cache_clear()
    for n in range(2000):
        assert fold(f"Word-{n}") == f"word_{n}"
    info = fold.cache_info()
    assert info.maxsize is not None and info.currsize <= info.maxsize
