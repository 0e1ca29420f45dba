"""The proxy mode: a TCP relay of every connection to the backend.

Each accepted client connection gets its own backend connection. Reading
from the client is paused until the backend is connected (what arrives
before, uvloop may still deliver, is held and sent first). Data is relayed
both ways with backpressure: when one side's write buffer is full, the
other side stops reading. When either side sees EOF or an error, both
connections are closed (after flushing what is already buffered).
"""

import asyncio
from typing import List, Optional, Tuple, cast

from .conns import Connections

DIAL_TIMEOUT_S = 5.0
"""DIAL_TIMEOUT_S bounds the backend dial; the client is closed after it."""


class _Side(asyncio.Protocol):
    """_Side is one end of a relay; peer is the other end once connected."""

    __slots__ = ("_conns", "transport", "peer", "early")
    transport: asyncio.Transport

    def __init__(self, conns: Connections) -> None:
        self._conns = conns
        self.peer: Optional["_Side"] = None
        # early holds data read before the peer exists (client side only).
        self.early: List[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self._conns.add(self.transport)

    def data_received(self, data: bytes) -> None:
        peer = self.peer
        if peer is None:
            self.early.append(data)
        elif not peer.transport.is_closing():
            peer.transport.write(data)

    def eof_received(self) -> bool:
        self.close_both()
        return False

    def pause_writing(self) -> None:
        if self.peer is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        peer = self.peer
        if peer is not None and not peer.transport.is_closing():
            peer.transport.resume_reading()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._conns.discard(self.transport)
        self.close_both()

    def close_both(self) -> None:
        """Close this side and its peer; each flushes its buffer first."""
        self.transport.close()
        if self.peer is not None:
            self.peer.transport.close()


class ClientSide(_Side):
    """ClientSide is an accepted connection; it dials the backend."""

    __slots__ = ("_backend", "early_eof")

    def __init__(self, conns: Connections, backend: Tuple[str, int]) -> None:
        super().__init__(conns)
        self._backend = backend
        self.early_eof = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.transport.pause_reading()
        asyncio.get_running_loop().create_task(self._dial())

    def eof_received(self) -> bool:
        if self.peer is None:
            # Relay what came before the EOF, then close both sides.
            self.early_eof = True
            return True
        return super().eof_received()

    async def _dial(self) -> None:
        """Connect to the backend, or close the client if that fails."""
        loop = asyncio.get_running_loop()
        task = cast("asyncio.Task[None]", asyncio.current_task())
        # The timer also holds the task strongly while the dial runs.
        timer = loop.call_later(DIAL_TIMEOUT_S, task.cancel)
        host, port = self._backend
        try:
            await loop.create_connection(
                lambda: BackendSide(self._conns, self), host, port)
        except (Exception, asyncio.CancelledError):
            self.transport.close()
        finally:
            timer.cancel()


class BackendSide(_Side):
    """BackendSide is the connection to the backend of one client."""

    __slots__ = ()

    def __init__(self, conns: Connections, client: ClientSide) -> None:
        super().__init__(conns)
        self.peer = client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        client = cast(ClientSide, self.peer)
        if client.transport.is_closing():
            transport.close()  # the client left while we dialed
            return
        client.peer = self
        for data in client.early:
            self.transport.write(data)
        client.early.clear()
        if client.early_eof:
            self.close_both()
        else:
            client.transport.resume_reading()
