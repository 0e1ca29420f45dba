"""The grpc mode's processes: where the grpc.aio servers of grpcecho.py
listen and how --threads N spreads them.

grpc binds its own listening sockets, so this form cannot hand it the
sockets of serve.listen_sockets. With --threads 1 one process serves
(grpc binds the address itself, without SO_REUSEPORT). With --threads
N > 1 there are N worker processes (workers.py: one Python process runs
on one core), each with its own grpc.aio server bound to the same port
with the grpc option "grpc.so_reuseport", and the kernel spreads new
connections over them. The parent reserves that port first with a bound,
not listening SO_REUSEPORT socket (so port 0 means one port for all),
forks, waits until every worker serves, then logs the start line and
supervises. This module imports no grpc: the parent must not start
grpc's threads before it forks.
"""

import importlib.util
import os
import select
import socket
import time
from typing import Callable, Optional, Set, Tuple

from .cli import Config, join_host_port, split_host_port
from .serve import log
from .tls import KeyPair
from .workers import reap, run_workers

GENERATED_PACKAGE = "latbench_echo_v1"
"""GENERATED_PACKAGE holds the modules protoc generates from echo.proto."""

START_TIMEOUT_S = 60.0
"""START_TIMEOUT_S bounds how long the workers may take to serve."""

_POLL_S = 0.05

EXIT_RUNTIME = 1

Pem = Optional[Tuple[bytes, bytes]]


def run_grpc(cfg: Config, pair: Optional[KeyPair]) -> int:
    """Serve cfg (--mode grpc) until a stop signal; return the exit code.

    The stop signals (and SIGCHLD) must be blocked.
    """
    if importlib.util.find_spec(GENERATED_PACKAGE) is None:
        log(f"the gRPC modules of echo.proto ({GENERATED_PACKAGE}) are "
            "missing: build with scripts/build-python.sh")
        return EXIT_RUNTIME
    pem: Pem = (pair.key_pem, pair.cert_pem) if pair is not None else None
    tls = "on" if pem is not None else "off"
    try:
        family, addr = _resolve(cfg.listen)
    except (OSError, ValueError) as e:
        log(f"listen tcp {cfg.listen}: {e}")
        return EXIT_RUNTIME

    def start_line(port: int) -> None:
        log(f"mode=grpc io=async listen={join_host_port(addr[0], port)} "
            f"threads={cfg.threads} loop=asyncio tls={tls}")

    if cfg.threads == 1:
        return _serve(join_host_port(addr[0], addr[1]), pem, False,
                      start_line)
    try:
        reservation = _reserve(family, addr)
    except OSError as e:
        log(f"listen tcp {cfg.listen}: {e}")
        return EXIT_RUNTIME
    port = reservation.getsockname()[1]
    target = join_host_port(addr[0], port)
    ready_r, ready_w = os.pipe()

    def worker(sock: socket.socket) -> int:
        sock.close()
        os.close(ready_r)

        def started(_: int) -> None:
            os.write(ready_w, b".")
            os.close(ready_w)
        return _serve(target, pem, True, started)

    def ready(pids: Set[int]) -> bool:
        os.close(ready_w)
        try:
            ok = _wait_ready(ready_r, pids, cfg.threads)
        finally:
            os.close(ready_r)
            reservation.close()
        if ok:
            start_line(port)
        return ok

    # One descriptor of the reservation per worker: run_workers closes
    # them in the parent, the reservation itself stays until ready.
    dups = [reservation.dup() for _ in range(cfg.threads)]
    return run_workers(dups, worker, ready)


def _serve(target: str, pem: Pem, reuseport: bool,
           started: Callable[[int], None]) -> int:
    """Serve Echo on target in this process; return the exit code."""
    from . import grpcecho  # imports grpc: after any fork
    try:
        return grpcecho.serve(target, pem, reuseport, started)
    except grpcecho.BindError as e:
        log(f"listen tcp {target}: {e}")
        return EXIT_RUNTIME


def _resolve(listen: str) -> Tuple[int, Tuple[str, int]]:
    """Return the family and numeric (host, port) that listen names, as
    serve.listen_sockets binds it; it raises OSError or ValueError."""
    host, port = split_host_port(listen)
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                               flags=socket.AI_PASSIVE)
    family, _, _, _, addr = infos[0]
    return family, (str(addr[0]), int(addr[1]))


def _reserve(family: int, addr: Tuple[str, int]) -> socket.socket:
    """Return a socket bound to addr with SO_REUSEPORT, not listening: it
    fixes the port (port 0 picks one) for the workers' servers and takes
    no connections. It raises OSError."""
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind(addr)
    except BaseException:
        s.close()
        raise
    return s


def _wait_ready(fd: int, pids: Set[int], count: int) -> bool:
    """Wait until count workers wrote their byte to fd; False (logged) if
    one exits first or START_TIMEOUT_S passes."""
    got = 0
    deadline = time.monotonic() + START_TIMEOUT_S
    while got < count:
        for pid, _ in reap(pids):
            log(f"worker {pid} exited before it served; stopping")
            return False
        left = deadline - time.monotonic()
        if left <= 0:
            log(f"workers did not serve within {START_TIMEOUT_S:g} s; "
                "stopping")
            return False
        readable, _, _ = select.select([fd], [], [], min(left, _POLL_S))
        if readable:
            data = os.read(fd, count)
            if not data:
                log("workers exited before they served; stopping")
                return False
            got += len(data)
    return True
