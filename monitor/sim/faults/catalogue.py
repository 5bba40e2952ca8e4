"""The fault catalogue: every way the simulator can misbehave, by name.

One list shared by `--demo --faults=...`, `dialnexa-monitor sim --faults=...`, the tests and the
reliability scorecard. Ids are FAULTS.md case ids where one matches (P1, N8, T4...), and readable
aliases name the common ones (`html-200`, `5xx-json`, `slow`, `reset`...): both are accepted
wherever a fault is named.
"""

from __future__ import annotations

from monitor.clock import Clock
from monitor.sim.faults import gates, payloads, wire
from monitor.sim.faults.core import (
    BYTES,
    DELAY,
    GATE,
    HEADERS,
    PAYLOAD,
    REQUEST,
    TRANSPORT,
    FaultSpec,
    is_object_path,
    is_reference_path,
    is_retries,
)
from monitor.sim.hostile import HOSTILE_CASES


def build_catalogue(clock: Clock) -> dict[str, FaultSpec]:
    """Every fault, by id. Built per controller because a few read the clock."""
    specs = [
        # Payload and schema drift (FAULTS §4.2)
        FaultSpec("P1", "200 with an HTML body (Content-Type application/json)", BYTES,
                  wire.html_body, ("html-200",)),
        FaultSpec("P2", "empty body, then null, [] and {} in turn", BYTES, wire.empty_body,
                  ("empty-body",)),
        FaultSpec("P3", "truncated JSON (Content-Length matches the cut body)", BYTES,
                  wire.truncated, ("truncated",)),
        FaultSpec("invalid-json", "JSON that does not parse (single quotes, stray comma)", BYTES,
                  wire.invalid_json, ("bad-json",)),
        FaultSpec("P4", "nulls and wrong types: durations as '145', 'abc', -3, 1e30, null; "
                  "metadata a string; analysis a list; timestamps as ints", PAYLOAD,
                  payloads.wrong_types, ("wrong-types", "nulls")),
        FaultSpec("P5", "status values drift: NO-ANSWER, ' completed ', voicemail_detected, "
                  "transferred, hangup and unknown words", PAYLOAD, payloads.unknown_status,
                  ("unknown-status",),
                  {"values": ("NO-ANSWER", " completed ", "voicemail_detected", "transferred",
                              "hangup", "mystery_state", "Completed", "")}),
        FaultSpec("P6", "a row without id and a row without status on each page", PAYLOAD,
                  payloads.missing, ("missing-fields",)),
        FaultSpec("P7", "extra unknown fields on every record and envelope", PAYLOAD,
                  payloads.extra, ("extra-fields",)),
        FaultSpec("drift", "field names drift (creation_time, call_duration, recipient, "
                  "camelCase...): the monitor must show gaps, not crash", PAYLOAD,
                  payloads.drift, ("field-drift",)),
        FaultSpec("P8", "data: null, meta: null, or meta without totalPages, in turn", PAYLOAD,
                  payloads.null_envelope, ("null-envelope",)),
        FaultSpec("P9", "the total shrinks while paging (and turns negative now and then)",
                  PAYLOAD, payloads.shrinking_total, ("shrinking-total",)),
        FaultSpec("P10", "the same first page whatever page is asked for", REQUEST,
                  gates.same_page, ("same-page",)),
        FaultSpec("P11", "timestamps without zone, as epoch ints, far future, year 1, "
                  "'Invalid Date'", PAYLOAD, payloads.bad_times, ("bad-times",)),
        FaultSpec("P12", "NaN and Infinity literals in durations and totalPages", PAYLOAD,
                  payloads.nan, ("nan",)),
        FaultSpec("P13", "duplicate records within a page", PAYLOAD, payloads.duplicates,
                  ("duplicate-ids",)),
        FaultSpec("P14", "one record carries a 6 MiB analysis object", PAYLOAD, payloads.huge,
                  ("huge-body",), {"size": 6 * 1024 * 1024}),
        FaultSpec("P16", "invalid UTF-8 bytes and a lone surrogate inside a string", BYTES,
                  wire.bad_utf8, ("bad-utf8",)),
        FaultSpec("P17", "retry attempts out of order, duplicated, 0-based or with a gap",
                  PAYLOAD, payloads.retry_shuffle, ("retry-shuffle",), applies=is_retries),
        FaultSpec("P18", "ids with path characters: ../campaigns, call_1?x=1, a/b, %2F, 10 KB",
                  PAYLOAD, payloads.path_ids, ("path-ids",)),
        FaultSpec("P20", "X-RateLimit-Reset as a unix epoch instead of seconds", HEADERS,
                  wire.reset_epoch, ("reset-epoch",)),
        FaultSpec("hostile", "hostile strings (T1-T16 markup, escapes, OSC 8/52, bidi, "
                  "zero-width, CJK/emoji, 10,000-char names; T17 statuses) in names, "
                  "metadata, end reasons and analysis", PAYLOAD, payloads.hostile,
                  ("hostile-strings",), {"cases": None}),
        # Network and HTTP (FAULTS §4.3)
        FaultSpec("N4", "no answer within any client deadline (waits an hour of clock time)",
                  DELAY, wire.delay, ("timeout",), {"delay": 3600.0}),
        FaultSpec("N5", "body trickles one byte every 0.5 s", TRANSPORT, wire.send_trickle,
                  ("trickle",), {"interval": 0.5}),
        FaultSpec("N7", "connection reset in the middle of the body", TRANSPORT, wire.send_reset,
                  ("reset", "N22")),
        FaultSpec("N8", "429 with Retry-After: 7", GATE, gates.too_many_retry_after,
                  ("429-retry-after",), {"retry_after": 7}),
        FaultSpec("N9", "429 with an HTTP-date Retry-After: future, past, an hour ahead", GATE,
                  gates.too_many_http_date(clock), ("429-http-date",),
                  {"offsets": (10, -30, 3600)}),
        FaultSpec("N10", "429 with a broken Retry-After: -5, abc, 1.5, 99999999", GATE,
                  gates.too_many_bad_retry_after, ("429-bad-retry-after",),
                  {"values": ("-5", "abc", "1.5", "99999999")}),
        FaultSpec("N11", "every request 429 (a storm); Retry-After on every other one by "
                  "default (retry_after=mixed|none|<seconds>)", GATE, gates.too_many_storm,
                  ("429-storm",), {"retry_after": "mixed"}),
        FaultSpec("N12", "5xx burst with vendor JSON bodies: 500, 502, 503 (+Retry-After), 504",
                  GATE, gates.server_error_json, ("5xx-json", "5xx"),
                  {"codes": (500, 502, 503, 504)}),
        FaultSpec("N21", "5xx with HTML gateway pages (every 4th padded to 2 MB)", GATE,
                  gates.server_error_html, ("5xx-html",),
                  {"codes": (502, 503, 504, 500), "big_every": 4}),
        FaultSpec("N13", "the key is revoked: 401 on every request until switched off", GATE,
                  gates.revoked, ("revoke-key", "401")),
        FaultSpec("N14", "403 on the retries endpoint only", GATE, gates.forbidden,
                  ("403-retries",), applies=is_retries),
        FaultSpec("403", "403 on every path in scope", GATE, gates.forbidden, ("forbidden",)),
        FaultSpec("N15", "404 for objects by id (the call was deleted)", GATE, gates.gone,
                  ("call-gone", "gone"), applies=is_object_path),
        FaultSpec("N16", "302 to another origin", GATE, gates.redirect, ("redirect",),
                  {"target": "http://evil.example"}),
        FaultSpec("N18", "slow answers (4 s of clock time by default; delay=<s>)", DELAY,
                  wire.delay, ("slow",), {"delay": 4.0}),
        FaultSpec("N20", "flapping: up and down (503) for `period` clock seconds each", GATE,
                  gates.flap, ("flap",), {"period": 30.0}),
        FaultSpec("no-call-logs", "the paths the OpenAPI lacks (/call-logs*, /campaigns*) "
                  "answer NestJS's route-not-found 404, so the client must fall back", GATE,
                  gates.no_reference, ("no-reference-endpoints",), applies=is_reference_path),
    ]  # fmt: skip
    for case in HOSTILE_CASES:
        description = f"hostile strings of FAULTS case {case} only"
        specs.append(
            FaultSpec(case, description, PAYLOAD, payloads.hostile, (), {"cases": (case,)})
        )
    return {s.id: s for s in specs}
