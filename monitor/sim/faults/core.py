"""What every fault shares: the pipeline's stages, the vendor's error body, and an activation.

A fault acts at one stage of the server's pipeline:

- `request`: rewrites the query before routing (P10: the same page for ever);
- `gate`: answers instead of the endpoint (5xx, 429s, 401, 403, 404, redirects);
- `delay`: waits on the injected clock before answering (slow, timeout);
- `payload`: rewrites the decoded JSON of a successful answer (drift, hostile strings...);
- `bytes`: rewrites the encoded body (truncated, invalid JSON, HTML with a 200...);
- `transport`: changes how the bytes are sent (reset mid-body, trickle);
- `headers`: changes response headers (P20: the rate-limit reset as an epoch).

Each stage is one named layer around the routes (see `monitor.sim.faults.layers`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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


def cycle(values: tuple[Any, ...], n: int) -> Any:
    return values[n % len(values)]


def is_object_path(path: str) -> bool:
    parts = path.strip("/").split("/")
    return len(parts) >= 3 and parts[1] in ("calls", "call-logs", "campaigns", "batch-calls")


def is_reference_path(path: str) -> bool:
    return path.startswith(("/v1/call-logs", "/v1/campaigns"))


def is_retries(path: str) -> bool:
    return path.startswith("/v1/call-logs/") and path.rstrip("/").endswith("/retries")


def route_not_found(method: str, path: str, query: str = "") -> Reply:
    """NestJS's answer for a route that does not exist (the 'endpoint unavailable' 404)."""
    url = path + ("?" + query if query else "")
    return Reply(404, vendor_error(404, f"Cannot {method} {url}"))


def query_text(query: Mapping[str, str]) -> str:
    """The query as NestJS echoes it in a route-not-found message (decoded, not re-escaped)."""
    return "&".join(f"{k}={v}" for k, v in query.items())
