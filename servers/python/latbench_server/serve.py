"""Listening sockets and the event loop of one server process."""

import asyncio
import signal
import socket
import ssl
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import PROG
from .cli import Config, split_host_port
from .conns import Connections
from .echo import EchoProtocol
from .http2 import http_factory
from .proxy import ClientSide
from .routes import CHUNK_BYTES, Router, make_pattern

BACKLOG = 4096
"""BACKLOG is the listen queue length (the kernel caps it at somaxconn)."""

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

Runner = Callable[..., object]
ProtocolFactory = Callable[[], asyncio.BaseProtocol]


def log(msg: str) -> None:
    """Write one line to stderr, prefixed with the program name."""
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


def pick_runner() -> Tuple[Runner, str]:
    """Return the function that runs a coroutine and the loop's name.

    It is uvloop when importable, else asyncio's default loop.
    """
    try:
        import uvloop
    except ImportError:
        log("uvloop is not installed; using the default asyncio event loop")
        return asyncio.run, "asyncio"
    return uvloop.run, "uvloop"


def listen_sockets(listen: str, count: int) -> List[socket.socket]:
    """Return count listening sockets on the address listen.

    With count > 1 they share the port through SO_REUSEPORT and the kernel
    spreads new connections over them; port 0 is resolved by the first.
    It raises OSError or ValueError.
    """
    host, port = split_host_port(listen)
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                               flags=socket.AI_PASSIVE)
    family, _, _, _, addr = infos[0]
    socks: List[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.socket(family, socket.SOCK_STREAM)
            socks.append(s)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if count > 1:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            s.bind(addr)
            addr = s.getsockname()
            s.listen(BACKLOG)
            s.setblocking(False)
    except BaseException:
        for s in socks:
            s.close()
        raise
    return socks


def resolve(addr: str) -> Tuple[str, int]:
    """Resolve "HOST:PORT" once to a numeric host, so dials skip DNS."""
    host, port = split_host_port(addr)
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return str(infos[0][4][0]), port


def protocol_factory(cfg: Config, conns: Connections) -> ProtocolFactory:
    """Return the protocol factory of cfg.mode (echo, http or proxy)."""
    if cfg.mode == "echo":
        return lambda: EchoProtocol(conns)
    if cfg.mode == "http":
        chunk = memoryview(make_pattern(CHUNK_BYTES))
        router = Router(bytes(chunk))
        return http_factory(router, chunk, conns, cfg.tls)
    backend = resolve(cfg.backend)
    return lambda: ClientSide(conns, backend)


def serve(sock: socket.socket, factory: ProtocolFactory,
          conns: Connections, runner: Runner,
          ssl_context: Optional[ssl.SSLContext] = None) -> int:
    """Serve on sock (TLS with ssl_context) until SIGTERM or SIGINT;
    return the exit code.

    conns must be the Connections that factory's protocols register with.
    The stop signals must be blocked on entry; they are unblocked once the
    loop handles them, so a signal that came early is not lost.
    """
    runner(_serve(sock, factory, conns, ssl_context))
    return 0


async def _serve(sock: socket.socket, factory: ProtocolFactory,
                 conns: Connections,
                 ssl_context: Optional[ssl.SSLContext]) -> None:
    """Serve on sock until a stop signal, then stop every connection."""
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, _set_done, stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    if ssl_context is not None:
        loop.set_exception_handler(_quiet_tls_errors)
    server = await loop.create_server(factory, sock=sock, backlog=BACKLOG,
                                      ssl=ssl_context)
    try:
        await stop
    finally:
        server.close()
        await conns.stop_all()
        await asyncio.sleep(0)  # let connection_lost callbacks run


def _quiet_tls_errors(loop: asyncio.AbstractEventLoop,
                      context: Dict[str, Any]) -> None:
    """Drop the event loop's reports of failed TLS handshakes and TLS
    errors of single connections (one client's problem, not to be logged
    per connection); report anything else as the loop would."""
    exc = context.get("exception")
    if isinstance(exc, (ssl.SSLError, ConnectionError, TimeoutError,
                        asyncio.TimeoutError)):
        return
    loop.default_exception_handler(context)


def _set_done(fut: "asyncio.Future[None]") -> None:
    """Complete fut unless a signal already did."""
    if not fut.done():
        fut.set_result(None)
