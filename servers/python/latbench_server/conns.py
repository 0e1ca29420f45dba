"""Connection bookkeeping shared by the three modes of the async form."""

import asyncio
import socket
from typing import Set


class Connections:
    """Connections tracks live transports so shutdown can abort them all.

    Protocols call add in connection_made and discard in connection_lost;
    everything runs on the event loop thread, so no lock is needed.
    """

    __slots__ = ("_live",)

    def __init__(self) -> None:
        self._live: Set[asyncio.Transport] = set()

    def add(self, transport: asyncio.Transport) -> None:
        """Record transport and set TCP_NODELAY on its socket."""
        self._live.add(transport)
        set_nodelay(transport)

    def discard(self, transport: asyncio.Transport) -> None:
        """Forget transport."""
        self._live.discard(transport)

    def abort_all(self) -> None:
        """Abort every live transport without flushing its buffers."""
        for t in list(self._live):
            t.abort()
        self._live.clear()


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
