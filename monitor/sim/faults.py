"""The fault catalogue: every way the simulator can misbehave, by name, switchable at run time.

One list shared by `--demo --faults=...`, `dialnexa-monitor sim --faults=...`, the tests and the
reliability scorecard. Ids are FAULTS.md case ids where one matches (P1, N8, T4...), and readable
aliases name the common ones (`html-200`, `5xx-json`, `reset`...).

Each fault acts at one stage of the server's pipeline:

- `request`: rewrites the query before routing (P10: the same page for ever);
- `gate`: answers instead of the endpoint (5xx, 429s, 401, 403, 404, redirects);
- `delay`: waits on the injected clock before answering (slow, timeout);
- `payload`: rewrites the decoded JSON of a successful answer (drift, hostile strings...);
- `bytes`: rewrites the encoded body (truncated, invalid JSON, HTML with a 200...);
- `transport`: changes how the bytes are sent (reset mid-body, trickle);
- `headers`: changes response headers (P20: the rate-limit reset as an epoch).

An activation may be narrowed to a path prefix (`scope`), fire with a probability or a number of
times (`count`), and live in a window of clock seconds (`at`/`until`, which is how faults are
scripted). Draws use a seeded generator, so a scripted run repeats exactly.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any

from monitor.clock import Clock
from monitor.sim.hostile import HOSTILE_CASES, HOSTILE_URLS, statuses_for, strings_for

JSON = Any
REQUEST, GATE, DELAY, PAYLOAD, BYTES, TRANSPORT, HEADERS = (
    "request", "gate", "delay", "payload", "bytes", "transport", "headers",
)  # fmt: skip

STATUS_NAMES = {
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def vendor_error(status: int, message: str | list[str]) -> dict[str, Any]:
    """The vendor's error body: `{statusCode, message, error}` (API sheet §11)."""
    return {"statusCode": status, "message": message, "error": STATUS_NAMES.get(status, "Error")}


@dataclass
class Reply:
    """An answer the pipeline sends instead of, or built from, an endpoint's result."""

    status: int
    body: JSON = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"


@dataclass
class Exchange:
    """What a fault may look at or change about one request."""

    method: str
    path: str
    query: dict[str, str]
    now: float
    """Clock monotonic seconds at arrival."""
    headers: dict[str, str] = field(default_factory=dict)
    """Request headers, lower-cased names."""


class SimulatedReset(Exception):
    """Raised mid-body to abort the connection (uvicorn closes it; SimTransport maps it to
    httpx.ReadError)."""


@dataclass
class Activation:
    """One switched-on fault, with its narrowing and its own deterministic state."""

    spec: FaultSpec
    scope: str | None = None
    probability: float = 1.0
    count: int | None = None
    at: float | None = None
    until: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    fired: int = 0
    """How many requests it has acted on."""
    n: int = 0
    """0-based index of the firing being handled: behaviours cycle their variants by it."""
    origin: float = 0.0

    @property
    def id(self) -> str:
        return self.spec.id

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, self.spec.params.get(name, default))

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scope": self.scope,
            "probability": self.probability,
            "count": self.count,
            "at": self.at,
            "until": self.until,
            "params": {k: v for k, v in self.params.items() if not isinstance(v, tuple)},
            "fired": self.fired,
        }


Behaviour = Callable[..., Any]


@dataclass(frozen=True)
class FaultSpec:
    """A catalogue entry: what the fault is called, what it does and where it applies."""

    id: str
    description: str
    stage: str
    behaviour: Behaviour
    aliases: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    applies: Callable[[str], bool] | None = None
    """Paths the fault makes sense on; elsewhere it neither fires nor uses up its count."""


# --------------------------------------------------------------------- helpers


def records(obj: JSON) -> list[dict[str, Any]]:
    """The record dicts inside any of the documented envelopes (or the object itself)."""
    if isinstance(obj, list):
        return [r for r in obj if isinstance(r, dict)]
    if not isinstance(obj, dict):
        return []
    for key in ("data", "items", "callLogs"):
        inner = obj.get(key)
        if isinstance(inner, list):
            return [r for r in inner if isinstance(r, dict)]
        if isinstance(inner, dict) and "statusCode" in obj:
            return [inner]
    return [obj] if "id" in obj else []


