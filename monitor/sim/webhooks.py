"""What the simulator's webhook sender posts, and the delivery faults it can add (issue 22).

Pure: the sender (`monitor.sim.webhook_sender`) pushes each call event here as the world
handles it and asks, on its own clock, which posts are due. Each call is spelled in one of the
three families of API sheet section 12, chosen by its id so a call keeps its family:

- `A`: `call.completed` / `call.failed` / `call.no_answer` with the call as `data` (this
  family has no start event, so only endings are sent);
- `B`: `call.started` / `call.ended` with the call under `data.call`;
- `C`: `{event_type: call_initiated | call_ended, payload: {call: ...}}` in the webhook's own
  spellings (`initiated_at`, `disconnection_reason`, `duration_in_seconds`, `to_number`).

Faults (`drop=P,dup=P,reorder=P,delay=P,badsig=P`, each a probability, seeded): a dropped
delivery is never posted; a duplicate is posted twice; a reordered one is held back and posted
after the next; a delayed one waits 2-8 s; a badly signed one is signed with another secret
(the receiver must refuse it, so its ending is as good as dropped).
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any

from monitor.api.webhook import sign

FAULT_NAMES = ("drop", "dup", "reorder", "delay", "badsig")
DELAY_S = (2.0, 8.0)
DUP_AFTER_S = 0.5
REORDER_HOLD_S = 3.0
"""A held-back delivery goes after the next one, or after this long if none comes."""
HEADERS = ("x-nexa-signature", "X-DialNexa-Signature")

_ENDED_A = {"completed": "call.completed", "voicemail": "call.completed", "no_answer":
            "call.no_answer"}  # fmt: skip


def parse_faults(spec: str) -> dict[str, float]:
    """`drop=0.1,dup=0.2` as probabilities; a bare name means always (1.0)."""
    faults: dict[str, float] = {}
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        name, _, value = item.partition("=")
        name = name.strip()
        if name not in FAULT_NAMES:
            raise ValueError(
                f"unknown webhook fault {name!r}; choose from {', '.join(FAULT_NAMES)}"
            )
        try:
            p = float(value) if value else 1.0
        except ValueError:
            raise ValueError(f"webhook fault {name}: {value!r} is not a probability") from None
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"webhook fault {name}: {p} is not between 0 and 1")
        faults[name] = p
    return faults


def family_of(call_id: str) -> str:
    return "ABC"[hashlib.sha256(call_id.encode()).digest()[0] % 3]


def event_doc(record: dict[str, Any], *, ended: bool, status: str, delivery_id: str,
              at: str | None) -> dict[str, Any] | None:  # fmt: skip
    """The delivery's JSON for one event of a call rendered as the API renders it; None when
    the call's family has no event for it."""
    call_id = str(record["id"])
    family = family_of(call_id)
    if family == "A":
        if not ended:
            return None
        event = _ENDED_A.get(status, "call.failed")
        return {"event": event, "delivery_id": delivery_id, "created_at": at, "data": record}
    if family == "B":
        event = "call.ended" if ended else "call.started"
        return {"type": event, "event_id": delivery_id, "data": {"call": record}}
    call = dict(record)
    for old, new in (
        ("created_at", "initiated_at"), ("createdAt", "initiated_at"),
        ("called_time", "initiated_at"), ("end_reason", "disconnection_reason"),
        ("duration_seconds", "duration_in_seconds"), ("duration", "duration_in_seconds"),
        ("duration_sec", "duration_in_seconds"), ("to_phone_number", "to_number"),
    ):  # fmt: skip
        if old in call:
            call[new] = call.pop(old)
    return {
        "event_type": "call_ended" if ended else "call_initiated",
        "id": delivery_id,
        "payload": {"call": call},
    }


@dataclass(frozen=True, slots=True)
class Post:
    body: bytes
    headers: dict[str, str]
    call_id: str
    ended: bool
    fault: str | None = None


@dataclass
class Outbox:
    """Deliveries waiting to be posted, faults applied as they are pushed."""

    secret: bytes
    faults: dict[str, float] = field(default_factory=dict)
    seed: int = 7
    sent: int = 0
    pushed: int = 0
    dropped: list[str] = field(default_factory=list)
    """Call ids whose ending was dropped or badly signed (the receiver cannot have it)."""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FAULT_NAMES, 0))
    _rng: random.Random = field(init=False)
    _queue: list[tuple[float, int, Post]] = field(default_factory=list)
    _held: tuple[float, Post] | None = None
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def _hit(self, name: str) -> bool:
        p = self.faults.get(name, 0.0)
        return p > 0 and self._rng.random() < p

    def _put(self, at: float, post: Post) -> None:
        heapq.heappush(self._queue, (at, next(self._seq), post))

    def push(self, doc: dict[str, Any], *, call_id: str, ended: bool, now: float) -> None:
        """One delivery at `now` (the sender's clock), faults drawn in a fixed order."""
        body = json.dumps(doc, separators=(",", ":")).encode()
        self.pushed += 1
        header = HEADERS[self.pushed % 2]  # both documented names, alternately
        if self._hit("drop"):
            self.counts["drop"] += 1
            if ended:
                self.dropped.append(call_id)
            return
        fault: str | None = None
        if self._hit("badsig"):
            self.counts["badsig"] += 1
            fault = "badsig"
            if ended:
                self.dropped.append(call_id)
            signature = sign(body, self.secret + b"-not-it")
        else:
            signature = sign(body, self.secret)
        post = Post(body, {header: signature, "content-type": "application/json"}, call_id,
                    ended, fault)  # fmt: skip
        at = now
        if self._hit("delay"):
            self.counts["delay"] += 1
            at = now + self._rng.uniform(*DELAY_S)
        if self._hit("dup"):
            self.counts["dup"] += 1
            self._put(at + DUP_AFTER_S, post)
        held, self._held = self._held, None
        if held is None and self._hit("reorder"):
            self.counts["reorder"] += 1
            self._held = (at, post)
            return
        self._put(at, post)
        if held is not None:
            self._put(max(at, held[0]), held[1])  # after this one: out of order

    def due(self, now: float) -> list[Post]:
        """The posts to send now, in order."""
        if self._held is not None and now - self._held[0] >= REORDER_HOLD_S:
            self._put(now, self._held[1])
            self._held = None
        out: list[Post] = []
        while self._queue and self._queue[0][0] <= now:
            out.append(heapq.heappop(self._queue)[2])
        self.sent += len(out)
        return out

    def pending(self) -> int:
        return len(self._queue) + (self._held is not None)


__all__ = ["FAULT_NAMES", "HEADERS", "Outbox", "Post", "event_doc", "family_of", "parse_faults"]
