"""Connect timeout and TLS failures over real loopback sockets (FAULTS N3, N17)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from monitor.api.client import DialNexaClient
from monitor.api.errors import ApiError, Timeout, Unreachable
from tests.leakscan import assert_no_leak, make_canary
from tests.timing import generous


def _assert_worded(error: ApiError, key: str) -> None:
    text = f"{error}\n{error!r}"
    assert "Traceback" not in text
    assert_no_leak(text, key)


@contextlib.contextmanager
def full_backlog() -> Iterator[int]:
    """A listener that never accepts, its backlog filled so that further SYNs are dropped."""
    listener = socket.socket()
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.1)
        probe = socket.socket()
        probe.settimeout(0.5)
        try:
            probe.connect(("127.0.0.1", port))
        except TimeoutError:
            pass
        except OSError as exc:
            pytest.skip(f"this kernel does not drop SYNs to a full backlog ({exc})")
        else:
            pytest.skip("this kernel accepted a connection beyond a full backlog")
        finally:
            probe.close()
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_N3_a_listener_that_never_accepts_times_out_connecting() -> None:
    key = make_canary()
    with full_backlog() as port:
        client = DialNexaClient(
            f"http://127.0.0.1:{port}/v1", key, connect_timeout=0.5, deadline_s=3
        )
        started = time.monotonic()
        with pytest.raises(Timeout, match="^Timed out connecting to 127.0.0.1$") as info:
            await client.list_calls()
        assert time.monotonic() - started < generous(1.0)  # the 0.5 s connect timeout, not a hang
        _assert_worded(info.value, key)
        await client.aclose()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        pytest.skip("the cryptography package is not installed; cannot make a certificate")
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(private, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@contextlib.asynccontextmanager
async def tls_server(tmp_path: Path) -> AsyncIterator[int]:
    cert_path, key_path = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(reader.read(1024), 3)
        writer.close()

    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=context)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2)


@contextlib.asynccontextmanager
async def plain_http_server() -> AsyncIterator[int]:
    """Answers whatever arrives (a TLS client hello included) with plain HTTP bytes."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(reader.read(1024), 3)
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
async def test_N17_a_self_signed_certificate_is_refused_in_words(tmp_path: Path, host: str) -> None:
    key = make_canary()
    async with tls_server(tmp_path) as port:
        client = DialNexaClient(f"https://{host}:{port}/v1", key, deadline_s=5)
        started = time.monotonic()
        with pytest.raises(Unreachable) as info:
            await client.list_calls()
        assert time.monotonic() - started < generous(2.0)  # refused at the handshake, not a hang
        assert info.value.reason == "tls"
        assert str(info.value) == f"TLS verification failed for {host}"
        _assert_worded(info.value, key)
        # Verification is never turned off behind the user's back: the next poll fails too.
        with pytest.raises(Unreachable, match="TLS verification failed"):
            await client.list_calls()
        await client.aclose()


async def test_N17_plain_http_bytes_to_a_tls_client_hello_fail_in_words() -> None:
    key = make_canary()
    async with plain_http_server() as port:
        client = DialNexaClient(f"https://127.0.0.1:{port}/v1", key, deadline_s=5)
        with pytest.raises(Unreachable) as info:
            await client.list_calls()
        assert info.value.reason == "tls"
        message = str(info.value)
        assert "TLS" in message and "127.0.0.1" in message
        _assert_worded(info.value, key)
        await client.aclose()