def item_list(obj: JSON) -> list[Any] | None:
    if isinstance(obj, list):
        return obj
    if isinstance(obj, dict):
        for key in ("data", "items", "callLogs"):
            if isinstance(obj.get(key), list):
                inner: list[Any] = obj[key]
                return inner
    return None


DURATION_KEYS = ("duration_seconds", "duration", "duration_sec", "duration_in_seconds")
TIME_KEYS = ("created_at", "createdAt", "called_time", "ended_at", "called_at", "timestamp")


def _cycle(values: tuple[Any, ...], n: int) -> Any:
    return values[n % len(values)]


def _is_object_path(path: str) -> bool:
    parts = path.strip("/").split("/")
    return len(parts) >= 3 and parts[1] in ("calls", "call-logs", "campaigns", "batch-calls")


def _is_reference_path(path: str) -> bool:
    return path.startswith(("/v1/call-logs", "/v1/campaigns"))


def _is_retries(path: str) -> bool:
    return path.startswith("/v1/call-logs/") and path.rstrip("/").endswith("/retries")


# ----------------------------------------------------------------------- gates


def _gate_5xx_json(a: Activation, ex: Exchange) -> Reply:
    code = int(_cycle(tuple(a.param("codes")), a.n))
    headers = {"Retry-After": "3"} if code == 503 and a.n % 2 == 0 else {}
    messages = {500: "Internal server error"}
    return Reply(code, vendor_error(code, messages.get(code, STATUS_NAMES[code])), headers=headers)


