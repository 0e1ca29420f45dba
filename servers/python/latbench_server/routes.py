"""Routes and prebuilt responses of the http mode (pure, no I/O).

GET /bytes/N answers N bytes where byte i is 'a' + i % 26, GET
/delay/D/bytes/N answers the same after waiting D (a slow dependency; a
bad D or N gets 400 at once), GET /health answers "ok"; the status lines, headers and bodies mirror the
Go reference server (net/http), without its Date header. Both I/O forms
(asyncio and blocking threads) answer with what this module builds.
"""

from typing import Dict, List, NamedTuple, Optional, Tuple
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

MAX_DELAY_US = 60_000_000
"""MAX_DELAY_US is the longest D that GET /delay/D/bytes/N waits (60 s)."""

_SIZE_DIGITS = len(str(MAX_BODY_BYTES))
_DELAY_DIGITS = len(str(MAX_DELAY_US))
# Units of D and their length in microseconds; "s" must come last, as
# "us" and "ms" end with it too.
_DELAY_UNITS = ((b"us", 1), (b"ms", 1_000), (b"s", 1_000_000))

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


def parse_delay(text: bytes) -> Optional[int]:
    """Parse text, a whole number followed by us, ms or s, as microseconds
    from 0 to MAX_DELAY_US, or None."""
    for unit, us in _DELAY_UNITS:
        if text.endswith(unit):
            digits = text[:-len(unit)]
            break
    else:
        return None
    if not digits.isdigit():
        return None
    digits = digits.lstrip(b"0")
    if len(digits) > _DELAY_DIGITS:
        return None
    delay = int(digits or b"0") * us
    return delay if delay <= MAX_DELAY_US else None


class Response(NamedTuple):
    """Response is one prebuilt answer.

    head is the status line without its "HTTP/1.x " prefix plus the header
    lines, without the blank line; body is a fixed body and pattern_bytes
    the number of pattern bytes written after it. known says the path
    exists, so a method other than GET or HEAD gets 405. whole is the
    complete HTTP/1.1 keep-alive answer to GET, when it is small. delay
    is how long (in seconds) to wait before answering GET or HEAD.
    """

    head: bytes
    body: bytes
    pattern_bytes: int
    known: bool
    whole: Optional[bytes]
    delay: float = 0.0

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
BAD_DELAY = _text(b"400 Bad Request",
                  b"delay must be a whole number of us, ms or s, "
                  b"at most 60s\n",
                  known=True)
MALFORMED = Response(
    b"400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 15\r\n", b"400 Bad Request", 0, False, None)
"""MALFORMED answers a request that does not parse; the connection closes."""


Answer = Tuple[bytes, int, bool, float]
"""Answer is how a connection answers one request: the bytes to write
first, the number of pattern bytes that follow them, whether to close the
connection after them and how long to wait (seconds) before writing."""


def answer(response: Response, method: bytes, keep_alive: bool,
           http11: bool) -> Answer:
    """Return the answer of response to a request with method, the
    parser's keep-alive verdict and HTTP version."""
    if (keep_alive and http11 and method == b"GET"
            and response.whole is not None):
        return response.whole, 0, False, response.delay
    if response.known and method != b"GET" and method != b"HEAD":
        response = METHOD_NOT_ALLOWED
    head = response.encode_head(http11, connection_header(keep_alive, http11))
    if method == b"HEAD":
        return head, 0, not keep_alive, response.delay
    return (head + response.body, response.pattern_bytes, not keep_alive,
            response.delay)


H2Headers = List[Tuple[bytes, bytes]]
"""H2Headers is the header list of an HTTP/2 response, :status first."""


def h2_headers(response: Response) -> H2Headers:
    """Return the HTTP/2 headers of response: its status and its header
    lines with lower-case names (HTTP/2 has no Connection header)."""
    status, *lines = response.head.split(b"\r\n")
    headers = [(b":status", status[:3])]
    for line in lines:
        name, sep, value = line.partition(b":")
        if sep:
            headers.append((name.strip().lower(), value.strip()))
    return headers


def connection_header(keep_alive: bool, http11: bool) -> bytes:
    """Return the Connection header line of an answer, like net/http."""
    if not keep_alive:
        return CONN_CLOSE if http11 else b""
    return CONN_KEEP if http11 else CONN_KEEP_ALIVE


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
        elif path.startswith(b"/delay/"):
            delay, sep, arg = path[len(b"/delay/"):].partition(b"/bytes/")
            if (sep and delay and arg and b"/" not in delay
                    and b"/" not in arg):
                return self._delay_response(delay, arg)
        return NOT_FOUND

    def _bytes_response(self, arg: bytes) -> Response:
        """Return the answer to /bytes/arg."""
        n = parse_size(arg)
        if n is None:
            return BAD_SIZE
        head = (b"200 OK\r\nContent-Type: application/octet-stream\r\n"
                b"Content-Length: %d\r\n" % n)
        return Response(head, b"", n, True, None)

    def _delay_response(self, delay: bytes, arg: bytes) -> Response:
        """Return the answer to /delay/delay/bytes/arg: that of
        /bytes/arg after waiting delay; a bad delay or size gets 400 at
        once."""
        us = parse_delay(delay)
        if us is None:
            return BAD_DELAY
        r = self._bytes_response(arg)
        return r if r is BAD_SIZE else r._replace(delay=us / 1e6)
