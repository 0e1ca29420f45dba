"""The http mode: an HTTP/1.1 keep-alive server on httptools.

Each connection has one httptools.HttpRequestParser. Answers are written
in request order: while a body is still being written or the transport's
write buffer is full, later (pipelined) answers wait in a queue of small
tuples, and reading is paused, so memory stays bounded even for 16 MiB
bodies.
"""

import asyncio
from collections import deque
from typing import Deque, Optional, Tuple, cast

import httptools

from .conns import Connections
from .routes import (CHUNK_BYTES, CONN_CLOSE, CONN_KEEP, CONN_KEEP_ALIVE,
                     MALFORMED, METHOD_NOT_ALLOWED, Router)

MAX_URL_BYTES = 64 << 10
"""MAX_URL_BYTES bounds a request target; a longer one gets 400."""

_MALFORMED_ANSWER = MALFORMED.encode_head(True, CONN_CLOSE) + MALFORMED.body

# _Answer is one queued answer: the bytes to write first, the number of
# pattern bytes that follow them, and whether to close after it.
_Answer = Tuple[bytes, int, bool]


class HttpProtocol(asyncio.Protocol):
    """HttpProtocol serves one HTTP connection.

    Invariants: answers leave in request order; _queue is empty unless
    the connection is busy (writing paused or a body unfinished); once
    _closing is set no further request is parsed.
    """

    __slots__ = ("_router", "_chunk", "_conns", "_transport", "_parser",
                 "_url", "_queue", "_body_left", "_close_after",
                 "_write_paused", "_closing")
    _transport: asyncio.Transport

    def __init__(self, router: Router, chunk: memoryview,
                 conns: Connections) -> None:
        self._router = router
        self._chunk = chunk
        self._conns = conns
        self._parser = httptools.HttpRequestParser(self)
        self._url = b""
        self._queue: Deque[_Answer] = deque()
        self._body_left = 0
        self._close_after = False
        self._write_paused = False
        self._closing = False

    # asyncio.Protocol callbacks.

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._conns.add(self._transport)

    def data_received(self, data: bytes) -> None:
        while data and not self._closing:
            data = self._feed(data)

    def eof_received(self) -> bool:
        # Answer what was asked, then close; True keeps the write side open.
        self._finish()
        return True

    def pause_writing(self) -> None:
        self._write_paused = True
        self._transport.pause_reading()

    def resume_writing(self) -> None:
        self._write_paused = False
        if not self._closing:
            self._transport.resume_reading()
        self._drain()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._closing = True
        self._queue.clear()
        self._body_left = 0
        self._conns.discard(self._transport)
        del self._parser  # breaks the protocol <-> parser cycle

    # httptools callbacks.

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > MAX_URL_BYTES:
            raise ValueError("request target too long")

    def on_message_complete(self) -> None:
        if self._closing:
            return
        url, self._url = self._url, b""
        parser = self._parser
        response = self._router.route(url)
        keep_alive = parser.should_keep_alive()
        method = parser.get_method()
        http11 = parser.get_http_version() == "1.1"
        if (keep_alive and http11 and method == b"GET"
                and response.whole is not None):
            self._submit(response.whole, 0, False)
            return
        if response.known and method != b"GET" and method != b"HEAD":
            response = METHOD_NOT_ALLOWED
        if not keep_alive:
            self._closing = True
        connection = _connection_header(keep_alive, http11)
        head = response.encode_head(http11, connection)
        if method == b"HEAD":
            self._submit(head, 0, not keep_alive)
        else:
            self._submit(head + response.body, response.pattern_bytes,
                         not keep_alive)

    # Writing answers.

    def _feed(self, data: bytes) -> bytes:
        """Parse data; return what follows an upgrade request, else b""."""
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade as e:
            # Like Go's net/http, answer an upgrade request as a plain one
            # and go on parsing the bytes after it with a fresh parser.
            self._parser = httptools.HttpRequestParser(self)
            return data[e.args[0]:]
        except httptools.HttpParserError:
            self._closing = True
            self._submit(_MALFORMED_ANSWER, 0, True)
        return b""

    def _submit(self, data: bytes, body_bytes: int, close: bool) -> None:
        """Write an answer now if the connection is idle, else queue it."""
        if self._write_paused or self._body_left or self._queue:
            self._queue.append((data, body_bytes, close))
            return
        self._transport.write(data)
        if body_bytes or close:
            self._body_left = body_bytes
            self._close_after = close
            self._drain()

    def _drain(self) -> None:
        """Write pattern chunks and queued answers until paused or done."""
        t = self._transport
        while not self._write_paused:
            if self._body_left:
                n = min(self._body_left, CHUNK_BYTES)
                t.write(self._chunk[:n])
                self._body_left -= n
            elif self._close_after:
                self._queue.clear()
                t.close()
                return
            elif self._queue:
                data, n, close = self._queue.popleft()
                self._body_left, self._close_after = n, close
                t.write(data)
            else:
                return

    def _finish(self) -> None:
        """Close the connection once every pending answer is written."""
        # _closing is only ever set together with a closing answer.
        if not self._closing:
            self._closing = True
            self._submit(b"", 0, True)


def _connection_header(keep_alive: bool, http11: bool) -> bytes:
    """Return the Connection header line of an answer, like net/http."""
    if not keep_alive:
        return CONN_CLOSE if http11 else b""
    return CONN_KEEP if http11 else CONN_KEEP_ALIVE
