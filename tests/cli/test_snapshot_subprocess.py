"""`dialnexa-monitor snapshot` as a script would run it, against a plain HTTP server on loopback
that serves the vendor's own example payloads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.seeds import json_blocks, seed_text

KEY = "dnx_live_CANARYk3y9Q7ZpX2mW8rT5vB1nL4"
STATUS_TOTALS = {
    "completed": 140,
    "no-answer": 90,
    "busy": 30,
    "failed": 12,
    "voicemail": 20,
    "in-progress": 20,
}


def seed_call() -> dict[str, Any]:
    (metadata,) = json_blocks(seed_text("004"))
    return {
        "id": "call_abc123",
        "agent_id": "agt_abc123",
        "to_phone_number": "+919876543210",
        "from_phone_number": "+912234567890",
        "status": "completed",
        "duration": 145,
        "recording_url": "https://recordings.dialnexa.com/call_abc123.mp3",
        "metadata": metadata,
        "created_at": "2024-03-01T10:00:00.000Z",
        "ended_at": "2024-03-01T10:02:25.000Z",
    }


class SeedServer(BaseHTTPRequestHandler):
    methods: ClassVar[list[str]] = []
    auth: ClassVar[list[str]] = []
    key = KEY

    def log_message(self, *args: object) -> None:
        pass

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.methods.append("GET")
        self.auth.append(self.headers.get("Authorization", ""))
        if self.headers.get("Authorization") != f"Bearer {self.key}":
            return self._json(
                401,
                {
                    "statusCode": 401,
                    "message": "API key is missing or invalid",
                    "error": "Unauthorized",
                },
            )
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        retries_a, _, _ = json_blocks(seed_text("000"))
        _, logs_b = json_blocks(seed_text("002"))
        if url.path == "/v1/calls/call_abc123":
            return self._json(200, seed_call())
        if url.path == "/v1/call-logs/call_abc123/retries":
            return self._json(200, retries_a)
        if url.path == "/v1/call-logs/campaign/cmp_5tw8vz2rnx1q":
            status = query.get("status", [None])[0]
            if status is None:
                return self._json(200, logs_b)
            return self._json(
                200,
                {
                    "data": [],
                    "meta": {"page": 1, "limit": 1, "total": STATUS_TOTALS.get(status, 0)},
                },
            )
        if url.path == "/v1/calls/call_gone":
            return self._json(
                404, {"statusCode": 404, "message": "Call not found", "error": "Not Found"}
            )
        return self._json(
            404, {"statusCode": 404, "message": f"Cannot GET {url.path}", "error": "Not Found"}
        )

    def _refuse(self) -> None:
        self.methods.append(self.command)
        self._json(405, {"statusCode": 405, "message": "read only", "error": "Method Not Allowed"})

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse


@pytest.fixture
def server() -> Iterator[str]:
    SeedServer.methods = []
    SeedServer.auth = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), SeedServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def run(*args: str, key: str | None = KEY, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALNEXA_")}
    env["DIALNEXA_MONITOR_CONFIG"] = os.devnull + ".missing.toml"
    if key is not None:
        env["DIALNEXA_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "monitor", "snapshot", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def fragments(key: str, n: int = 6) -> set[str]:
    return {key[i : i + n] for i in range(len(key) - n + 1)} | {key[:12], key[-4:]}


def assert_no_key(text: str) -> None:
    leaked = sorted(f for f in fragments(KEY) if f in text)
    assert not leaked, f"key fragments leaked: {leaked}"


def test_snapshot_prints_the_seed_call_with_its_retry_timeline_and_the_campaign(
    server: str,
) -> None:
    proc = run("--base-url", server, "--call", "call_abc123", "--campaign", "cmp_5tw8vz2rnx1q")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["base_url"] == server
    call = out["call"]
    assert {
        k: call[k]
        for k in (
            "id",
            "status",
            "duration_s",
            "to_number",
            "from_number",
            "created_at",
            "ended_at",
            "metadata",
            "summary_status",
            "next_retry_at",
        )
    } == {
        "id": "call_abc123",
        "status": "completed",
        "duration_s": 145,
        "to_number": "+919876543210",
        "from_number": "+912234567890",
        "created_at": "2024-03-01T10:00:00Z",
        "ended_at": "2024-03-01T10:02:25Z",
        "metadata": {"customer_name": "Priya Sharma", "account_id": "ACC-9912"},
        "summary_status": "completed",
        "next_retry_at": None,
    }
    assert call["attempts"] == [
        {
            "attempt": 1,
            "outcome": "no_answer",
            "duration_s": None,
            "called_at": "2024-03-01T10:00:00Z",
            "gap_s": None,
        },
        {
            "attempt": 2,
            "outcome": "completed",
            "duration_s": None,
            "called_at": "2024-03-01T12:00:00Z",
            "gap_s": 7200,
        },
    ]
    (campaign,) = out["campaigns"]
    assert campaign["id"] == "cmp_5tw8vz2rnx1q"
    assert campaign["total"] == 312
    assert campaign["counts"] == {
        "completed": 140,
        "no_answer": 90,
        "busy": 30,
        "failed": 12,
        "voicemail": 20,
        "in_progress": 20,
    }
    assert campaign["connect_rate"] == pytest.approx(140 / 292)
    assert out["errors"] == []
    assert set(SeedServer.methods) == {"GET"}
    assert set(SeedServer.auth) == {f"Bearer {KEY}"}


def test_snapshot_table_format_shows_the_same_figures(server: str) -> None:
    proc = run("--base-url", server, "--call", "call_abc123", "--format", "table")
    assert proc.returncode == 0, proc.stderr
    assert "Call call_abc123  status completed  duration 145 s  summary completed" in proc.stdout
    assert " 2  completed" in proc.stdout and "120m00s" in proc.stdout


def test_snapshot_exit_1_with_errors_for_a_missing_call(server: str) -> None:
    proc = run("--base-url", server, "--call", "call_gone")
    assert proc.returncode == 1
    out = json.loads(proc.stdout)
    assert out["errors"] == [
        {
            "resource": "call/call_gone",
            "kind": "not_found",
            "message": "Not found (404): Call not found",
        }
    ]


def test_snapshot_wrong_key_reports_unauthorized_without_the_key(server: str) -> None:
    wrong = "dnx_live_WRONGk3y9Q7ZpX2mW8rT5vB1nL4"
    proc = run("--base-url", server, "--call", "call_abc123", key=wrong)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["errors"][0]["kind"] == "unauthorized"
    assert "API key rejected (401)" in proc.stderr
    for text in (proc.stdout, proc.stderr):
        assert not {f for f in fragments(wrong) if f in text}


def test_snapshot_without_a_key_says_how_to_provide_one() -> None:
    proc = run("--call", "call_abc123", key=None)
    assert proc.returncode == 2
    assert "No API key found." in proc.stderr
    assert "Set DIALNEXA_API_KEY" in proc.stderr
    assert "--api-key-file" in proc.stderr and "--demo" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("ftp://x/v1", "not an http(s) URL"),
        ("https://u:pw@api.dialnexa.com/v1", "credentials"),
        ("not a url", "not an http(s) URL"),
    ],
)
def test_snapshot_invalid_base_url_is_a_usage_error(url: str, text: str) -> None:
    proc = run("--base-url", url, "--call", "call_abc123")
    assert proc.returncode == 2
    assert text in proc.stderr
    assert "Traceback" not in proc.stderr


def test_snapshot_invalid_id_is_a_usage_error_and_sends_nothing(server: str) -> None:
    proc = run("--base-url", server, "--call", "../campaigns")
    assert proc.returncode == 2
    assert "is not a valid id" in proc.stderr
    assert SeedServer.methods == []


def test_snapshot_unreachable_host_reports_and_exits_1() -> None:
    from tests.sockets import free_port

    proc = run("--base-url", f"http://127.0.0.1:{free_port()}/v1", "--call", "call_abc123")
    assert proc.returncode == 1
    err = json.loads(proc.stdout)["errors"][0]
    assert err["kind"] == "unreachable"
    assert "connection refused" in err["message"]
    assert_no_key(proc.stdout + proc.stderr)
