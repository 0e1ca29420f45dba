"""The http mode: an HTTP/1.1 keep-alive server on httptools.

Each connection has one httptools.HttpRequestParser. Answers are written
in request order: while a body is still being written, the transport's
write buffer is full or a delayed answer waits for its timer, later
(pipelined) answers wait in a queue of small tuples, and reading is
paused, so memory stays bounded even for 16 MiB bodies.

GET /delay/D/bytes/N waits on a timer of the event loop (call_later),
started when its answer reaches the head of the queue, so delays of
pipelined requests add up as they do on a blocking server.
"""

import asyncio
import time
from collections import deque
from typing import Deque, Optional, cast

import httptools

from .conns import Connections
from .routes import CHUNK_BYTES, CONN_CLOSE, MALFORMED, Answer, Router, answer

MAX_URL_BYTES = 64 << 10
"""MAX_URL_BYTES bounds a request target; a longer one gets 400."""

TIMER_TICK_S = 0.001
"""TIMER_TICK_S is the resolution of uvloop's timers: they count whole
milliseconds and may fire up to one early, so a timer that fired before
its deadline is set again for at least this long."""

MALFORMED_ANSWER = MALFORMED.encode_head(True, CONN_CLOSE) + MALFORMED.body
"""MALFORMED_ANSWER is written when a request does not parse."""


class HttpProtocol(asyncio.Protocol):
    """HttpProtocol serves one HTTP connection.

    Invariants: answers leave in request order; _queue is empty unless
    the connection is busy (writing paused, a body unfinished or _timer
    running for the delayed answer at the head of _queue); reading is
    paused while writing is paused or _timer runs; once _closing is set
    no further request is parsed.
    """

    __slots__ = ("_router", "_chunk", "_conns", "_transport", "_parser",
                 "_url", "_queue", "_body_left", "_close_after",
                 "_write_paused", "_closing", "_timer", "_deadline")
    _transport: asyncio.Transport

    def __init__(self, router: Router, chunk: memoryview,
                 conns: Connections) -> None:
        self._router = router
        self._chunk = chunk
        self._conns = conns
        self._parser = httptools.HttpRequestParser(self)
        self._url = b""
        self._queue: Deque[Answer] = deque()
        self._body_left = 0
        self._close_after = False
        self._write_paused = False
        self._closing = False
        self._timer: Optional[asyncio.TimerHandle] = None
        self._deadline = 0.0

    # asyncio.Protocol callbacks.

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._conns.add(self._transport)

    def adopt(self, transport: asyncio.Transport, data: bytes) -> None:
        """Take over transport, already recorded in the connections, from
        the protocol that sniffed its first bytes, data."""
        self._transport = transport
        transport.set_protocol(self)
        self.data_received(data)

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
        self._drain()
        self._resume_reading()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._closing = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
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
                and response.whole is not None):  # the fast path
            self._submit(response.whole, 0, False, response.delay)
            return
        data, n, close, delay = answer(response, method, keep_alive, http11)
        if close:
            self._closing = True
        self._submit(data, n, close, delay)

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
            self._submit(MALFORMED_ANSWER, 0, True, 0.0)
        return b""

    def _submit(self, data: bytes, body_bytes: int, close: bool,
                delay: float) -> None:
        """Write an answer now if the connection is idle, else queue it."""
        if self._write_paused or self._body_left or self._queue or delay:
            self._queue.append((data, body_bytes, close, delay))
            if len(self._queue) == 1:
                self._drain()  # idle, or a body to finish: no harm
            return
        self._transport.write(data)
        if body_bytes or close:
            self._body_left = body_bytes
            self._close_after = close
            self._drain()

    def _drain(self) -> None:
        """Write pattern chunks and queued answers until paused, waiting
        for a delay or done."""
        t = self._transport
        while not self._write_paused and self._timer is None:
            if self._body_left:
                n = min(self._body_left, CHUNK_BYTES)
                t.write(self._chunk[:n])
                self._body_left -= n
            elif self._close_after:
                self._queue.clear()
                t.close()
                return
            elif self._queue:
                data, n, close, delay = self._queue[0]
                if delay:
                    self._start_timer(delay)
                    return
                self._queue.popleft()
                self._body_left, self._close_after = n, close
                t.write(data)
            else:
                return

    def _start_timer(self, delay: float) -> None:
        """Wait delay seconds on the loop for the answer at the head of
        the queue; read no further requests meanwhile."""
        self._deadline = time.monotonic() + delay
        self._set_timer(delay)
        self._transport.pause_reading()

    def _set_timer(self, delay: float) -> None:
        """Call _delay_done after delay seconds."""
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(delay, self._delay_done)

    def _delay_done(self) -> None:
        """Once the deadline passed, send the answer at the head of the
        queue and what follows."""
        left = self._deadline - time.monotonic()
        if left > 0:
            self._set_timer(max(left, TIMER_TICK_S))
            return
        self._timer = None
        data, n, close, _ = self._queue[0]
        self._queue[0] = (data, n, close, 0.0)
        self._drain()
        self._resume_reading()

    def _resume_reading(self) -> None:
        """Read again unless writing is paused, a delay runs or the
        connection is closing."""
        if not (self._write_paused or self._closing) and self._timer is None:
            self._transport.resume_reading()

    def _finish(self) -> None:
        """Close the connection once every pending answer is written."""
        # _closing is only ever set together with a closing answer.
        if not self._closing:
            self._closing = True
            self._submit(b"", 0, True, 0.0)
