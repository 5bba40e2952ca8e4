"""DialNexa webhook deliveries: the signature checked first, then the body read (issue 22).

API sheet section 12 and the OpenAPI's Create Webhook: HMAC-SHA256 over the raw body, sent as
`sha256=<hex>` in `x-nexa-signature` (OpenAPI) or `X-DialNexa-Signature` (reference site). Three
event families, every spelling accepted: `call.completed`/`call.failed`/`call.no_answer` (and
`campaign.*`), `call.started`/`call.ended`, and `{event_type: call_ended, payload: {call: …}}`.
The call inside is read by the same tolerant `Call` model as every poll (it already knows the
webhook spellings `initiated_at`, `disconnection_reason`, `duration_in_seconds`, `hangup`).

Nothing is parsed before the signature holds, the comparison is constant-time
(`hmac.compare_digest`), the body has a size limit and a JSON depth limit, and every refusal is
a `Refused` with the HTTP status a receiver should answer and a reason that never quotes the
body or the secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from monitor.api.jsonlimit import loads_limited
from monitor.api.models import Call
from monitor.api.vocab import fold

MAX_BODY_BYTES = 256 * 1024
"""A call-ended delivery is a few KB (a transcript is its own event); 256 KB leaves room for a
long analysis and refuses anything built to exhaust a relay."""
SIGNATURE_HEADERS = ("x-nexa-signature", "x-dialnexa-signature")
"""Both documented names; HTTP header names are case-insensitive, so they are matched folded."""


@dataclass(frozen=True, slots=True)
class Refused(Exception):
    status: int
    """What the receiver answers: 401 unsigned, 403 forged (signed, but not with our secret),
    413 too large, 400 unreadable."""
    reason: str

    def __str__(self) -> str:
        return f"{self.status}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Delivery:
    event: str
    """Canonical event: `call.ended`, `call.started`, `call.completed`, ... (dots, lower case)."""
    event_raw: str | None
    call: Call | None
    """The call the delivery carries, read like any poll; None for a campaign event."""
    campaign_id: str | None
    delivery_id: str
    """The delivery's own id when it has one, else the body's SHA-256: duplicates are the same."""


def sign(body: bytes, secret: bytes) -> str:
    """The header value a sender puts on `body` (for the simulator and tests)."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(body: bytes, headers: Mapping[str, str], secret: bytes) -> None:
    """Raise `Refused` unless one of the signature headers holds for `body`."""
    if len(body) > MAX_BODY_BYTES:
        raise Refused(413, f"delivery over {MAX_BODY_BYTES // 1024} KB")
    given = [v for k, v in headers.items() if k.lower() in SIGNATURE_HEADERS]
    if not given:
        raise Refused(401, "unsigned delivery (no x-nexa-signature or X-DialNexa-Signature)")
    expected = sign(body, secret).encode("ascii")
    # Every header is compared (constant time each), so a forged one beside a good one
    # neither passes nor short-circuits differently.
    good = False
    for value in given:
        candidate = value.strip().encode("utf-8", "replace")
        good = hmac.compare_digest(candidate, expected) or good
    if not good:
        raise Refused(403, "signature does not match the body")


_EVENT_KEYS = ("event", "event_type", "type")
_EVENT_WORDS = {
    "call_ended": "call.ended",
    "call_initiated": "call.started",
    "call_started": "call.started",
    "call_completed": "call.completed",
    "call_failed": "call.failed",
    "call_no_answer": "call.no_answer",
    "transfer_completed": "call.transferred",
}


def _event(doc: Mapping[str, Any]) -> tuple[str, str | None]:
    """The canonical event name: dotted family names kept (`call.transcript_ready`), the
    underscore family mapped (`call_ended` -> `call.ended`, `call_initiated` -> `call.started`)."""
    for key in _EVENT_KEYS:
        raw = doc.get(key)
        if isinstance(raw, str) and raw.strip():
            word = fold(raw)
            if "." in word:
                return word, raw
            return _EVENT_WORDS.get(word, word.replace("_", ".", 1)), raw
    return "unknown", None


def _call_object(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The call inside, wherever the family puts it."""
    for outer in ("payload", "data"):
        inner = doc.get(outer)
        if isinstance(inner, Mapping):
            call = inner.get("call")
            if isinstance(call, Mapping):
                return call
            if "id" in inner or "call_id" in inner:
                return inner
    call = doc.get("call")
    if isinstance(call, Mapping):
        return call
    return doc if "call_id" in doc or ("id" in doc and "status" in doc) else None


def parse(body: bytes) -> Delivery:
    """Read a delivery whose signature has already been verified."""
    try:
        # "utf-8-sig": a leading byte order mark is ignored, as RFC 8259 (section 8.1) allows.
        doc = loads_limited(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise Refused(400, f"not JSON ({type(exc).__name__})") from None
    if not isinstance(doc, Mapping):
        raise Refused(400, "not a JSON object")
    event, event_raw = _event(doc)
    raw_call = _call_object(doc)
    call: Call | None = None
    if raw_call is not None:
        if "id" not in raw_call and isinstance(raw_call.get("call_id"), str):
            raw_call = {**raw_call, "id": raw_call["call_id"]}
        try:
            call = Call.model_validate(raw_call)
        except ValidationError:
            raise Refused(400, "the call in the delivery has no id") from None
    campaign = doc.get("campaign_id")
    if not isinstance(campaign, str):
        campaign = call.campaign_id if call is not None else None
    given_id = next(
        (v for k in ("delivery_id", "event_id", "id") if isinstance(v := doc.get(k), str) and v),
        None,
    )
    if given_id is not None and call is not None and given_id == call.id:
        given_id = None  # a bare call record's id is the call's, not the delivery's
    return Delivery(
        event=event,
        event_raw=event_raw,
        call=call,
        campaign_id=campaign,
        delivery_id=given_id or hashlib.sha256(body).hexdigest(),
    )


def read_delivery(body: bytes, headers: Mapping[str, str], secret: bytes) -> Delivery:
    """Verify, then parse: the only way a receiver should read a delivery."""
    verify(body, headers, secret)
    return parse(body)
