"""The simulator's own control surface under `/_sim/` (outside `/v1`, not rate limited, not
logged): a scorecard switches faults and reads ground truth while `dialnexa-monitor sim` runs.

GET only and behind the same key as the API (the gateway's `ReadOnly` and `BearerAuth` layers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from monitor.sim.faults.controller import parse_fault_specs
from monitor.sim.faults.core import Reply, vendor_error
from monitor.sim.gateway import BearerAuth, ReadOnly
from monitor.sim.replies import respond
from monitor.sim.vocabulary import DIALECTS

if TYPE_CHECKING:
    from monitor.sim.server import SimServer

Action = Callable[[dict[str, str]], Any]


def control_app(server: SimServer) -> ASGIApp:
    """The control routes behind the GET-only rule and the key check."""
    actions: dict[str, Action] = {
        "/_sim/faults": lambda q: {
            "catalogue": server.faults.describe(),
            "active": _active(server),
        },
        "/_sim/faults/enable": lambda q: _enable(server, q),
        "/_sim/faults/disable": lambda q: _disable(server, q),
        "/_sim/faults/clear": lambda q: _clear(server),
        "/_sim/dialect": lambda q: _dialect(server, q),
        "/_sim/state": lambda q: _state(server),
        "/_sim/requests": lambda q: _requests(server, q),
    }
    routes = [Route(path, _serve(action), methods=["GET"]) for path, action in actions.items()]
    router = Router(routes, default=_not_found, redirect_slashes=False)
    return ReadOnly(BearerAuth(router, server), server)


def _serve(action: Action) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        try:
            return respond(Reply(200, action(dict(request.query_params))))
        except (KeyError, ValueError) as exc:
            return respond(Reply(400, vendor_error(400, str(exc).strip("'\""))))

    return serve


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    await respond(Reply(404, vendor_error(404, f"Cannot GET {scope['path']}")))(
        scope, receive, send
    )


def _active(server: SimServer) -> list[dict[str, Any]]:
    return [a.describe() for a in server.faults.active()]


def _enable(server: SimServer, q: dict[str, str]) -> Any:
    fault = q.pop("fault", q.pop("id", ""))
    text = "x" + "".join(f":{k}={v}" for k, v in q.items())
    server.faults.enable(fault, **parse_fault_specs(text)[0][1])
    return {"active": _active(server)}


def _disable(server: SimServer, q: dict[str, str]) -> Any:
    server.faults.disable(q.get("fault", q.get("id", "")))
    return {"active": _active(server)}


def _clear(server: SimServer) -> Any:
    server.faults.clear()
    return {"active": []}


def _dialect(server: SimServer, q: dict[str, str]) -> Any:
    wanted = q.get("set")
    if wanted:
        if wanted not in DIALECTS:
            raise ValueError(f"unknown dialect {wanted!r}")
        server.dialect = wanted
    return {"dialect": server.dialect}


def _state(server: SimServer) -> Any:
    server.world.sync()
    return server.state()


def _requests(server: SimServer, q: dict[str, str]) -> Any:
    limit = int(q.get("limit", "100"))
    rows = [asdict(e) for e in server.requests.entries[-limit:]]
    return {"total": server.requests.total, "data": rows}
