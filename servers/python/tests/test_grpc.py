"""Real-socket tests of the grpc mode with a grpc.aio client: Unary and
Stream on h2c and TLS, the 4 MiB limit, unknown methods, --threads and
SIGTERM."""

import asyncio
import time
from typing import Callable, List

import grpc
import pytest
from grpc import aio

from certs import Certs, make_certs
from helpers import Server, connect
from latbench_echo_v1 import echo_pb2, echo_pb2_grpc

Start = Callable[..., Server]
MIB = 1 << 20
CALL_TIMEOUT_S = 30.0


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Certs:
    return make_certs(str(tmp_path_factory.mktemp("certs")))


def target(s: Server) -> str:
    return "%s:%d" % s.addr


def channel(s: Server, certs: Certs = None) -> aio.Channel:
    """Return a channel to s, over TLS trusting the test CA with certs."""
    if certs is None:
        return aio.insecure_channel(target(s))
    with open(certs.ca, "rb") as f:
        creds = grpc.ssl_channel_credentials(root_certificates=f.read())
    return aio.secure_channel(target(s), creds)


async def unary(ch: aio.Channel, payload: bytes) -> bytes:
    stub = echo_pb2_grpc.EchoStub(ch)
    reply = await stub.Unary(echo_pb2.EchoRequest(payload=payload),
                             timeout=CALL_TIMEOUT_S)
    return reply.payload


async def stream_in_lockstep(ch: aio.Channel,
                             payloads: List[bytes]) -> List[bytes]:
    """Send each payload only after the reply to the one before came: the
    server must answer each at once, not batch them."""
    stub = echo_pb2_grpc.EchoStub(ch)
    call = stub.Stream(timeout=CALL_TIMEOUT_S)
    got = []
    for p in payloads:
        await call.write(echo_pb2.EchoRequest(payload=p))
        reply = await call.read()
        got.append(reply.payload)
    await call.done_writing()
    assert await call.read() == aio.EOF
    assert await call.code() == grpc.StatusCode.OK
    return got


async def stream_all(ch: aio.Channel, payloads: List[bytes]) -> List[bytes]:
    """Send every payload, then half-close; return the replies."""
    stub = echo_pb2_grpc.EchoStub(ch)

    async def requests():
        for p in payloads:
            yield echo_pb2.EchoRequest(payload=p)

    call = stub.Stream(requests(), timeout=CALL_TIMEOUT_S)
    got = [r.payload async for r in call]
    assert await call.code() == grpc.StatusCode.OK
    return got


def check_echo(s: Server, certs: Certs = None) -> None:
    async def main():
        async with channel(s, certs) as ch:
            assert await unary(ch, b"hello") == b"hello"
            assert await unary(ch, b"") == b""
            big = bytes(range(256)) * (MIB // 256)
            assert await unary(ch, big) == big
            payloads = [bytes([i]) * (i * 1000) for i in range(20)]
            assert await stream_in_lockstep(ch, payloads) == payloads
            assert await stream_all(ch, payloads) == payloads
            assert await stream_all(ch, []) == []
    asyncio.run(main())


def test_grpc_h2c(server: Start):
    s = server("--mode", "grpc", "--threads", "1")
    assert " mode=grpc io=async " in s.start_line
    assert " tls=off" in s.start_line
    check_echo(s)


def test_grpc_tls(server: Start, certs: Certs):
    s = server("--mode", "grpc", "--threads", "1", "--tls-cert", certs.cert,
               "--tls-key", certs.key)
    assert " tls=on" in s.start_line
    check_echo(s, certs)


def test_grpc_tls_offers_h2_by_alpn(server: Start, certs: Certs):
    s = server("--mode", "grpc", "--threads", "1", "--tls-cert", certs.cert,
               "--tls-key", certs.key)
    ctx = certs.client_context(alpn=["h2"])
    with ctx.wrap_socket(connect(s.addr), server_hostname="localhost") as c:
        assert c.selected_alpn_protocol() == "h2"


def test_grpc_message_over_4_mib_is_resource_exhausted(server: Start):
    s = server("--mode", "grpc", "--threads", "1")

    async def main():
        async with channel(s) as ch:
            with pytest.raises(aio.AioRpcError) as e:
                await unary(ch, b"x" * (4 * MIB + 1))
            assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            with pytest.raises(aio.AioRpcError) as e:
                await stream_all(ch, [b"a", b"x" * (5 * MIB)])
            assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            # Just under the limit (the message has a few bytes of framing).
            ok = b"y" * (4 * MIB - 16)
            assert await unary(ch, ok) == ok
    asyncio.run(main())


def test_grpc_unknown_method_is_unimplemented(server: Start):
    s = server("--mode", "grpc", "--threads", "1")

    async def main():
        async with channel(s) as ch:
            call = ch.unary_unary("/latbench.echo.v1.Echo/Nope")
            with pytest.raises(aio.AioRpcError) as e:
                await call(b"", timeout=CALL_TIMEOUT_S)
            assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
    asyncio.run(main())


def test_grpc_threads_share_one_port(server: Start):
    s = server("--mode", "grpc", "--threads", "2")
    assert " threads=2 " in s.start_line

    async def main():
        for _ in range(6):  # new connections, spread by the kernel
            async with channel(s) as ch:
                assert await unary(ch, b"spread") == b"spread"
    asyncio.run(main())
    t0 = time.monotonic()
    assert s.terminate(timeout=2.0) == 0
    assert time.monotonic() - t0 < 2.0
    assert "Traceback" not in s.stderr()


def test_grpc_sigterm_with_open_stream_exits_0(server: Start):
    s = server("--mode", "grpc", "--threads", "1")

    async def main():
        ch = channel(s)
        stub = echo_pb2_grpc.EchoStub(ch)
        call = stub.Stream(timeout=CALL_TIMEOUT_S)
        await call.write(echo_pb2.EchoRequest(payload=b"x"))
        assert (await call.read()).payload == b"x"
        t0 = time.monotonic()
        code = await asyncio.get_running_loop().run_in_executor(
            None, s.terminate, 2.0)
        assert code == 0
        assert time.monotonic() - t0 < 2.0
        call.cancel()
        await ch.close()
    asyncio.run(main())
    assert "Traceback" not in s.stderr()
