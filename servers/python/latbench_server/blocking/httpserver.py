"""The http mode of the blocking form.

A worker reads from its connection, feeds what it read to an httptools
parser and then writes the answers of the requests completed so far, in
order, before it reads again. GET /delay/D/bytes/N sleeps on the worker
(time.sleep) before its answer is written, so a worker that waits serves
nobody else. Small answers of pipelined requests go out in one send.
"""

import socket
import time
from typing import List, Union

import httptools

from ..httpserver import MALFORMED_ANSWER, MAX_URL_BYTES
from ..routes import CHUNK_BYTES, Answer, Router, answer
from .echo import RECV_BYTES

FLUSH_BYTES = 256 << 10
"""FLUSH_BYTES (at most CHUNK_BYTES) is how many answer bytes are gathered
before a send; a longer body is sent in pattern chunks of its own."""

Bytes = Union[bytes, memoryview]


class HttpHandler:
    """HttpHandler serves HTTP connections, one per call, on the calling
    thread. All workers share it and its Router: the Router's cache is a
    dict, whose operations the GIL keeps atomic (racing inserts may pass
    its bound by one entry per worker)."""

    def __init__(self, router: Router, chunk: memoryview) -> None:
        self._router = router
        self._chunk = chunk

    def __call__(self, conn: socket.socket) -> None:
        """Serve conn until the client closes or an answer closes it;
        raises OSError when the connection fails."""
        requests = Requests(self._router)
        while not requests.closing:
            data = conn.recv(RECV_BYTES)
            if not data:
                return
            write_answers(conn, requests.feed(data), self._chunk)


class Requests:
    """Requests parses the requests of one connection into answers.

    Once closing is set (a request asked to close or did not parse), no
    further request is answered.
    """

    __slots__ = ("_router", "_parser", "_url", "_answers", "closing")

    def __init__(self, router: Router) -> None:
        self._router = router
        self._parser = httptools.HttpRequestParser(self)
        self._url = b""
        self._answers: List[Answer] = []
        self.closing = False

    def feed(self, data: bytes) -> List[Answer]:
        """Parse data; return the answers of the requests it completed."""
        answers = self._answers = []
        while data and not self.closing:
            try:
                self._parser.feed_data(data)
                data = b""
            except httptools.HttpParserUpgrade as e:
                # Like the async form: answer an upgrade request as a
                # plain one and parse what follows with a fresh parser.
                self._parser = httptools.HttpRequestParser(self)
                data = data[e.args[0]:]
            except httptools.HttpParserError:
                if not self.closing:  # else: bytes after a closing request
                    answers.append((MALFORMED_ANSWER, 0, True, 0.0))
                self.closing = True
        return answers

    # httptools callbacks.

    def on_url(self, url: bytes) -> None:
        self._url += url
        if len(self._url) > MAX_URL_BYTES:
            raise ValueError("request target too long")

    def on_message_complete(self) -> None:
        if self.closing:
            return
        url, self._url = self._url, b""
        parser = self._parser
        a = answer(self._router.route(url), parser.get_method(),
                   parser.should_keep_alive(),
                   parser.get_http_version() == "1.1")
        self.closing = a[2]  # the answer closes the connection
        self._answers.append(a)


def write_answers(conn: socket.socket, answers: List[Answer],
                  chunk: memoryview) -> None:
    """Write answers in order on conn, sleeping before delayed ones."""
    out: List[Bytes] = []
    size = 0
    for data, n, _, delay in answers:
        if delay:
            _send(conn, out)
            size = 0
            time.sleep(delay)
        out.append(data)
        size += len(data)
        if n > FLUSH_BYTES:
            _send(conn, out)
            size = 0
            _send_pattern(conn, chunk, n)
        elif n:
            out.append(chunk[:n])
            size += n
        if size >= FLUSH_BYTES:
            _send(conn, out)
            size = 0
    _send(conn, out)


def _send(conn: socket.socket, out: List[Bytes]) -> None:
    """Send the gathered bytes of out and empty it."""
    if len(out) == 1:
        conn.sendall(out[0])
    elif out:
        conn.sendall(b"".join(out))
    out.clear()


def _send_pattern(conn: socket.socket, chunk: memoryview, n: int) -> None:
    """Send n bytes of the body pattern, a chunk at a time."""
    while n:
        k = min(n, CHUNK_BYTES)
        conn.sendall(chunk[:k])
        n -= k
