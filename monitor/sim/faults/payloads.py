"""Faults that rewrite the decoded JSON of a successful answer (FAULTS §4.2 and §4.1):
drift, wrong types, broken envelopes, odd retries, hostile strings."""

from __future__ import annotations

import json
import math

from monitor.sim.faults.core import (
    DURATION_KEYS,
    JSON,
    TIME_KEYS,
    Activation,
    Exchange,
    cycle,
    item_list,
    records,
)
from monitor.sim.hostile import HOSTILE_URLS, statuses_for, strings_for

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


def drift(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    for rec in records(obj):
        for key in list(rec):
            if key in ("id", "status"):
                continue
            new = DRIFT_NAMES.get(key) or _camel(key)
            if new != key:
                rec[new] = rec.pop(key)
    return obj


def unknown_status(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    values = tuple(a.param("values"))
    for i, rec in enumerate(records(obj)):
        if "status" in rec:
            rec["status"] = cycle(values, i + a.n)
    return obj


def wrong_types(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    for i, rec in enumerate(records(obj)):
        n = i + a.n
        for key in DURATION_KEYS:
            if key in rec:
                value = rec[key]
                rec[key] = cycle((str(value), "abc", -3, 1e30, None), n)
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


def missing(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    recs = records(obj)
    if recs:
        recs[0].pop("id", None)
    if len(recs) > 1:
        recs[1].pop("status", None)
    return obj


def extra(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    for rec in records(obj):
        rec["fallback_stt_transcriber_id"] = None
        rec["x_unknown_field"] = {"nested": [1, 2, {"deep": None}]}
        rec["agent_version_number"] = 3
    if isinstance(obj, dict):
        obj["request_id"] = "req_sim"
    return obj


def null_envelope(a: Activation, ex: Exchange, obj: JSON) -> JSON:
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


def shrinking_total(a: Activation, ex: Exchange, obj: JSON) -> JSON:
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


def bad_times(a: Activation, ex: Exchange, obj: JSON) -> JSON:
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
                rec[key] = cycle(values, i + a.n)
    return obj


def nan(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    values = (math.nan, math.inf, -math.inf)
    for i, rec in enumerate(records(obj)):
        for key in DURATION_KEYS:
            if key in rec:
                rec[key] = cycle(values, i + a.n)
    if isinstance(obj, dict) and isinstance(obj.get("meta"), dict):
        obj["meta"]["totalPages"] = math.inf
    return obj


def duplicates(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    items = item_list(obj)
    if items:
        items.append(json.loads(json.dumps(items[0])))
        if len(items) > 2:
            items.insert(1, json.loads(json.dumps(items[-2])))
    return obj


def retry_shuffle(a: Activation, ex: Exchange, obj: JSON) -> JSON:
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


def path_ids(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    values = ("../campaigns", "call_1?x=1", "a/b", "%2F", "call_" + "x" * 10_000)
    for i, rec in enumerate(records(obj)):
        if "id" in rec:
            rec["id"] = cycle(values, i + a.n)
    return obj


def huge(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    recs = records(obj)
    if recs:
        recs[0]["analysis"] = {"blob": "x" * int(a.param("size"))}
    return obj


def hostile(a: Activation, ex: Exchange, obj: JSON) -> JSON:
    cases = a.param("cases")
    if isinstance(cases, str):
        cases = tuple(c for c in cases.replace("+", " ").split() if c)
    texts = strings_for(cases)
    statuses = statuses_for(cases)
    urls = cases is None or "T5" in cases
    for i, rec in enumerate(records(obj)):
        n = i + a.n
        if texts:
            text = cycle(texts, n)
            meta = rec.get("metadata")
            if isinstance(meta, dict):
                meta["customer_name"] = text
                meta["notes"] = cycle(texts, n + 1)
            for key in ("name", "title"):
                if key in rec:
                    rec[key] = text
            if rec.get("end_reason") is not None:
                rec["end_reason"] = cycle(texts, n + 2)
            analysis = rec.get("analysis")
            if isinstance(analysis, dict) and analysis:
                analysis["interest_level"] = cycle(texts, n + 3)
            if rec.get("sentiment") is not None and n % 2:
                rec["sentiment"] = cycle(texts, n + 4)
        if statuses and "status" in rec and n % 3 == 0:
            rec["status"] = cycle(statuses, n)
        if urls and rec.get("recording_url"):
            rec["recording_url"] = cycle(HOSTILE_URLS, n)
    return obj
