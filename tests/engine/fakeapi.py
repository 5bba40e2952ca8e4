"""A small scripted DialNexa API for engine tests: mutable state, a request log, fault switches."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from monitor.clock import FakeClock


@dataclass
class FakeApi:
    clock: FakeClock
    active: dict[str, dict[str, Any]] = field(default_factory=dict)
    ended: dict[str, dict[str, Any]] = field(default_factory=dict)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    fail_status: int | None = None
    filters_by_id: bool = True
    page_cap: int = 200
    """Rows a page at most, cut without a word (a bare array has no `meta.limit`)."""
    """Whether `/calls` honours `call_id` (else it answers as if the filter were not there)."""
    pushed_down: int = 0
    """Rows each later page of the in-flight listing repeats from the page before (calls
    dialled while the sweep read it push the rows down)."""
    fail_headers: dict[str, str] = field(default_factory=dict)
    log: list[tuple[float, str, str]] = field(default_factory=list)
    """(monotonic time, method, path with query)."""

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.log.append(
            (
                self.clock.monotonic(),
                request.method,
                str(request.url.copy_with(scheme="http", host="x")),
            )
        )
        if self.fail_status is not None:
            body = {"statusCode": self.fail_status, "message": "scripted failure", "error": "x"}
            return httpx.Response(self.fail_status, json=body, headers=self.fail_headers)
        path = request.url.path.removeprefix("/v1")
        q = request.url.params
        headers = {
            "X-RateLimit-Limit": "150",
            "X-RateLimit-Remaining": "140",
            "X-RateLimit-Reset": "60",
        }
        if path == "/calls" and q.get("call_id") and self.filters_by_id:
            wanted = q["call_id"].split(",")
            rows = [r for cid in wanted if (r := self.active.get(cid) or self.ended.get(cid))]
            return httpx.Response(200, json=rows, headers=headers)
        if path == "/calls":
            words = set((q.get("status") or "").split(","))
            rows = list(self.active.values()) if "initiated" in words else list(self.ended.values())
            page, limit = int(q.get("page", 1)), min(int(q.get("limit", 20)), self.page_cap)
            start = (page - 1) * limit
            if page > 1 and "initiated" in words:
                start -= self.pushed_down
            return httpx.Response(200, json=rows[start : start + limit], headers=headers)
        if path.startswith("/calls/"):
            cid = path.split("/")[2]
            row = self.active.get(cid) or self.ended.get(cid)
            if row is None:
                return httpx.Response(
                    404, json={"statusCode": 404, "message": "Call not found", "error": "Not Found"}
                )
            return httpx.Response(200, json=row, headers=headers)
        if path == "/campaigns":
            return httpx.Response(
                200,
                json={"data": self.campaigns, "meta": {"total": len(self.campaigns)}},
                headers=headers,
            )
        if path.startswith("/call-logs/campaign/"):
            cid = path.split("/")[3]
            rows = [r for r in self.ended.values() if r.get("campaign_id") == cid]
            status = q.get("status")
            if status:
                rows = [
                    r for r in rows if r["status"].replace("-", "_") == status.replace("-", "_")
                ]
            limit = int(q.get("limit", 20))
            return httpx.Response(
                200,
                content=json.dumps({"data": rows[:limit], "meta": {"total": len(rows)}}),
                headers=headers,
            )
        if path.endswith("/retries"):
            cid = path.split("/")[2]
            row = self.active.get(cid) or self.ended.get(cid)
            if row is None:
                return httpx.Response(
                    404, json={"statusCode": 404, "message": "Call not found", "error": "Not Found"}
                )
            return httpx.Response(
                200,
                json={
                    "call_id": cid,
                    "data": [
                        {"attempt": 1, "status": row["status"], "called_at": row["created_at"]}
                    ],
                },
            )
        return httpx.Response(
            404, json={"statusCode": 404, "message": f"Cannot GET {path}", "error": "Not Found"}
        )

    def requests_in(self, start: float, end: float) -> int:
        return sum(1 for t, _, _ in self.log if start <= t < end)

    def paths(self, fragment: str) -> list[float]:
        return [t for t, _, p in self.log if fragment in p]
