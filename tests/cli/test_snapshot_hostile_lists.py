"""The dashboard `snapshot` against listings a hostile-server exploration found misread (its
findings 4, 5, 6 and 8): what the JSON says and the exit status, through the real program
against a loopback server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.cli.test_snapshot_untrusted import Answer, Script, body, not_found, serve, snapshot

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
    shown = {r["id"]: r["status"] for r in out["active_calls"]}
    assert shown == {
        "call_n1": "unknown",
        "call_n2": "unknown",
        "call_c": "unknown",
        "call_p": "in_progress",
    }
