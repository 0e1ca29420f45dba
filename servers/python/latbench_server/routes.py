"""Routes and prebuilt responses of the http mode (pure, no I/O).

GET /bytes/N answers N bytes where byte i is 'a' + i % 26, GET /health
answers "ok"; the status lines, headers and bodies mirror the Go reference
server (net/http), without its Date header.
"""

from typing import Dict, NamedTuple, Optional
from urllib.parse import unquote_to_bytes

MAX_BODY_BYTES = 16 << 20
"""MAX_BODY_BYTES is the largest N that GET /bytes/N serves (16 MiB)."""

ALPHABET = b"abcdefghijklmnopqrstuvwxyz"

CHUNK_BYTES = 26 * 10083
"""CHUNK_BYTES is the size of the pattern chunk a body is written in
(about 256 KiB): a whole number of alphabets, so each chunk continues the
pattern of the one before."""

WHOLE_MAX_BYTES = 16 << 10
"""WHOLE_MAX_BYTES is the largest body kept in a response's prebuilt
keep-alive bytes; larger bodies are written in chunks of the pattern."""

CACHE_ENTRIES = 256
"""CACHE_ENTRIES bounds how many distinct URLs Router remembers."""

_SIZE_DIGITS = len(str(MAX_BODY_BYTES))

# Connection headers of a response, by what the request asked for.
CONN_KEEP = b""
CONN_KEEP_ALIVE = b"Connection: keep-alive\r\n"
CONN_CLOSE = b"Connection: close\r\n"


def make_pattern(n: int) -> bytes:
    """Return n bytes where byte i is 'a' + i % 26."""
    return (ALPHABET * (n // 26 + 1))[:n]


def parse_size(text: bytes) -> Optional[int]:
    """Parse text as a decimal integer from 0 to MAX_BODY_BYTES, or None."""
    if not text.isdigit():
        return None
    digits = text.lstrip(b"0")
    if len(digits) > _SIZE_DIGITS:
        return None
    n = int(digits or b"0")
    return n if n <= MAX_BODY_BYTES else None


class Response(NamedTuple):
    """Response is one prebuilt answer.

    head is the status line without its "HTTP/1.x " prefix plus the header
    lines, without the blank line; body is a fixed body and pattern_bytes
    the number of pattern bytes written after it. known says the path
    exists, so a method other than GET or HEAD gets 405. whole is the
    complete HTTP/1.1 keep-alive answer to GET, when it is small.
    """

    head: bytes
    body: bytes
    pattern_bytes: int
    known: bool
    whole: Optional[bytes]

    def encode_head(self, http11: bool, connection: bytes) -> bytes:
        """Return the status line and headers for the request's version."""
        version = b"HTTP/1.1 " if http11 else b"HTTP/1.0 "
        return version + self.head + connection + b"\r\n"


def _text(status: bytes, body: bytes, known: bool = False,
          extra: bytes = b"") -> Response:
    """Return a plain-text response like Go's http.Error."""
    head = (status + b"\r\n" + extra
            + b"Content-Type: text/plain; charset=utf-8\r\n"
            + b"X-Content-Type-Options: nosniff\r\n"
            + b"Content-Length: %d\r\n" % len(body))
    return _with_whole(Response(head, body, 0, known, None), b"")


def _with_whole(r: Response, pattern: bytes) -> Response:
    """Return r with its whole keep-alive answer when it is small."""
    if r.whole is not None or len(r.body) + r.pattern_bytes > WHOLE_MAX_BYTES:
        return r
    whole = r.encode_head(True, CONN_KEEP) + r.body + pattern[:r.pattern_bytes]
    return r._replace(whole=whole)


HEALTH = _with_whole(Response(
    b"200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 2\r\n", b"ok", 0, True, None), b"")
NOT_FOUND = _text(b"404 Not Found", b"404 page not found\n")
BAD_SIZE = _text(b"400 Bad Request",
                 b"size must be a decimal integer from 0 to 16777216\n",
                 known=True)
METHOD_NOT_ALLOWED = _text(b"405 Method Not Allowed", b"Method Not Allowed\n",
                           extra=b"Allow: GET, HEAD\r\n")
MALFORMED = Response(
    b"400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 15\r\n", b"400 Bad Request", 0, False, None)
"""MALFORMED answers a request that does not parse; the connection closes."""


class Router:
    """Router maps request URLs to responses and remembers the answers.

    The cache is keyed by the raw URL and holds at most CACHE_ENTRIES
    entries, so a repeated request costs one dict lookup.
    """

    def __init__(self, pattern: bytes, cache_entries: int = CACHE_ENTRIES):
        self._pattern = pattern
        self._cache: Dict[bytes, Response] = {}
        self._cache_entries = cache_entries

    def route(self, url: bytes) -> Response:
        """Return the response for a GET of url.

        Only cached responses get their whole answer prebuilt, so a flood
        of distinct URLs cannot make every queued answer carry a body.
        """
        r = self._cache.get(url)
        if r is None:
            r = self._build(url)
            if len(self._cache) < self._cache_entries:
                r = _with_whole(r, self._pattern)
                self._cache[url] = r
        return r

    def _build(self, url: bytes) -> Response:
        """Return the response for url, computed from scratch."""
        path = url.split(b"?", 1)[0]
        if b"%" in path:
            path = unquote_to_bytes(path)
        if path == b"/health":
            return HEALTH
        if path.startswith(b"/bytes/"):
            arg = path[len(b"/bytes/"):]
            if arg and b"/" not in arg:
                return self._bytes_response(arg)
        return NOT_FOUND

    def _bytes_response(self, arg: bytes) -> Response:
        """Return the answer to /bytes/arg."""
        n = parse_size(arg)
        if n is None:
            return BAD_SIZE
        head = (b"200 OK\r\nContent-Type: application/octet-stream\r\n"
                b"Content-Length: %d\r\n" % n)
        return Response(head, b"", n, True, None)
