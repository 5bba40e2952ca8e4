"""`snapshot` against answers a hostile-server exploration found misread (its findings 4, 5, 6,
8 and 9): what the JSON says and the exit status, through the real program against a loopback
server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.cli.test_snapshot_untrusted import (
    Answer,
    Script,
    Scripted,
    body,
    not_found,
    one_call,
    serve,
    snapshot,
)

__all__ = ["serve"]  # the fixture, used by name

pytestmark = pytest.mark.timeout(90)

LIVE_WORDS = {"initiated", "sent", "received", "in_progress"}


def in_flight_api(answer: Callable[[int], object]) -> Script:
    """`/calls` filtered to live calls answers `answer(page)`; every other listing is empty."""

    def script(path: str, query: dict[str, list[str]], auth: str) -> Answer:
        if path == "/calls":
            words = set((query.get("status") or [""])[0].split(","))
            if words & LIVE_WORDS:
                return body(200, answer(int((query.get("page") or ["1"])[0])))
            return body(200, [])
        if path == "/campaigns":
            return body(200, {"data": [], "meta": {"total": 0}})
        return not_found(path)

    return script


def test_in_flight_rows_without_a_known_status_count_and_show_as_unknown(
    serve: Callable[[Script], str],
) -> None:
    # Only `id` is required (OpenAPI); `connected` is no word of the vendor's sheet. The list
    # was asked for calls in flight, so that is what they are: the gauge and the peak agree.
    rows: list[dict[str, Any]] = [
        {"id": "call_n1"},
        {"id": "call_n2", "status": None},
        {"id": "call_c", "status": "connected"},
        {"id": "call_p", "status": "in_progress"},
    ]
    code, out, _ = snapshot(serve(in_flight_api(lambda page: rows if page == 1 else [])))
    assert code == 0, out["errors"]
    c = out["concurrency"]
    assert (c["in_flight"], c["peak"]) == (4, 4)
    shown = {r["id"]: (r["status"], r.get("status_raw", "-")) for r in out["active_calls"]}
    assert shown == {
        "call_n1": ("unknown", None),
        "call_n2": ("unknown", None),
        "call_c": ("unknown", "connected"),
        "call_p": ("in_progress", "-"),
    }


def live_rows(first: int, last: int) -> list[dict[str, Any]]:
    return [{"id": f"call_{i}", "status": "in_progress"} for i in range(first, last)]


def server_pages(size: int, total: int, **meta: int) -> Callable[[int], object]:
    """A list of `total` calls in flight, cut at `size` a page whatever the `limit` asked,
    its envelope saying `total` (and `meta`) but not its page size."""

    def answer(page: int) -> object:
        rows = live_rows((page - 1) * size, min(total, page * size))
        return {"data": rows, "meta": {"page": page, "total": total, **meta}}

    return answer


def pages_asked() -> list[str]:
    return [p for p in Scripted.seen if "status=initiated" in p]


def test_pages_cut_short_with_a_total_are_read_on_to_the_total(
    serve: Callable[[Script], str],
) -> None:
    # 20 of 45 where 200 were asked, no `limit` in `meta`: not the whole list.
    code, out, _ = snapshot(serve(in_flight_api(server_pages(20, 45))))
    assert code == 0, out["errors"]
    c = out["concurrency"]
    assert (c["in_flight"], c["peak"]) == (45, 45)
    assert len(out["active_calls"]) == 45
    assert len(pages_asked()) == 3


def test_an_empty_first_page_of_two_is_not_an_empty_list(
    serve: Callable[[Script], str],
) -> None:
    def answer(page: int) -> object:
        rows = live_rows(0, 5) if page == 2 else []
        return {"data": rows, "meta": {"page": page, "limit": 200, "total": 5, "totalPages": 2}}

    code, out, _ = snapshot(serve(in_flight_api(answer)))
    assert code == 0, out["errors"]
    assert (out["concurrency"]["in_flight"], out["concurrency"]["peak"]) == (5, 5)


def test_a_total_the_pages_never_reach_makes_the_count_not_exact(
    serve: Callable[[Script], str],
) -> None:
    # Says 45, gives 20 and then nothing: 20 are shown, and that they are not all is said.
    def answer(page: int) -> object:
        return {"data": live_rows(0, 20) if page == 1 else [], "meta": {"total": 45}}

    code, out, _ = snapshot(serve(in_flight_api(answer)))
    assert code == 1
    assert out["concurrency"]["in_flight"] == 20
    assert [e for e in out["errors"] if e["resource"] == "/calls (in flight)"] == [
        {
            "resource": "/calls (in flight)",
            "kind": "bad_payload",
            "message": "25 rows left out (the list's own total said more than its pages gave)",
        }
    ]


def test_a_bare_array_cut_short_says_nothing_more_and_stands(
    serve: Callable[[Script], str],
) -> None:
    code, out, _ = snapshot(
        serve(in_flight_api(lambda page: live_rows(0, 20) if page == 1 else []))
    )
    assert code == 0, out["errors"]
    assert out["concurrency"]["in_flight"] == 20
    assert len(pages_asked()) == 1


def test_a_campaign_list_the_budget_left_unread_is_an_error_not_no_campaigns(
    serve: Callable[[Script], str],
) -> None:
    # `/campaigns` is not served, and the key has 12 of 150 requests left: the `/batch-calls`
    # fallback waits for the budget past the round's end. Its list was not read: `[]` then
    # is no answer, and the exit status says so.
    rate = {"X-RateLimit-Limit": "150", "X-RateLimit-Remaining": "12", "X-RateLimit-Reset": "30"}

    def script(path: str, query: dict[str, list[str]], auth: str) -> Answer:
        if path == "/calls":
            return body(200, [], **rate)
        if path == "/batch-calls":
            batch = {"id": "batch_a", "title": "Batch A", "status": "running"}
            return body(200, {"items": [batch], "total": 1, "page": 1, "limit": 100}, **rate)
        status, headers, data = not_found(path)
        return status, {**headers, **rate}, data

    code, out, _ = snapshot(serve(script))
    assert code == 1
    read = [e for e in out["errors"] if e["resource"] == "campaigns"]
    assert read and read[0]["kind"] == "timeout", out["errors"]
    assert out["campaigns"] == []
    assert not [p for p in Scripted.seen if p.startswith("/v1/batch-calls")]


def refused_once(**headers: str) -> tuple[Script, set[str]]:
    """Every `/calls` list refused once with a 429 (and `headers`), then two calls in flight;
    and the lists refused."""
    calls = [{"id": "call_a", "status": "in_progress"}, {"id": "call_b", "status": "initiated"}]
    refused: set[str] = set()
    live = in_flight_api(lambda page: calls if page == 1 else [])

    def script(path: str, query: dict[str, list[str]], auth: str) -> Answer:
        words = (query.get("status") or [""])[0]
        if path == "/calls" and words not in refused:
            refused.add(words)
            return body(429, {"statusCode": 429, "message": "slow down"}, **headers)
        return live(path, query, auth)

    return script, refused


@pytest.mark.parametrize(
    "headers",
    [
        # The vendor says some 429s come without Retry-After: the lists, read at once, are
        # each refused bare once; waited out (the documented backoff from 2 s).
        {},
        # Longer than the round's 6 s, within the 30 s a 429 is waited out (INTERFACE.md).
        {"Retry-After": "8"},
    ],
    ids=["bare", "retry-after-8"],
)
def test_a_429_on_every_list_at_once_is_waited_out_and_retried_once(
    serve: Callable[[Script], str], headers: dict[str, str]
) -> None:
    script, refused = refused_once(**headers)
    code, out, _ = snapshot(serve(script))
    assert code == 0, out["errors"]
    assert out["errors"] == []
    c = out["concurrency"]
    assert (c["in_flight"], c["peak"], c["queued"]) == (2, 2, 0)
    assert len(refused) == 3
    assert all(sum(1 for p in Scripted.seen if w in p) == 2 for w in ("initiated", "created"))


def test_a_retry_history_of_another_call_is_an_error_not_this_calls_history(
    serve: Callable[[Script], str],
) -> None:
    call = {"id": "call_1", "status": "busy", "created_at": "2026-11-23T09:00:00Z", "duration": 0}
    other = {
        "call_id": "call_zzz",
        "data": [
            {"attempt": 1, "status": "no_answer", "called_at": "2026-11-23T08:00:00Z"},
            {"attempt": 2, "status": "completed", "called_at": "2026-11-23T08:30:00Z"},
        ],
    }
    code, out, _ = snapshot(serve(one_call(call, other)), "--call", "call_1")
    assert code == 1
    assert [(e["resource"], e["kind"]) for e in out["errors"]] == [
        ("retries/call_1", "bad_payload")
    ]
    assert "another call's retry history" in out["errors"][0]["message"]
    # The record stands, its one attempt from itself: none of call_zzz's attempts.
    assert out["call"]["id"] == "call_1"
    assert [a["outcome"] for a in out["call"]["attempts"]] == ["busy"]
    assert out["call"]["retry_source"] == "call-record"
