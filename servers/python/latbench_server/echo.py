"""The echo mode: every byte received is written back in order."""

import asyncio
from typing import Optional, cast

from .conns import Connections


class EchoProtocol(asyncio.Protocol):
    """EchoProtocol writes back what it reads and closes on the peer's EOF.

    Backpressure: while the transport's write buffer is above its high-water
    mark, reading is paused, so a client that does not read cannot make the
    server buffer without bound.
    """

    __slots__ = ("_conns", "_transport")
    _transport: asyncio.Transport

    def __init__(self, conns: Connections) -> None:
        self._conns = conns

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._conns.add(self._transport)

    def data_received(self, data: bytes) -> None:
        self._transport.write(data)

    def eof_received(self) -> bool:
        # False closes the transport once its write buffer is flushed.
        return False

    def pause_writing(self) -> None:
        self._transport.pause_reading()

    def resume_writing(self) -> None:
        self._transport.resume_reading()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._conns.discard(self._transport)
