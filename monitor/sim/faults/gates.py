"""Faults that answer instead of the endpoint (FAULTS §4.3): 5xx, 429s, 401, 403, 404,
redirects, flapping, missing reference routes; and P10, which rewrites the query first."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

from monitor.clock import Clock
from monitor.sim.faults.core import (
    STATUS_NAMES,
    Activation,
    Behaviour,
    Exchange,
    Reply,
    cycle,
    query_text,
    route_not_found,
    vendor_error,
)


def server_error_json(a: Activation, ex: Exchange) -> Reply:
    code = int(cycle(tuple(a.param("codes")), a.n))
    headers = {"Retry-After": "3"} if code == 503 and a.n % 2 == 0 else {}
    messages = {500: "Internal server error"}
    return Reply(code, vendor_error(code, messages.get(code, STATUS_NAMES[code])), headers=headers)


HTML_ERROR = (
    "<html>\r\n<head><title>{code} {name}</title></head>\r\n<body>\r\n<center><h1>{code} {name}"
    "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def server_error_html(a: Activation, ex: Exchange) -> Reply:
    code = int(cycle(tuple(a.param("codes")), a.n))
    page = HTML_ERROR.format(code=code, name=STATUS_NAMES[code]).encode()
    every = int(a.param("big_every", 0))
    if every and a.n % every == every - 1:
        page += b"<!-- " + b"x" * (2 * 1024 * 1024) + b" -->"
    return Reply(code, raw=page, media_type="text/html")


def too_many(headers: dict[str, str]) -> Reply:
    return Reply(429, vendor_error(429, "Too Many Requests"), headers=headers)


def too_many_retry_after(a: Activation, ex: Exchange) -> Reply:
    return too_many({"Retry-After": str(a.param("retry_after"))})


def too_many_http_date(clock: Clock) -> Behaviour:
    def gate(a: Activation, ex: Exchange) -> Reply:
        offset = float(cycle(tuple(a.param("offsets")), a.n))
        when = clock.now() + timedelta(seconds=offset)
        return too_many({"Retry-After": format_datetime(when, usegmt=True)})

    return gate


def too_many_bad_retry_after(a: Activation, ex: Exchange) -> Reply:
    return too_many({"Retry-After": str(cycle(tuple(a.param("values")), a.n))})


def too_many_storm(a: Activation, ex: Exchange) -> Reply:
    mode = str(a.param("retry_after"))
    if mode == "none":
        return too_many({})
    if mode == "mixed":
        return too_many({"Retry-After": "5"} if a.n % 2 == 0 else {})
    return too_many({"Retry-After": mode})


def revoked(a: Activation, ex: Exchange) -> Reply:
    return Reply(401, vendor_error(401, "API key has been revoked"))


def forbidden(a: Activation, ex: Exchange) -> Reply:
    return Reply(403, vendor_error(403, "You do not have permission to read call data"))


def gone(a: Activation, ex: Exchange) -> Reply:
    kind = "Campaign" if ex.path.startswith(("/v1/campaigns", "/v1/batch-calls")) else "Call"
    return Reply(404, vendor_error(404, f"{kind} not found"))


def redirect(a: Activation, ex: Exchange) -> Reply:
    return Reply(302, None, raw=b"", headers={"Location": str(a.param("target")) + ex.path})


def flap(a: Activation, ex: Exchange) -> Reply | None:
    period = float(a.param("period"))
    if int((ex.now - a.origin) // period) % 2 == 1:
        return Reply(503, vendor_error(503, "Service Unavailable"))
    return None


def no_reference(a: Activation, ex: Exchange) -> Reply:
    return route_not_found(ex.method, ex.path, query_text(ex.query))


def same_page(a: Activation, ex: Exchange) -> None:
    ex.query["page"] = "1"
