"""A dict's members followed a run at a time (issue 17's write cost at `huge`): the recent
outcomes lose members among the oldest and gain members at the end each second; the members
kept are found as runs of the last frame's (slices compared, no member looked up by key),
only the new ones are serialised, the codec writes the runs, and every frame reads back."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.feeds.framecodec import decode, encode
from monitor.feeds.rowparts import RowTexts
from monitor.feeds.rowruns import align
from tests.recorder.test_row_reuse import Writer, _ops

PAD = "x" * 700


def test_drops_and_additions_are_runs_and_new_rows() -> None:
    old = ["a", "b", "c", "d", "e", "f"]
    new = ["a", "c", "d", "f", "g", "h"]  # b and e dropped, g and h added
    got = align(new, [0] * 6, old, [0] * 6, set(new), 100)
    assert got == ([(0, 0, 1), (1, 2, 2), (3, 5, 1)], [4, 5])


def test_a_value_changed_in_place_cuts_the_run_and_is_made_anew() -> None:
    old = ["a", "b", "c", "d"]
    got = align(old, [1, 1, 2, 1], old, [1, 1, 1, 1], set(old), 100)
    assert got == ([(0, 0, 2), (3, 3, 1)], [2])


def test_a_key_that_moved_to_the_end_is_made_anew() -> None:
    old = ["a", "b", "c", "d"]
    new = ["b", "c", "d", "a"]  # a left and came back: a dict puts it last
    got = align(new, [0] * 4, old, [0] * 4, set(new), 100)
    assert got == ([(0, 1, 3)], [3])


def test_rows_that_do_not_follow_the_last_ones_give_up_within_the_budget() -> None:
    old = [f"k{k}" for k in range(100)]
    new = old[::-1]  # reversed: every key present, none where it was
    assert align(new, [0] * 100, old, [0] * 100, set(new), 20) is None


def test_outcomes_that_lose_old_members_and_gain_new_ones_write_only_the_new_ones() -> None:
    writer = Writer(members=True)
    texts = RowTexts(writer, "{", "}", by_value=True, members=True)
    outcomes = {f"call_{k:06d}": "completed" for k in range(2500)}
    before = texts.text(outcomes)
    later = {k: v for n, (k, v) in enumerate(outcomes.items()) if n % 97 != 5 or n > 600}
    for k in range(2500, 2560):
        later[f"call_{k:06d}"] = "no_answer"
    after = texts.text(later)
    assert before is not None and after is not None
    assert after.runs is not None and after.at is None  # followed by runs, none looked up
    assert writer.asked[-1] == 60  # the members that just ended, nothing else
    assert after == json.dumps(later, separators=(",", ":")) and after.new == 60
    base = {"data.outcomes": before}
    body = encode({"data.outcomes": after}, base)
    assert decode(body, base) == {"data.outcomes": after}
    ops = _ops(body)
    runs = [op for op in ops if isinstance(op, list)]
    # The first member (its bracket) literal, a run before, between and after the seven
    # dropped members; the last frame's last member (its bracket then) and the new ones
    # (the last with this frame's bracket) as one literal piece.
    assert len(runs) == 8 and sum(n for _, n in runs) == 2500 - 7 - 2
    assert [op for op in ops if isinstance(op, str)][-1].startswith('call_002499":"completed')


def test_members_in_another_order_are_looked_up_by_key() -> None:
    writer = Writer(members=True)
    texts = RowTexts(writer, "{", "}", by_value=True, members=True)
    outcomes = {f"call_{k:06d}": "completed" for k in range(2000)}
    before = texts.text(outcomes)
    texts.prepare()  # a frame between: the members are not indexed ahead
    later = dict(reversed(list(outcomes.items())))  # no run to follow
    later["call_000007"] = "busy"
    after = texts.text(later)
    assert before is not None and after is not None
    assert after.at is not None and after.runs is None  # each member looked up by key
    assert writer.asked[-1] == 1  # the one changed member, found among the others
    assert after == json.dumps(later, separators=(",", ":"))
    base = {"data.outcomes": before}
    assert decode(encode({"data.outcomes": after}, base), base) == {"data.outcomes": after}


@settings(max_examples=80, deadline=None)
@given(
    st.integers(55, 90),
    st.lists(
        st.tuples(
            st.lists(st.integers(0, 10_000), max_size=15),  # keys that age out
            st.lists(st.integers(0, 10_000), max_size=4),  # keys whose outcome changed
            st.lists(st.integers(0, 10_000), max_size=4),  # keys that left and came back
            st.integers(0, 20),  # calls that ended
        ),
        min_size=1,
        max_size=8,
    ),
)
def test_members_followed_by_runs_read_back_as_made_from_scratch(
    start: int, frames: list[tuple[list[int], list[int], list[int], int]]
) -> None:
    texts = RowTexts(Writer(members=True), "{", "}", by_value=True, members=True)
    outcomes = {f"call_{k:06d}{PAD}": "completed" for k in range(start)}
    serial = start
    last = texts.text(outcomes)
    assert last is not None
    for gone, moved, back, ended in frames:
        outcomes = dict(outcomes)
        for picks, edit in ((gone, "gone"), (moved, "moved"), (back, "back")):
            for k in picks:
                keys = list(outcomes)
                if not keys:
                    break
                key = keys[k % len(keys)]
                if edit == "moved":
                    outcomes[key] = f"failed{k}"  # in its place
                    continue
                value = outcomes.pop(key)
                if edit == "back":
                    outcomes[key] = value  # now the last member
        for _ in range(ended):
            outcomes[f"call_{serial:06d}{PAD}"] = "no_answer"
            serial += 1
        made = texts.text(outcomes)
        assert made is not None
        assert made == json.dumps(outcomes, separators=(",", ":"))
        base = {"data.outcomes": last}
        assert decode(encode({"data.outcomes": made}, base), base) == {"data.outcomes": made}
        last = made


def test_a_text_of_few_rows_is_its_rows_joined() -> None:
    from monitor.feeds.rowparts import RowsText

    for count in range(5):
        rows = [f'"id":"call_{k}"' for k in range(count)]
        text = RowsText(rows, "[{", "}]", "},{", True, "[]")
        made = json.dumps([{"id": f"call_{k}"} for k in range(count)], separators=(",", ":"))
        assert text == made
