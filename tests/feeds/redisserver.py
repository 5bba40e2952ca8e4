"""A real `redis-server` (Debian's package) on a free loopback port, for the relay's tests.

No mock: the relay's faults (a restart, a full memory, a server gone) are the server's own.
Persistence is off (`--save '' --appendonly no`): a restart comes back empty, as a cache does.
The Makefile installs redis-server where it is missing; a machine without it fails here with
the one command to run (never a silent skip).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest
import redis

from tests.sockets import free_port

INSTALL = "apt-get install -y redis-server"


class RedisServer:
    """One redis-server process; `restart()` keeps the port (clients reconnect to it)."""

    def __init__(self, *extra: str) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail(f"redis-server is not installed; as root: {INSTALL}")
        self.binary = binary
        self.extra = extra
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="relay-redis-")
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", self.dir,
                *self.extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    pass
                if self.sync().ping():
                    return
            except (OSError, redis.RedisError):
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def sync(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)

    def everything(self) -> bytes:
        """Every key and every value in the server, as bytes (for the leak scan)."""
        client = self.sync()
        out: list[bytes] = []
        for key in client.scan_iter("*"):
            out.append(key)
            kind = client.type(key)
            if kind == b"stream":
                for entry_id, fields in client.xrange(key):
                    out.append(entry_id)
                    for k, v in fields.items():
                        out += [k, v]
            elif kind == b"hash":
                for k, v in client.hgetall(key).items():
                    out += [k, v]
            elif kind == b"string":
                out.append(client.get(key) or b"")
            else:
                out.append(repr(client.dump(key)).encode())
        return b"\n".join(out)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)
