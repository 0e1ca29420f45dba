"""The acceptor, the connection pool and the stop signal of the blocking
form."""

import errno
import functools
import signal
import socket
import threading
import time
from typing import Callable

from ..cli import Config
from ..conns import set_socket_nodelay
from ..routes import CHUNK_BYTES, Router, make_pattern
from ..serve import STOP_SIGNALS, resolve
from .echo import serve_echo
from .httpserver import HttpHandler
from .pool import Pool
from .proxy import ProxyHandler

ACCEPT_RETRY_S = 0.01
"""ACCEPT_RETRY_S is the pause after an accept error such as EMFILE (out
of file descriptors), so the acceptor does not spin."""

# Handler serves one connection until it ends; the caller closes it.
Handler = Callable[[socket.socket], None]


def connection_handler(cfg: Config) -> Handler:
    """Return the Handler of cfg.mode; proxy mode resolves the backend
    (OSError, ValueError) and starts its relay pool."""
    if cfg.mode == "echo":
        return serve_echo
    if cfg.mode == "http":
        chunk = memoryview(make_pattern(CHUNK_BYTES))
        return HttpHandler(Router(bytes(chunk)), chunk)
    return ProxyHandler(resolve(cfg.backend), cfg.workers)


def start(sock: socket.socket, handler: Handler, workers: int) -> None:
    """Serve the listening sock with handler on workers threads, fed by
    one acceptor thread; all are daemons and run until the process
    ends."""
    sock.setblocking(True)
    conns: Pool[socket.socket] = Pool(
        workers, "worker", functools.partial(_serve_conn, handler))
    threading.Thread(target=_accept_loop, args=(sock, conns),
                     name="acceptor", daemon=True).start()


def serve(sock: socket.socket, handler: Handler, workers: int) -> int:
    """Serve sock until SIGTERM or SIGINT; return the exit code 0 without
    waiting for the workers (their threads die with the process).

    The stop signals must be blocked in every thread.
    """
    start(sock, handler, workers)
    signal.sigwait(STOP_SIGNALS)
    return 0


def _serve_conn(handler: Handler, conn: socket.socket) -> None:
    """Serve conn with handler on this worker, then close it."""
    with conn:
        try:
            handler(conn)
        except OSError:
            pass  # reset or broken by the peer


def _accept_loop(sock: socket.socket, conns: "Pool[socket.socket]") -> None:
    """Accept connections on the listening sock forever and queue them
    for the workers."""
    while True:
        try:
            conn, _ = sock.accept()
        except OSError as e:
            if e.errno != errno.ECONNABORTED:
                time.sleep(ACCEPT_RETRY_S)
            continue
        set_socket_nodelay(conn)
        conns.put(conn)
