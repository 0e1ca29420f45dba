"""The echo service of the grpc mode on grpcio's asyncio server (grpc.aio).

latbench.echo.v1.Echo (servers/proto/echo.proto): Unary answers a
request with its payload; Stream answers each message with its payload,
in order, as it arrives, and ends with OK when the client half-closes.
The message modules are generated from echo.proto by
scripts/build-python.sh into the venv (package latbench_echo_v1).
Everything else is grpc's default: requests over 4 MiB get
RESOURCE_EXHAUSTED, unknown methods UNIMPLEMENTED, no compression.

Importing this module imports grpc, whose core starts threads: a process
that forks workers must not import it before forking (grpcserver.py).
"""

import asyncio
import signal
from typing import AsyncIterator, Callable, Optional, Tuple

import grpc
from grpc import aio
from latbench_echo_v1 import echo_pb2, echo_pb2_grpc

STOP_GRACE_S = 0.3
"""STOP_GRACE_S is how long RPCs in flight may go on after a stop signal
(the server sends GOAWAY at once); the contract gives the whole server
2 s."""

TASKS_GRACE_S = 0.25
"""TASKS_GRACE_S bounds the wait for the RPC tasks after the stop."""

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

PemPair = Tuple[bytes, bytes]
"""PemPair is a PEM private key and its certificate chain."""


class BindError(Exception):
    """BindError says that the server could not listen on its address."""


class EchoService(echo_pb2_grpc.EchoServicer):
    """EchoService answers every request with its own payload."""

    async def Unary(self, request: echo_pb2.EchoRequest,
                    context: aio.ServicerContext) -> echo_pb2.EchoReply:
        return echo_pb2.EchoReply(payload=request.payload)

    async def Stream(self, request_iterator: AsyncIterator[
                         echo_pb2.EchoRequest],
                     context: aio.ServicerContext
                     ) -> AsyncIterator[echo_pb2.EchoReply]:
        async for request in request_iterator:
            yield echo_pb2.EchoReply(payload=request.payload)


def serve(target: str, pem: Optional[PemPair], reuseport: bool,
          started: Callable[[int], None]) -> int:
    """Serve Echo on target ("HOST:PORT", numeric), with TLS if pem is
    given, until SIGTERM or SIGINT; return the exit code.

    reuseport sets SO_REUSEPORT, so worker processes share the port.
    started gets the bound port once the server serves. The stop signals
    must be blocked on entry; they are unblocked once the loop handles
    them. It raises BindError if it cannot listen.
    """
    asyncio.run(_serve(target, pem, reuseport, started))
    return 0


async def _serve(target: str, pem: Optional[PemPair], reuseport: bool,
                 started: Callable[[int], None]) -> None:
    """Serve until a stop signal, then stop with STOP_GRACE_S."""
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, _set_done, stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    server = aio.server(options=[("grpc.so_reuseport", int(reuseport))])
    echo_pb2_grpc.add_EchoServicer_to_server(EchoService(), server)
    try:
        if pem is None:
            port = server.add_insecure_port(target)
        else:
            creds = grpc.ssl_server_credentials([pem])
            port = server.add_secure_port(target, creds)
    except RuntimeError as e:
        raise BindError(str(e)) from None
    await server.start()
    started(port)
    try:
        await stop
    finally:
        await server.stop(STOP_GRACE_S)
        # Let the tasks of the RPCs the stop cancelled finish: cancelled
        # by asyncio.run instead, grpc prints their tracebacks.
        others = asyncio.all_tasks() - {asyncio.current_task()}
        if others:
            await asyncio.wait(others, timeout=TASKS_GRACE_S)


def _set_done(fut: "asyncio.Future[None]") -> None:
    """Complete fut unless a signal already did."""
    if not fut.done():
        fut.set_result(None)
