"""`dialnexa-monitor sim`: the simulator on 127.0.0.1 with uvicorn, and the same for tests.

The socket is bound before uvicorn starts, so `--port 0` can print the real port as the first
line on stdout (scripts read it). Signals: uvicorn re-raises a captured SIGINT/SIGTERM once it has
shut down, which would end the process with a traceback or a signal status; ours only ask it to
stop, so Ctrl+C and SIGTERM exit 0 cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager, contextmanager
from types import FrameType
from typing import Any

import uvicorn

from monitor.sim import Simulator
from monitor.sim.faults import SimulatedReset

HOST = "127.0.0.1"
EXIT_OK = 0
EXIT_USAGE = 2
KEEP_ALIVE_S = 5.0
"""uvicorn's default: the server closes a connection idle this long, so a client that keeps
connections longer meets a closed keep-alive connection now and then (FAULTS N6), as in life."""
GRACEFUL_SHUTDOWN_S = 1
"""Timeout and slow faults hold requests open; never let them hold up a shutdown for long."""


class _DropSimulatedResets(logging.Filter):
    """The reset fault is deliberate; uvicorn would log it as an application error."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, SimulatedReset)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, *, handle_signals: bool) -> None:
        super().__init__(config)
        self.handle_signals = handle_signals
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if not self.handle_signals or threading.current_thread() is not threading.main_thread():
            yield
            return
        wanted = [signal.SIGINT, signal.SIGTERM]
        if hasattr(signal, "SIGHUP"):
            wanted.append(signal.SIGHUP)
        previous = {sig: signal.signal(sig, self._stop) for sig in wanted}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True


def bind(port: int, host: str = HOST) -> socket.socket:
    """A listening TCP socket on loopback (`port` 0 = any free port)."""
    # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
    # listener says TCP; without it Nagle and delayed ACKs add 40 ms to every response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _config(sim: Simulator, keep_alive_s: float = KEEP_ALIVE_S) -> uvicorn.Config:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropSimulatedResets) for f in logger.filters):
        logger.addFilter(_DropSimulatedResets())
    return uvicorn.Config(
        sim.app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_keep_alive=int(keep_alive_s),
        date_header=False,  # the app sends Date from the simulator's clock
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


def base_url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}/v1"


@asynccontextmanager
async def serve_loopback(
    sim: Simulator, port: int = 0, *, keep_alive_s: float = KEEP_ALIVE_S
) -> AsyncIterator[str]:
    """Serve `sim` on 127.0.0.1 inside the running event loop; yields the base URL.

    For tests and benchmarks: no signal handlers are touched, and leaving the block shuts the
    server down (bounded by the graceful-shutdown timeout).
    """
    sock = bind(port)
    server = _Server(_config(sim, keep_alive_s), handle_signals=False)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    ready = asyncio.create_task(server.ready.wait())
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=10, return_when="FIRST_COMPLETED")
        if ready not in done:
            raise RuntimeError("simulator did not start on loopback within 10 s")
        yield base_url_of(sock)
    finally:
        ready.cancel()
        server.should_exit = True
        try:
            await asyncio.wait_for(task, timeout=GRACEFUL_SHUTDOWN_S + 5)
        finally:
            sock.close()


async def _serve_with(server: _Server, sock: socket.socket, sender: Any) -> None:
    """uvicorn, and the webhook sender beside it until uvicorn stops."""
    if sender is None:
        await server.serve(sockets=[sock])
        return
    task = asyncio.create_task(sender.run())
    try:
        await server.serve(sockets=[sock])
    finally:
        sender.stop()
        await task


def run_sim(args: argparse.Namespace) -> int:
    """The `sim` subcommand: print the base URL, serve until Ctrl+C or SIGTERM, exit 0."""
    key = os.environ.get("DIALNEXA_API_KEY") or "demo"
    try:
        sim = Simulator.create(
            scenario=args.scenario,
            seed=args.seed,
            speed=args.speed,
            dialect=getattr(args, "dialect", "mixed"),
            api_key=key,
            faults=args.faults or "",
        )
    except (KeyError, ValueError) as exc:
        print(f"dialnexa-monitor sim: {str(exc).strip(chr(34) + chr(39))}", file=sys.stderr)
        return EXIT_USAGE
    try:
        sock = bind(args.port)
    except OSError as exc:
        print(f"dialnexa-monitor sim: cannot listen on {HOST}:{args.port}: {exc.strerror}",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    print(base_url_of(sock), flush=True)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_DropSimulatedResets())
    logging.getLogger("uvicorn.error").addHandler(handler)
    source = "DIALNEXA_API_KEY" if os.environ.get("DIALNEXA_API_KEY") else "the key 'demo'"
    print(
        f"simulator: scenario {args.scenario}, seed {args.seed}, speed {args.speed}x, dialect "
        f"{sim.dialect}; accepts {source}; Ctrl+C stops it",
        file=sys.stderr,
        flush=True,
    )
    sender = None
    if getattr(args, "webhook", None):
        from monitor.sim.webhook_setup import make_sender

        try:
            sender = make_sender(sim, args)
        except ValueError as exc:
            sock.close()
            print(f"dialnexa-monitor sim: {exc}", file=sys.stderr)
            return EXIT_USAGE
        print(f"simulator: posting webhooks to {args.webhook}", file=sys.stderr, flush=True)
    server = _Server(_config(sim), handle_signals=True)
    try:
        asyncio.run(_serve_with(server, sock, sender))
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return EXIT_OK