HTML_ERROR = (
    "<html>\r\n<head><title>{code} {name}</title></head>\r\n<body>\r\n<center><h1>{code} {name}"
    "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def _gate_5xx_html(a: Activation, ex: Exchange) -> Reply:
    code = int(_cycle(tuple(a.param("codes")), a.n))
    page = HTML_ERROR.format(code=code, name=STATUS_NAMES[code]).encode()
    every = int(a.param("big_every", 0))
    if every and a.n % every == every - 1:
        page += b"<!-- " + b"x" * (2 * 1024 * 1024) + b" -->"
    return Reply(code, raw=page, media_type="text/html")


def _too_many(headers: dict[str, str]) -> Reply:
    return Reply(429, vendor_error(429, "Too Many Requests"), headers=headers)


def _gate_429_retry_after(a: Activation, ex: Exchange) -> Reply:
    return _too_many({"Retry-After": str(a.param("retry_after"))})


def _gate_429_http_date(clock: Clock) -> Behaviour:
    def gate(a: Activation, ex: Exchange) -> Reply:
        from datetime import timedelta

        offset = float(_cycle(tuple(a.param("offsets")), a.n))
        when = clock.now() + timedelta(seconds=offset)
        return _too_many({"Retry-After": format_datetime(when, usegmt=True)})

    return gate


def _gate_429_bad(a: Activation, ex: Exchange) -> Reply:
    return _too_many({"Retry-After": str(_cycle(tuple(a.param("values")), a.n))})


def _gate_429_storm(a: Activation, ex: Exchange) -> Reply:
    mode = str(a.param("retry_after"))
    if mode == "none":
        return _too_many({})
    if mode == "mixed":
        return _too_many({"Retry-After": "5"} if a.n % 2 == 0 else {})
    return _too_many({"Retry-After": mode})


def _gate_revoked(a: Activation, ex: Exchange) -> Reply:
    return Reply(401, vendor_error(401, "API key has been revoked"))


def _gate_forbidden(a: Activation, ex: Exchange) -> Reply:
    return Reply(403, vendor_error(403, "You do not have permission to read call data"))


def _gate_gone(a: Activation, ex: Exchange) -> Reply:
    kind = "Campaign" if ex.path.startswith(("/v1/campaigns", "/v1/batch-calls")) else "Call"
    return Reply(404, vendor_error(404, f"{kind} not found"))


def _gate_redirect(a: Activation, ex: Exchange) -> Reply:
    return Reply(302, None, raw=b"", headers={"Location": str(a.param("target")) + ex.path})


def _gate_flap(a: Activation, ex: Exchange) -> Reply | None:
    period = float(a.param("period"))
    if int((ex.now - a.origin) // period) % 2 == 1:
        return Reply(503, vendor_error(503, "Service Unavailable"))
    return None


def route_not_found(method: str, path: str, query: str = "") -> Reply:
    """NestJS's answer for a route that does not exist (the 'endpoint unavailable' 404)."""
    url = path + ("?" + query if query else "")
    return Reply(404, vendor_error(404, f"Cannot {method} {url}"))


def _gate_no_reference(a: Activation, ex: Exchange) -> Reply:
    query = "&".join(f"{k}={v}" for k, v in ex.query.items())
    return route_not_found(ex.method, ex.path, query)


# --------------------------------------------------------------------- request


def _request_same_page(a: Activation, ex: Exchange) -> None:
    ex.query["page"] = "1"


# --------------------------------------------------------------------- payload

DRIFT_NAMES = {
    "created_at": "creation_time",
    "createdAt": "creation_time",
    "called_time": "creation_time",
    "duration_seconds": "call_duration",
    "duration": "call_duration",
    "duration_sec": "call_duration",
    "to_phone_number": "recipient",
    "to_number": "recipient",
    "from_phone_number": "caller_id",
    "from_number": "caller_id",
    "ended_at": "endTime",
    "end_reason": "hangup_cause",
    "analysis": "insights",
    "postcallanalysis": "insights",
    "post_call_analysis": "insights",
    "metadata": "meta_data",
    "called_at": "dialed_at",
    "timestamp": "dialed_at",
}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _payload_drift(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    for rec in records(obj):
        for key in list(rec):
            if key in ("id", "status"):
                continue
            new = DRIFT_NAMES.get(key) or _camel(key)
            if new != key:
                rec[new] = rec.pop(key)
    return obj


def _payload_unknown_status(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    values = tuple(a.param("values"))
    for i, rec in enumerate(records(obj)):
        if "status" in rec:
            rec["status"] = _cycle(values, i + a.n)
    return obj


def _payload_wrong_types(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    for i, rec in enumerate(records(obj)):
        n = i + a.n
        for key in DURATION_KEYS:
            if key in rec:
                value = rec[key]
                rec[key] = _cycle((str(value), "abc", -3, 1e30, None), n)
        if n % 3 == 0 and "metadata" in rec:
            rec["metadata"] = "not an object"
        if n % 3 == 1:
            for key in ("analysis", "postcallanalysis", "post_call_analysis"):
                if key in rec:
                    rec[key] = []
        if n % 3 == 2:
            for key in ("created_at", "createdAt", "called_at"):
                if key in rec:
                    rec[key] = 1714557600
        if n % 4 == 3 and "attempt" in rec:
            rec["attempt"] = str(rec["attempt"])
    return obj


def _payload_missing(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    recs = records(obj)
    if recs:
        recs[0].pop("id", None)
    if len(recs) > 1:
        recs[1].pop("status", None)
    return obj


def _payload_extra(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    for rec in records(obj):
        rec["fallback_stt_transcriber_id"] = None
        rec["x_unknown_field"] = {"nested": [1, 2, {"deep": None}]}
        rec["agent_version_number"] = 3
    if isinstance(obj, dict):
        obj["request_id"] = "req_sim"
    return obj


def _payload_null_envelope(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    if isinstance(obj, list):
        return None
    if not isinstance(obj, dict):
        return obj
    variant = a.n % 3
    if "meta" in obj:
        if variant == 0:
            obj["data"] = None
        elif variant == 1:
            obj["meta"] = None
        elif isinstance(obj["meta"], dict):
            obj["meta"].pop("totalPages", None)
    elif "items" in obj or "callLogs" in obj:
        key = "items" if "items" in obj else "callLogs"
        if variant == 0:
            obj[key] = None
        else:
            obj["total"] = None
    return obj


def _payload_shrinking_total(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    if not isinstance(obj, dict):
        return obj
    holder = obj["meta"] if isinstance(obj.get("meta"), dict) else obj
    if not isinstance(holder.get("total"), int):
        return obj
    limit = holder.get("limit")
    step = limit if isinstance(limit, int) and limit > 0 else 20
    if a.n % 5 == 4:
        holder["total"] = -1
    else:
        holder["total"] = max(0, holder["total"] - a.n * step)
    return obj


def _payload_bad_times(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    values = (
        "2024-05-01T10:00:00",
        1714557600,
        "2099-01-01T00:00:00.000Z",
        "0001-01-01T00:00:00Z",
        "Invalid Date",
        "2024-05-01T10:00:00+05:30",
    )
    for i, rec in enumerate(records(obj)):
        for key in TIME_KEYS:
            if key in rec and rec[key] is not None:
                rec[key] = _cycle(values, i + a.n)
    return obj


def _payload_nan(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    values = (math.nan, math.inf, -math.inf)
    for i, rec in enumerate(records(obj)):
        for key in DURATION_KEYS:
            if key in rec:
                rec[key] = _cycle(values, i + a.n)
    if isinstance(obj, dict) and isinstance(obj.get("meta"), dict):
        obj["meta"]["totalPages"] = math.inf
    return obj


def _payload_duplicates(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    items = item_list(obj)
    if items:
        items.append(json.loads(json.dumps(items[0])))
        if len(items) > 2:
            items.insert(1, json.loads(json.dumps(items[-2])))
    return obj


def _payload_retry_shuffle(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    rows = item_list(obj)
    if not rows:
        return obj
    variant = a.n % 4
    if variant == 0:
        rows.reverse()
    elif variant == 1:
        rows.insert(0, json.loads(json.dumps(rows[-1])))
    elif variant == 2:
        for row in rows:
            if isinstance(row, dict) and isinstance(row.get("attempt"), int):
                row["attempt"] -= 1
    elif len(rows) > 2:
        del rows[1]
    else:
        rows.append(json.loads(json.dumps(rows[0])))
    return obj


def _payload_path_ids(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    values = ("../campaigns", "call_1?x=1", "a/b", "%2F", "call_" + "x" * 10_000)
    for i, rec in enumerate(records(obj)):
        if "id" in rec:
            rec["id"] = _cycle(values, i + a.n)
    return obj


def _payload_huge(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    recs = records(obj)
    if recs:
        recs[0]["analysis"] = {"blob": "x" * int(a.param("size"))}
    return obj


def _payload_hostile(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    cases = a.param("cases")
    if isinstance(cases, str):
        cases = tuple(c for c in cases.replace("+", " ").split() if c)
    texts = strings_for(cases)
    statuses = statuses_for(cases)
    urls = cases is None or "T5" in cases
    for i, rec in enumerate(records(obj)):
        n = i + a.n
        if texts:
            text = _cycle(texts, n)
            meta = rec.get("metadata")
            if isinstance(meta, dict):
                meta["customer_name"] = text
                meta["notes"] = _cycle(texts, n + 1)
            for key in ("name", "title"):
                if key in rec:
                    rec[key] = text
            if rec.get("end_reason") is not None:
                rec["end_reason"] = _cycle(texts, n + 2)
            analysis = rec.get("analysis")
            if isinstance(analysis, dict) and analysis:
                analysis["interest_level"] = _cycle(texts, n + 3)
            if rec.get("sentiment") is not None and n % 2:
                rec["sentiment"] = _cycle(texts, n + 4)
        if statuses and "status" in rec and n % 3 == 0:
            rec["status"] = _cycle(statuses, n)
        if urls and rec.get("recording_url"):
            rec["recording_url"] = _cycle(HOSTILE_URLS, n)
    return obj


# ----------------------------------------------------------------------- bytes


def _bytes_html(a: Activation, ex: Exchange, body: bytes) -> bytes:
    return b"<html>502 Bad Gateway</html>"


def _bytes_empty(a: Activation, ex: Exchange, body: bytes) -> bytes:
    return bytes(_cycle((b"", b"null", b"[]", b"{}"), a.n))


def _bytes_truncated(a: Activation, ex: Exchange, body: bytes) -> bytes:
    return body[: max(1, int(len(body) * 0.6))] if len(body) > 2 else b'{"data":[{"id":'


def _bytes_invalid(a: Activation, ex: Exchange, body: bytes) -> bytes:
    if a.n % 2 == 0:
        return body.replace(b'"', b"'", 6)
    return body[:-1] + b",}"


def _bytes_bad_utf8(a: Activation, ex: Exchange, body: bytes) -> bytes:
    marker = body.find(b'"id": "')
    if marker < 0:
        marker = body.find(b'"id":"')
    if marker >= 0:
        at = body.index(b'"', body.index(b":", marker) + 1) + 1
        body = body[:at] + b"\xff\xfe\\ud800" + body[at:]
    return body


# ----------------------------------------------------------------- catalogue


def build_catalogue(clock: Clock) -> dict[str, FaultSpec]:
    """Every fault, by id. Built per controller because a few read the clock."""
    specs = [
        # Payload and schema drift (FAULTS §4.2)
        FaultSpec("P1", "200 with an HTML body (Content-Type application/json)", BYTES,
                  _bytes_html, ("html-200",)),
        FaultSpec("P2", "empty body, then null, [] and {} in turn", BYTES, _bytes_empty,
                  ("empty-body",)),
        FaultSpec("P3", "truncated JSON (Content-Length matches the cut body)", BYTES,
                  _bytes_truncated, ("truncated",)),
        FaultSpec("invalid-json", "JSON that does not parse (single quotes, stray comma)", BYTES,
                  _bytes_invalid, ("bad-json",)),
        FaultSpec("P4", "nulls and wrong types: durations as '145', 'abc', -3, 1e30, null; "
                  "metadata a string; analysis a list; timestamps as ints", PAYLOAD,
                  _payload_wrong_types, ("wrong-types", "nulls")),
        FaultSpec("P5", "status values drift: NO-ANSWER, ' completed ', voicemail_detected, "
                  "transferred, hangup and unknown words", PAYLOAD, _payload_unknown_status,
                  ("unknown-status",),
                  {"values": ("NO-ANSWER", " completed ", "voicemail_detected", "transferred",
                              "hangup", "mystery_state", "Completed", "")}),
        FaultSpec("P6", "a row without id and a row without status on each page", PAYLOAD,
                  _payload_missing, ("missing-fields",)),
        FaultSpec("P7", "extra unknown fields on every record and envelope", PAYLOAD,
                  _payload_extra, ("extra-fields",)),
        FaultSpec("drift", "field names drift (creation_time, call_duration, recipient, "
                  "camelCase...): the monitor must show gaps, not crash", PAYLOAD,
                  _payload_drift, ("field-drift",)),
        FaultSpec("P8", "data: null, meta: null, or meta without totalPages, in turn", PAYLOAD,
                  _payload_null_envelope, ("null-envelope",)),
        FaultSpec("P9", "the total shrinks while paging (and turns negative now and then)",
                  PAYLOAD, _payload_shrinking_total, ("shrinking-total",)),
        FaultSpec("P10", "the same first page whatever page is asked for", REQUEST,
                  _request_same_page, ("same-page",)),
        FaultSpec("P11", "timestamps without zone, as epoch ints, far future, year 1, "
                  "'Invalid Date'", PAYLOAD, _payload_bad_times, ("bad-times",)),
        FaultSpec("P12", "NaN and Infinity literals in durations and totalPages", PAYLOAD,
                  _payload_nan, ("nan",)),
        FaultSpec("P13", "duplicate records within a page", PAYLOAD, _payload_duplicates,
                  ("duplicate-ids",)),
        FaultSpec("P14", "one record carries a 6 MiB analysis object", PAYLOAD, _payload_huge,
                  ("huge-body",), {"size": 6 * 1024 * 1024}),
        FaultSpec("P16", "invalid UTF-8 bytes and a lone surrogate inside a string", BYTES,
                  _bytes_bad_utf8, ("bad-utf8",)),
        FaultSpec("P17", "retry attempts out of order, duplicated, 0-based or with a gap",
                  PAYLOAD, _payload_retry_shuffle, ("retry-shuffle",), applies=_is_retries),
        FaultSpec("P18", "ids with path characters: ../campaigns, call_1?x=1, a/b, %2F, 10 KB",
                  PAYLOAD, _payload_path_ids, ("path-ids",)),
        FaultSpec("P20", "X-RateLimit-Reset as a unix epoch instead of seconds", HEADERS,
                  _noop, ("reset-epoch",)),
        FaultSpec("hostile", "hostile strings (T1-T16 markup, escapes, OSC 8/52, bidi, "
                  "zero-width, CJK/emoji, 10,000-char names; T17 statuses) in names, "
                  "metadata, end reasons and analysis", PAYLOAD, _payload_hostile,
                  ("hostile-strings",), {"cases": None}),
        # Network and HTTP (FAULTS §4.3)
        FaultSpec("N4", "no answer within any client deadline (waits an hour of clock time)",
                  DELAY, _delay, ("timeout",), {"delay": 3600.0}),
        FaultSpec("N5", "body trickles one byte every 0.5 s", TRANSPORT, _noop, ("trickle",),
                  {"interval": 0.5}),
        FaultSpec("N7", "connection reset in the middle of the body", TRANSPORT, _noop,
                  ("reset", "N22")),
        FaultSpec("N8", "429 with Retry-After: 7", GATE, _gate_429_retry_after,
                  ("429-retry-after",), {"retry_after": 7}),
        FaultSpec("N9", "429 with an HTTP-date Retry-After: future, past, an hour ahead", GATE,
                  _gate_429_http_date(clock), ("429-http-date",), {"offsets": (10, -30, 3600)}),
        FaultSpec("N10", "429 with a broken Retry-After: -5, abc, 1.5, 99999999", GATE,
                  _gate_429_bad, ("429-bad-retry-after",),
                  {"values": ("-5", "abc", "1.5", "99999999")}),
        FaultSpec("N11", "every request 429 (a storm); Retry-After on every other one by "
                  "default (retry_after=mixed|none|<seconds>)", GATE, _gate_429_storm,
                  ("429-storm",), {"retry_after": "mixed"}),
        FaultSpec("N12", "5xx burst with vendor JSON bodies: 500, 502, 503 (+Retry-After), 504",
                  GATE, _gate_5xx_json, ("5xx-json", "5xx"), {"codes": (500, 502, 503, 504)}),
        FaultSpec("N21", "5xx with HTML gateway pages (every 4th padded to 2 MB)", GATE,
                  _gate_5xx_html, ("5xx-html",), {"codes": (502, 503, 504, 500), "big_every": 4}),
        FaultSpec("N13", "the key is revoked: 401 on every request until switched off", GATE,
                  _gate_revoked, ("revoke-key", "401")),
        FaultSpec("N14", "403 on the retries endpoint only", GATE, _gate_forbidden,
                  ("403-retries",), applies=_is_retries),
        FaultSpec("403", "403 on every path in scope", GATE, _gate_forbidden, ("forbidden",)),
        FaultSpec("N15", "404 for objects by id (the call was deleted)", GATE, _gate_gone,
                  ("call-gone", "gone"), applies=_is_object_path),
        FaultSpec("N16", "302 to another origin", GATE, _gate_redirect, ("redirect",),
                  {"target": "http://evil.example"}),
        FaultSpec("N18", "slow answers (4 s of clock time by default; delay=<s>)", DELAY, _delay,
                  ("slow",), {"delay": 4.0}),
        FaultSpec("N20", "flapping: up and down (503) for `period` clock seconds each", GATE,
                  _gate_flap, ("flap",), {"period": 30.0}),
        FaultSpec("no-call-logs", "the paths the OpenAPI lacks (/call-logs*, /campaigns*) "
                  "answer NestJS's route-not-found 404, so the client must fall back", GATE,
                  _gate_no_reference, ("no-reference-endpoints",), applies=_is_reference_path),
    ]  # fmt: skip
    for case in HOSTILE_CASES:
        description = f"hostile strings of FAULTS case {case} only"
        specs.append(
            FaultSpec(case, description, PAYLOAD, _payload_hostile, (), {"cases": (case,)})
        )
    return {s.id: s for s in specs}


def _noop(*_: Any) -> None:
    return None


def _delay(a: Activation, ex: Exchange) -> float:
    return float(a.param("delay"))


class FaultController:
    """Which faults are on, where and how often; consulted once per request.

    Args:
        clock: the injected clock (time windows, flapping, HTTP dates).
        seed: for probability draws, so a scripted run repeats exactly.
    """

    def __init__(self, clock: Clock, seed: int = 0) -> None:
        self.clock = clock
        self.catalogue = build_catalogue(clock)
        self.aliases = {a: spec.id for spec in self.catalogue.values() for a in spec.aliases}
        self._rng = random.Random(seed)
        self._origin = clock.monotonic()
        self._active: list[Activation] = []

    def resolve(self, name: str) -> FaultSpec:
        """A catalogue entry by id or alias (case-insensitive); KeyError naming the choices."""
        key = name.strip()
        for candidate in (key, key.upper(), key.lower()):
            if candidate in self.catalogue:
                return self.catalogue[candidate]
            if candidate in self.aliases:
                return self.catalogue[self.aliases[candidate]]
        raise KeyError(f"unknown fault {name!r}; known: {', '.join(self.names())}")

    def names(self) -> list[str]:
        return sorted([*self.catalogue, *self.aliases])

    def enable(
        self,
        fault: str,
        *,
        scope: str | None = None,
        probability: float = 1.0,
        count: int | None = None,
        at: float | None = None,
        until: float | None = None,
        **params: Any,
    ) -> Activation:
        """Switch a fault on; `at`/`until` are clock seconds from now (scripting)."""
        spec = self.resolve(fault)
        now = self.clock.monotonic()
        activation = Activation(
            spec,
            scope=_normalise_scope(scope),
            probability=probability,
            count=count,
            at=None if at is None else now + at,
            until=None if until is None else now + until,
            params=dict(params),
            origin=now,
        )
        self._active.append(activation)
        return activation

    def disable(self, fault: str) -> int:
        """Switch off every activation of this fault; how many there were."""
        fid = self.resolve(fault).id
        before = len(self._active)
        self._active = [a for a in self._active if a.id != fid]
        return before - len(self._active)

    def clear(self) -> None:
        self._active.clear()

    def active(self) -> list[Activation]:
        return list(self._active)

    def is_active(self, fault: str) -> bool:
        fid = self.resolve(fault).id
        return any(a.id == fid for a in self._active)

    def script(self, steps: Iterable[tuple[float, float | None, str, Mapping[str, Any]]]) -> None:
        """Schedule faults: (start s, end s or None, fault, options) relative to now."""
        for at, until, fault, options in steps:
            self.enable(fault, at=at, until=until, **dict(options))

    def apply_specs(self, text: str | Iterable[str]) -> list[Activation]:
        """Switch on faults from the command-line form (see `parse_fault_specs`)."""
        return [self.enable(name, **opts) for name, opts in parse_fault_specs(text)]

    def fire(self, path: str, now: float) -> list[Activation]:
        """The activations that act on this request, each counted as fired."""
        fired: list[Activation] = []
        spent = False
        for a in self._active:
            if a.at is not None and now < a.at:
                continue
            if a.until is not None and now >= a.until:
                continue
            if a.scope is not None and not path.startswith(a.scope):
                continue
            if a.spec.applies is not None and not a.spec.applies(path):
                continue
            if a.probability < 1.0 and self._rng.random() >= a.probability:
                continue
            a.n = a.fired
            a.fired += 1
            fired.append(a)
            if a.count is not None:
                a.count -= 1
                spent = spent or a.count <= 0
        if spent:
            self._active = [a for a in self._active if a.count is None or a.count > 0]
        return fired

    def describe(self) -> list[dict[str, Any]]:
        """The catalogue, for `/_sim/faults` and help texts."""
        return [
            {
                "id": s.id,
                "aliases": list(s.aliases),
                "stage": s.stage,
                "description": s.description,
                "active": any(a.id == s.id for a in self._active),
            }
            for s in self.catalogue.values()
        ]


def _normalise_scope(scope: str | None) -> str | None:
    if not scope:
        return None
    scope = scope if scope.startswith("/") else "/" + scope
    return scope if scope.startswith(("/v1", "/_sim")) else "/v1" + scope


_OPTION_KEYS = {"scope": "scope", "p": "probability", "probability": "probability",
                "n": "count", "count": "count", "at": "at", "until": "until"}  # fmt: skip


def parse_fault_specs(text: str | Iterable[str]) -> list[tuple[str, dict[str, Any]]]:
    """`"slow:delay=2,5xx-json:p=0.3:scope=/calls,429-storm:at=30:until=60"` to (name, options).

    Options: `scope` (path prefix), `p` (probability), `n` (count), `at`/`until` (clock seconds
    from start); anything else is a fault parameter (numbers are converted).
    """
    parts = [text] if isinstance(text, str) else list(text)
    out: list[tuple[str, dict[str, Any]]] = []
    for part in parts:
        for item in part.split(","):
            item = item.strip()
            if not item:
                continue
            name, *opts = item.split(":")
            options: dict[str, Any] = {}
            for opt in opts:
                key, sep, value = opt.partition("=")
                if not sep:
                    raise ValueError(f"fault option {opt!r} in {item!r} is not key=value")
                target = _OPTION_KEYS.get(key.strip(), key.strip())
                options[target] = _convert(target, value.strip())
            out.append((name.strip(), options))
    return out


def _convert(key: str, value: str) -> Any:
    if key == "scope":
        return value
    if key == "count":
        return int(value)
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and key not in ("probability",) else number
