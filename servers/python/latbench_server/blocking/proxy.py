"""The proxy mode of the blocking form.

Each client connection occupies its worker for its whole life: the
worker dials the backend (blocking, DIAL_TIMEOUT_S at most) and relays
client to backend itself; the backend to client direction runs on a
second fixed pool of as many threads as there are workers (a worker has
at most one relay running and waits for it, so a relay thread is always
free). When either direction ends, both sockets are shut down, which
wakes the other direction's blocked read or write; the worker closes
both once its relay is done. An unreachable backend closes the client.
"""

import socket
import threading
from typing import Tuple

from ..conns import set_socket_nodelay
from ..proxy import DIAL_TIMEOUT_S
from .echo import copy
from .pool import Pool

# _Relay is one backend to client relay: backend, client and the event set
# when it is done.
_Relay = Tuple[socket.socket, socket.socket, threading.Event]


class ProxyHandler:
    """ProxyHandler relays client connections, one per call, to backend."""

    def __init__(self, backend: Tuple[str, int], workers: int) -> None:
        self._backend = backend
        self._relays: Pool[_Relay] = Pool(workers, "relay", _relay)

    def __call__(self, client: socket.socket) -> None:
        """Relay client until either side closes; the caller closes
        client."""
        try:
            backend = socket.create_connection(self._backend,
                                               timeout=DIAL_TIMEOUT_S)
        except OSError:
            return
        with backend:
            backend.settimeout(None)
            set_socket_nodelay(backend)
            done = threading.Event()
            self._relays.put((backend, client, done))
            _copy(client, backend)
            _shutdown_both(client, backend)
            done.wait()


def _relay(relay: _Relay) -> None:
    """Copy backend to client until it ends or fails, then shut both
    down and set the relay's done event."""
    backend, client, done = relay
    try:
        _copy(backend, client)
    finally:
        _shutdown_both(backend, client)
        done.set()


def _copy(src: socket.socket, dst: socket.socket) -> None:
    """Write to dst what src reads until src ends or either fails."""
    try:
        copy(src, dst)
    except OSError:
        pass


def _shutdown_both(a: socket.socket, b: socket.socket) -> None:
    """Shut a and b down both ways, waking threads blocked on them."""
    for sock in (a, b):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # not connected any more
