"""Connection bookkeeping shared by the modes of the async form."""

import asyncio
import socket
import time
from typing import Callable, Dict, Set

STOP_GRACE_S = 0.5
"""STOP_GRACE_S is how long connections that stop gracefully (HTTP/2:
GOAWAY, then the streams in flight) may take after a stop signal before
they are aborted; the contract gives the whole server 2 s."""

_STOP_POLL_S = 0.01


class Connections:
    """Connections tracks live transports so shutdown can abort them all.

    Protocols call add in connection_made and discard in connection_lost;
    a protocol that says goodbye before it closes (HTTP/2's GOAWAY) also
    registers its stop function with set_stopper. Everything runs on the
    event loop thread, so no lock is needed.
    """

    __slots__ = ("_live", "_stoppers")

    def __init__(self) -> None:
        self._live: Set[asyncio.Transport] = set()
        self._stoppers: Dict[asyncio.Transport, Callable[[], None]] = {}

    def add(self, transport: asyncio.Transport) -> None:
        """Record transport and set TCP_NODELAY on its socket."""
        self._live.add(transport)
        set_nodelay(transport)

    def set_stopper(self, transport: asyncio.Transport,
                    stop: Callable[[], None]) -> None:
        """Have stop_all call stop for the recorded transport; stop
        closes the transport once it said goodbye."""
        self._stoppers[transport] = stop

    def discard(self, transport: asyncio.Transport) -> None:
        """Forget transport."""
        self._live.discard(transport)
        if self._stoppers:
            self._stoppers.pop(transport, None)

    def abort_all(self) -> None:
        """Abort every live transport without flushing its buffers."""
        for t in list(self._live):
            t.abort()
        self._live.clear()
        self._stoppers.clear()

    async def stop_all(self, grace: float = STOP_GRACE_S) -> None:
        """Abort the transports without a stop function at once, stop the
        others and abort those still open after grace seconds."""
        for t in list(self._live):
            if t not in self._stoppers:
                t.abort()
                self._live.discard(t)
        for stop in list(self._stoppers.values()):
            stop()
        deadline = time.monotonic() + grace
        while self._live and time.monotonic() < deadline:
            await asyncio.sleep(_STOP_POLL_S)
        self.abort_all()


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Disable Nagle's algorithm on the socket of transport."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        set_socket_nodelay(sock)


def set_socket_nodelay(sock: socket.socket) -> None:
    """Disable Nagle's algorithm on sock."""
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass  # already reset by the peer; its next read or write says so
