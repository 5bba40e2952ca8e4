"""Issue 15's crash and leak cases through `snapshot` as a subprocess, against a loopback server
that misbehaves on purpose: each test is named after the case in the issue's "Why".

Every run must exit 0 or 1 (never a traceback), print strictly valid JSON (no NaN) and never the
key, in whole or in part.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.cli.test_snapshot_subprocess import KEY, assert_no_key

Answer = tuple[int, dict[str, str], bytes]
Script = Callable[[str, dict[str, list[str]], str], Answer]

pytestmark = pytest.mark.timeout(90)


def body(status: int, payload: object, **headers: str) -> Answer:
    return status, {"Content-Type": "application/json", **headers}, json.dumps(payload).encode()


def not_found(path: str) -> Answer:
    return body(404, {"statusCode": 404, "message": f"Cannot GET {path}", "error": "Not Found"})


class Scripted(BaseHTTPRequestHandler):
    script: ClassVar[Script]
    seen: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self.seen.append(self.path)
        status, headers, data = self.script(
            url.path.removeprefix("/v1"), parse_qs(url.query), self.headers.get("Authorization")
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def serve() -> Iterator[Callable[[Script], str]]:
    servers: list[ThreadingHTTPServer] = []

    def start(script: Script) -> str:
        Scripted.script = staticmethod(script)  # type: ignore[assignment]
        Scripted.seen = []
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}/v1"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def snapshot(base_url: str, *args: str) -> tuple[int, dict[str, Any], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALNEXA_")}
    env["DIALNEXA_MONITOR_CONFIG"] = os.devnull + ".missing.toml"
    env["DIALNEXA_API_KEY"] = KEY
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "snapshot", "--base-url", base_url, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=80,
        check=False,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    assert_no_key(proc.stdout + proc.stderr)

    def refuse(word: str) -> None:
        raise AssertionError(f"snapshot printed {word}: not strict JSON")

    return proc.returncode, json.loads(proc.stdout, parse_constant=refuse), proc.stderr


def one_call(call: dict[str, Any], retries: object = None, **headers: str) -> Script:
    def script(path: str, query: dict[str, list[str]], auth: str) -> Answer:
        if path == f"/calls/{call['id']}":
            return body(200, call, **headers)
        if path.endswith("/retries") and retries is not None:
            return body(200, retries, **headers)
        return not_found(path)

    return script


CALL = {
    "id": "call_1",
    "status": "busy",
    "created_at": "2026-11-23T09:00:00Z",
    "ended_at": "2026-11-23T09:00:20Z",
    "duration": 0,
}


@pytest.mark.parametrize("status", [401, 400, 500])
def test_key_echoed_in_error_message_is_masked(serve: Callable[[Script], str], status: int) -> None:
    def echo(path: str, query: dict[str, list[str]], auth: str) -> Answer:
        return body(status, {"statusCode": status, "message": f"refused: {auth} ({KEY})"})

    code, out, err = snapshot(serve(echo), "--call", "call_1")
    assert code == 1
    assert out["errors"][0]["resource"] == "call/call_1"
    assert "[redacted]" in out["errors"][0]["message"] and "[redacted]" in err


def test_retry_attempt_in_year_9999(serve: Callable[[Script], str]) -> None:
    retries = {
        "call_id": "call_1",
        "data": [
            {"attempt": 1, "status": "busy", "called_at": "2026-11-23T09:00:00Z"},
            {"attempt": 2, "status": "busy", "called_at": "9999-12-31T23:59:59Z"},
        ],
    }
    call = {**CALL, "retry": {"max_retries": 3, "wait_minutes": 30}}
    code, out, _ = snapshot(serve(one_call(call, retries)), "--call", "call_1")
    assert code == 0
    assert out["call"]["attempts"][1]["called_at"] == "9999-12-31T23:59:59Z"
    assert out["call"]["next_retry_at"] is None


def test_retry_wait_minutes_1e12(serve: Callable[[Script], str]) -> None:
    call = {**CALL, "retry": {"max_retries": 3, "wait_minutes": 1e12}}
    code, out, _ = snapshot(serve(one_call(call)), "--call", "call_1")
    assert code == 0
    assert out["call"]["summary_status"] == "pending"
    assert out["call"]["next_retry_at"] is None


def test_rate_limit_limit_1e400(serve: Callable[[Script], str]) -> None:
    script = one_call(CALL, **{"X-RateLimit-Limit": "1e400", "X-RateLimit-Reset": "1e400"})
    code, out, _ = snapshot(serve(script), "--call", "call_1")
    assert code == 0
    assert out["call"]["id"] == "call_1"


def test_retry_after_superscript_two_is_rate_limiting(serve: Callable[[Script], str]) -> None:
    tries: list[str] = []

    def limited_once(path: str, query: dict[str, list[str]], auth: str) -> Answer:
        if path == "/calls/call_1":
            tries.append(path)
            if len(tries) == 1:
                return 429, {"Retry-After": "²".encode().decode("latin-1")}, b'{"message":"slow"}'
            return body(200, CALL)
        return not_found(path)

    code, out, _ = snapshot(serve(limited_once), "--call", "call_1")
    assert code == 0  # waited (our own backoff) and read it the second time
    assert len(tries) == 2
    assert out["call"]["status"] == "busy"


def test_metadata_nested_990_deep(serve: Callable[[Script], str]) -> None:
    deep = '{"id": "call_1", "status": "completed", "metadata": ' + "[" * 990 + "]" * 990 + "}"

    def nested(path: str, query: dict[str, list[str]], auth: str) -> Answer:
        if path == "/calls/call_1":
            return 200, {"Content-Type": "application/json"}, deep.encode()
        return not_found(path)

    code, out, _ = snapshot(serve(nested), "--call", "call_1")
    assert code == 1
    assert out["errors"][0]["kind"] == "bad_payload"
    assert "nested deeper than 64" in out["errors"][0]["message"]


def test_nan_and_infinity_in_metadata_and_analysis(serve: Callable[[Script], str]) -> None:
    raw = (
        '{"id": "call_1", "status": "completed", "metadata": {"score": NaN}, '
        '"analysis": {"confidence": Infinity, "qualified": true}}'
    )

    def nan(path: str, query: dict[str, list[str]], auth: str) -> Answer:
        if path == "/calls/call_1":
            return 200, {"Content-Type": "application/json"}, raw.encode()
        return not_found(path)

    code, out, _ = snapshot(serve(nan), "--call", "call_1")
    assert code == 0
    assert out["call"]["metadata"] == {"score": None}
    assert out["call"]["analysis"] == {"confidence": None, "qualified": True}
    assert {n["resource"] for n in out["notes"]} >= {
        ".call.metadata.score",
        ".call.analysis.confidence",
    }


def test_snapshot_call_answered_with_another_id(serve: Callable[[Script], str]) -> None:
    code, out, _ = snapshot(serve(one_call({**CALL, "id": "call_2"})), "--call", "call_2x")
    assert code == 1
    assert "call" not in out
    assert out["errors"][0]["resource"] == "call/call_2x"


def test_json_always_includes_campaigns(serve: Callable[[Script], str]) -> None:
    code, out, _ = snapshot(serve(one_call(CALL)), "--call", "call_1")
    assert code == 0
    assert out["campaigns"] == []


def dashboard_api(
    calls: list[dict[str, Any]], *, fail_first: str | None = None, status: int = 503
) -> Script:
    failed: list[str] = []

    def script(path: str, query: dict[str, list[str]], auth: str) -> Answer:
        if fail_first is not None and path == fail_first and not failed:
            failed.append(path)
            return body(status, {"statusCode": status, "message": "try again"})
        if path == "/calls":
            words = (query.get("status") or [""])[0].split(",")
            live = [c for c in calls if c["status"].replace("-", "_") in words]
            return body(200, live)
        if path == "/campaigns":
            return body(200, {"data": [], "meta": {"total": 0}})
        return not_found(path)

    return script


def test_calls_created_in_1970_or_year_1_show_flagged_durations(
    serve: Callable[[Script], str],
) -> None:
    calls = [
        {"id": "call_a", "status": "in-progress", "created_at": "1970-01-01T00:00:00Z"},
        {"id": "call_b", "status": "in-progress", "created_at": "0001-01-01T00:00:00Z"},
    ]
    code, out, _ = snapshot(serve(dashboard_api(calls)))
    assert code == 0, out["errors"]
    rows = {r["id"]: r for r in out["active_calls"]}
    assert set(rows) == {"call_a", "call_b"}
    for row in rows.values():
        assert row["duration_s"] is None
        assert row["flags"] == ["placed before 2000"]
        assert row["duration_label"] == "since placed"


def test_dashboard_snapshot_retries_a_5xx_once(serve: Callable[[Script], str]) -> None:
    calls = [{"id": "call_a", "status": "in-progress", "created_at": "2026-11-23T09:59:00Z"}]
    code, out, _ = snapshot(serve(dashboard_api(calls, fail_first="/campaigns")))
    assert code == 0, out["errors"]
    assert out["errors"] == []
    assert out["campaigns"] == []
    assert [r["id"] for r in out["active_calls"]] == ["call_a"]


def test_no_data_at_all_shows_null_with_the_reason_not_zero(
    serve: Callable[[Script], str],
) -> None:
    def refused(path: str, query: dict[str, list[str]], auth: str) -> Answer:
        return body(401, {"statusCode": 401, "message": "API key is missing or invalid"})

    code, out, _ = snapshot(serve(refused))
    assert code == 1
    c = out["concurrency"]
    assert (c["in_flight"], c["peak"], c["queued"], c["retry_wave"]) == (None, None, None, None)
    assert "API key rejected (401)" in c["unknown_reason"]
    assert out["active_calls"] is None
    assert out["campaigns"] == []
