"""HTTP/2 of the http mode, on the h2 library (hyper-h2), and the choice
between HTTP/1.1 and HTTP/2 for each connection.

The choice: on plain TCP, SniffProtocol looks at the first bytes of a
connection: the 24-byte HTTP/2 preface makes it H2Protocol (h2c with
prior knowledge), anything else HttpProtocol (HTTP/1.1), which gets the
bytes read so far. Over TLS, AlpnProtocol picks by the protocol ALPN
negotiated: "h2" is HTTP/2, anything else (or none) HTTP/1.1.

H2Protocol serves the routes of routes.py on many concurrent streams.
Response bodies are sent as DATA frames only within the peer's flow
control windows (the stream's and the connection's): a stream whose
window is used up waits in _blocked until a WINDOW_UPDATE (or a SETTINGS
change of the initial window) lets it go on; streams with window take
turns of at most TURN_BYTES each. While the transport's write buffer is
full, nothing more is produced and reading pauses, so memory stays
bounded. A delay (/delay/D/bytes/N) is a timer of the event loop per
stream; streams do not wait for each other. A malformed request resets
its stream with PROTOCOL_ERROR and the connection lives on; a frame or
header block the library rejects ends the connection with its GOAWAY.
On a stop signal the connection sends GOAWAY (naming the last stream it
took), refuses newer streams, finishes the ones in flight and closes
(the Connections stopper; they are aborted after conns.STOP_GRACE_S).
"""

import asyncio
import time
from collections import deque
from typing import Callable, Deque, Dict, List, Optional, Tuple, cast

from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.errors import ErrorCodes
from h2.events import (ConnectionTerminated, DataReceived, Event,
                       RemoteSettingsChanged, RequestReceived, StreamReset,
                       WindowUpdated)
from h2.exceptions import ProtocolError
from h2.settings import SettingCodes, Settings
from hyperframe.frame import GoAwayFrame

from .conns import Connections
from .httpserver import TIMER_TICK_S, HttpProtocol
from .routes import (CHUNK_BYTES, METHOD_NOT_ALLOWED, H2Headers, Response,
                     Router, h2_headers)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
"""PREFACE starts every HTTP/2 connection (RFC 9113, section 3.4)."""

MAX_CONCURRENT_STREAMS = 250
"""MAX_CONCURRENT_STREAMS is the server's SETTINGS_MAX_CONCURRENT_STREAMS
(as Go's net/http)."""

MAX_HEADER_LIST_BYTES = 64 << 10
"""MAX_HEADER_LIST_BYTES is the server's SETTINGS_MAX_HEADER_LIST_SIZE."""

TURN_BYTES = 64 << 10
"""TURN_BYTES is the most body bytes one stream sends before the next
stream with window gets its turn."""

MAX_DATA_BYTES = CHUNK_BYTES - 26
"""MAX_DATA_BYTES bounds one DATA frame, so it is one slice of the
pattern chunk, wherever in the alphabet it starts."""

HEADERS_CACHE_ENTRIES = 256
"""HEADERS_CACHE_ENTRIES bounds the cache of HTTP/2 response headers."""

_CONFIG = H2Configuration(
    client_side=False, header_encoding=None,
    # Requests are checked per stream by _parse_request, so a malformed
    # one resets its stream instead of ending the connection; responses
    # are built here and valid.
    validate_inbound_headers=False, normalize_inbound_headers=False,
    validate_outbound_headers=False, normalize_outbound_headers=False)

_PSEUDO = (b":method", b":path", b":scheme", b":authority")
# Connection-specific fields are malformed in HTTP/2 (RFC 9113, 8.2.2).
_CONNECTION_FIELDS = frozenset((b"connection", b"keep-alive",
                                b"proxy-connection", b"transfer-encoding",
                                b"upgrade"))

ProtocolFactory = Callable[[], asyncio.Protocol]


class _Out:
    """_Out is what a stream still owes: its headers (until sent) and the
    rest of its body, a fixed part then pattern bytes."""

    __slots__ = ("sid", "headers", "head_only", "body", "pattern_left",
                 "pattern_pos", "timer", "deadline", "dead")

    def __init__(self, sid: int, response: Response, headers: H2Headers,
                 head_only: bool) -> None:
        self.sid = sid
        self.headers: Optional[H2Headers] = headers
        self.head_only = head_only
        self.body = memoryview(b"" if head_only else response.body)
        self.pattern_left = 0 if head_only else response.pattern_bytes
        self.pattern_pos = 0
        self.timer: Optional[asyncio.TimerHandle] = None
        self.deadline = 0.0
        self.dead = False

    def done(self) -> bool:
        """Whether the whole body was sent."""
        return not self.body and not self.pattern_left


class H2Protocol(asyncio.Protocol):
    """H2Protocol serves one HTTP/2 connection (see the module doc).

    Invariants: _streams holds every stream that still owes a response;
    each of them is waiting for its timer (headers unsent), in _ready or
    in _blocked, or dead (reset) and about to be skipped.
    """

    __slots__ = ("_router", "_chunk", "_conns", "_transport", "_conn",
                 "_streams", "_ready", "_blocked", "_headers",
                 "_write_paused", "_closed", "_stopping", "_peer_eof",
                 "_last_sid")
    _transport: asyncio.Transport

    def __init__(self, router: Router, chunk: memoryview,
                 conns: Connections,
                 headers: Optional[Dict[bytes, H2Headers]] = None) -> None:
        self._router = router
        self._chunk = chunk
        self._conns = conns
        self._conn = H2Connection(config=_CONFIG)
        self._conn.local_settings = Settings(client=False, initial_values={
            SettingCodes.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
            SettingCodes.MAX_HEADER_LIST_SIZE: MAX_HEADER_LIST_BYTES,
        })
        self._streams: Dict[int, _Out] = {}
        self._ready: Deque[_Out] = deque()
        self._blocked: Dict[int, _Out] = {}
        # The response headers by response head, shared by the connections
        # of one router.
        self._headers = {} if headers is None else headers
        self._write_paused = False
        self._closed = False
        self._stopping = False
        self._peer_eof = False
        self._last_sid = 0

    # Taking the connection.

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._conns.add(self._transport)
        self._start()

    def adopt(self, transport: asyncio.Transport, data: bytes) -> None:
        """Take over transport, already recorded in the connections, from
        the protocol that sniffed its first bytes, data."""
        self._transport = transport
        transport.set_protocol(self)
        self._start()
        self.data_received(data)

    def _start(self) -> None:
        """Send the server's SETTINGS and register the GOAWAY stopper."""
        self._conns.set_stopper(self._transport, self.stop)
        self._conn.initiate_connection()
        self._flush()

    # asyncio.Protocol callbacks.

    def data_received(self, data: bytes) -> None:
        if self._closed:
            return
        try:
            events = self._conn.receive_data(data)
        except Exception:  # never crash on bad input
            # After a ProtocolError the library has queued its GOAWAY.
            self._close()
            return
        for event in events:
            self._handle(event)
            if self._closed:
                return
        if self._oversized_frame():
            return
        self._pump()

    def _oversized_frame(self) -> bool:
        """End the connection (GOAWAY FRAME_SIZE_ERROR) if the frame the
        library is buffering is larger than allowed: it would only check
        once the whole frame, up to 16 MiB, has arrived."""
        pending = getattr(self._conn.incoming_buffer, "_data", b"")
        if len(pending) < 9:
            return False
        length = int.from_bytes(pending[:3], "big")
        if length <= self._conn.max_inbound_frame_size:
            return False
        try:
            self._conn.close_connection(ErrorCodes.FRAME_SIZE_ERROR)
        except ProtocolError:
            pass
        self._close()
        return True

    def eof_received(self) -> bool:
        self._peer_eof = True
        if self._streams and not _is_tls(self._transport):
            return True  # answer what was asked, then close
        # TLS has no half-close: the transport closes after what it holds.
        self._close()
        return False

    def pause_writing(self) -> None:
        self._write_paused = True
        self._transport.pause_reading()

    def resume_writing(self) -> None:
        self._write_paused = False
        self._pump()
        if not self._write_paused and not self._closed:
            self._transport.resume_reading()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._closed = True
        for out in self._streams.values():
            if out.timer is not None:
                out.timer.cancel()
        self._streams.clear()
        self._ready.clear()
        self._blocked.clear()
        self._conns.discard(self._transport)

    def stop(self) -> None:
        """Say GOAWAY, refuse newer streams, finish those in flight and
        close (the Connections stopper)."""
        if self._stopping or self._closed:
            return
        self._stopping = True
        self._last_sid = self._conn.highest_inbound_stream_id
        self._flush()
        # Written past the library, which could send nothing after its
        # own GOAWAY: the streams in flight go on.
        self._transport.write(
            GoAwayFrame(0, last_stream_id=self._last_sid).serialize())
        if not self._streams:
            self._close()

    # Events.

    def _handle(self, event: Event) -> None:
        """Act on one event of the library."""
        if isinstance(event, RequestReceived):
            self._request(event.stream_id, event.headers)
        elif isinstance(event, DataReceived):
            # Request bodies are not used; give their window back.
            self._ack(event.stream_id, event.flow_controlled_length)
        elif isinstance(event, WindowUpdated):
            if event.stream_id == 0:
                self._unblock_all()
            else:
                out = self._blocked.pop(event.stream_id, None)
                if out is not None:
                    self._ready.append(out)
        elif isinstance(event, RemoteSettingsChanged):
            self._unblock_all()  # the initial window may have grown
        elif isinstance(event, StreamReset):
            self._forget(event.stream_id)
        elif isinstance(event, ConnectionTerminated):
            self._close()  # the peer's GOAWAY: the library sends no more

    def _request(self, sid: int, fields: List[Tuple[bytes, bytes]]) -> None:
        """Answer the request of stream sid, or reset a malformed one."""
        if self._stopping and sid > self._last_sid:
            self._reset(sid, ErrorCodes.REFUSED_STREAM)
            return
        request = _parse_request(fields)
        if request is None:
            self._reset(sid, ErrorCodes.PROTOCOL_ERROR)
            return
        method, path = request
        response = self._router.route(path)
        if (response.known and method != b"GET"
                and method != b"HEAD"):
            response = METHOD_NOT_ALLOWED
        out = _Out(sid, response, self._headers_of(response),
                   method == b"HEAD")
        self._streams[sid] = out
        if response.delay:
            loop = asyncio.get_running_loop()
            out.deadline = time.monotonic() + response.delay
            out.timer = loop.call_later(response.delay, self._delay_done,
                                        out)
        else:
            self._respond(out)

    def _headers_of(self, response: Response) -> H2Headers:
        """Return the HTTP/2 headers of response, cached by its head."""
        headers = self._headers.get(response.head)
        if headers is None:
            headers = h2_headers(response)
            if len(self._headers) < HEADERS_CACHE_ENTRIES:
                self._headers[response.head] = headers
        return headers

    def _delay_done(self, out: _Out) -> None:
        """Once the deadline of out passed, answer it."""
        left = out.deadline - time.monotonic()
        if left > 0:  # the loop's timers may fire up to a tick early
            loop = asyncio.get_running_loop()
            out.timer = loop.call_later(max(left, TIMER_TICK_S),
                                        self._delay_done, out)
            return
        out.timer = None
        if out.dead or self._closed:
            return
        self._respond(out)
        self._pump()

    def _respond(self, out: _Out) -> None:
        """Send the headers of out, then queue its body."""
        headers, out.headers = out.headers, None
        try:
            self._conn.send_headers(out.sid, headers, end_stream=out.done())
        except ProtocolError:  # the stream is gone
            self._forget(out.sid)
            return
        if out.done():
            self._finish(out)
        else:
            self._ready.append(out)

    # Sending bodies.

    def _pump(self) -> None:
        """Send DATA frames of the ready streams, in turns, until the
        windows are used up, writing pauses or nothing is left; then
        write what the library produced."""
        conn = self._conn
        ready = self._ready
        while ready and not self._write_paused and not self._closed:
            out = ready.popleft()
            if out.dead:
                continue
            if conn.outbound_flow_control_window <= 0:
                ready.appendleft(out)
                self._block_all()
                break
            try:
                blocked = self._send_turn(out)
            except ProtocolError:  # the stream is gone
                self._forget(out.sid)
                continue
            if out.done():
                self._finish(out)
            elif blocked:
                self._blocked[out.sid] = out
            else:
                ready.append(out)
            self._flush()
        self._flush()

    def _send_turn(self, out: _Out) -> bool:
        """Send up to TURN_BYTES of the body of out within the windows;
        return whether the stream's window is used up."""
        conn = self._conn
        sid = out.sid
        window = conn.local_flow_control_window(sid)
        budget = min(window, TURN_BYTES)
        frame_max = min(conn.max_outbound_frame_size, MAX_DATA_BYTES)
        while budget > 0 and not out.done():
            if out.body:
                n = min(len(out.body), budget, frame_max)
                data = out.body[:n]
                out.body = out.body[n:]
            else:
                n = min(out.pattern_left, budget, frame_max)
                start = out.pattern_pos % 26
                data = self._chunk[start:start + n]
                out.pattern_pos += n
                out.pattern_left -= n
            budget -= n
            window -= n
            conn.send_data(sid, data, end_stream=out.done())
        return window <= 0

    def _block_all(self) -> None:
        """Move every ready stream to _blocked: the connection's window is
        used up."""
        for out in self._ready:
            if not out.dead:
                self._blocked[out.sid] = out
        self._ready.clear()

    def _unblock_all(self) -> None:
        """Give every blocked stream a turn again."""
        if self._blocked:
            self._ready.extend(self._blocked.values())
            self._blocked.clear()

    # Ending streams and the connection.

    def _finish(self, out: _Out) -> None:
        """Forget out, whose response is complete; close if that was the
        last one owed after a stop or the peer's EOF."""
        self._streams.pop(out.sid, None)
        if not self._streams and (self._stopping or self._peer_eof):
            self._close()

    def _forget(self, sid: int) -> None:
        """Drop what stream sid owes: it was reset."""
        out = self._streams.pop(sid, None)
        if out is None:
            return
        out.dead = True
        if out.timer is not None:
            out.timer.cancel()
            out.timer = None
        self._blocked.pop(sid, None)
        if not self._streams and (self._stopping or self._peer_eof):
            self._close()

    def _reset(self, sid: int, code: ErrorCodes) -> None:
        """Reset stream sid with code."""
        try:
            self._conn.reset_stream(sid, code)
        except ProtocolError:
            pass  # already closed

    def _ack(self, sid: int, n: int) -> None:
        """Give n received bytes of stream sid back to the peer's windows."""
        if n:
            try:
                self._conn.acknowledge_received_data(n, sid)
            except ProtocolError:
                pass

    def _flush(self) -> None:
        """Write what the library has to send."""
        data = self._conn.data_to_send()
        if data and not self._closed:
            self._transport.write(data)

    def _close(self) -> None:
        """Write what is pending, then close the connection."""
        if self._closed:
            return
        self._flush()
        self._closed = True
        self._transport.close()


def _parse_request(fields: List[Tuple[bytes, bytes]]
                   ) -> Optional[Tuple[bytes, bytes]]:
    """Return the method and path of a request's header fields, or None
    if they are malformed (RFC 9113, section 8.3)."""
    method = path = None
    regular = False
    seen = set()
    for name, value in fields:
        if name[:1] == b":":
            if regular or name in seen or name not in _PSEUDO:
                return None
            seen.add(name)
            if name == b":method":
                method = value
            elif name == b":path":
                path = value
        else:
            regular = True
            if name.lower() != name or name in _CONNECTION_FIELDS:
                return None
            if name == b"te" and value != b"trailers":
                return None
    if not method or not path or b":scheme" not in seen:
        return None
    return method, path


def http_factory(router: Router, chunk: memoryview, conns: Connections,
                 tls: bool) -> ProtocolFactory:
    """Return the protocol factory of the http mode: it picks HTTP/1.1 or
    HTTP/2 by ALPN over TLS, by the preface on plain TCP."""
    def h1() -> HttpProtocol:
        return HttpProtocol(router, chunk, conns)

    headers: Dict[bytes, H2Headers] = {}

    def h2() -> H2Protocol:
        return H2Protocol(router, chunk, conns, headers)

    if tls:
        def tls_h1() -> HttpProtocol:
            return TlsHttpProtocol(router, chunk, conns)
        return lambda: AlpnProtocol(tls_h1, h2)
    return lambda: SniffProtocol(h1, h2, conns)


def _is_tls(transport: asyncio.BaseTransport) -> bool:
    """Whether transport is a TLS connection."""
    return transport.get_extra_info("sslcontext") is not None


class TlsHttpProtocol(HttpProtocol):
    """TlsHttpProtocol is HTTP/1.1 over TLS, which has no half-close: on
    the client's close_notify it closes once its answers are written,
    instead of keeping the write side open."""

    __slots__ = ()

    def eof_received(self) -> bool:
        super().eof_received()
        return False


class SniffProtocol(asyncio.Protocol):
    """SniffProtocol reads a plain TCP connection until its first bytes
    tell HTTP/2's preface from anything else, then hands the connection
    and those bytes to H2Protocol or HttpProtocol."""

    __slots__ = ("_h1", "_h2", "_conns", "_transport", "_buf")
    _transport: asyncio.Transport

    def __init__(self, h1: Callable[[], HttpProtocol],
                 h2: Callable[[], H2Protocol], conns: Connections) -> None:
        self._h1 = h1
        self._h2 = h2
        self._conns = conns
        self._buf = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._conns.add(self._transport)

    def data_received(self, data: bytes) -> None:
        buf = self._buf + data if self._buf else data
        n = min(len(buf), len(PREFACE))
        if buf[:n] != PREFACE[:n]:
            self._h1().adopt(self._transport, buf)
        elif n == len(PREFACE):
            self._h2().adopt(self._transport, buf)
        else:
            self._buf = buf

    def eof_received(self) -> bool:
        h1 = self._h1()
        h1.adopt(self._transport, self._buf)
        return bool(h1.eof_received())

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._conns.discard(self._transport)


class AlpnProtocol(asyncio.Protocol):
    """AlpnProtocol hands a TLS connection, once its handshake is done, to
    H2Protocol if ALPN selected "h2", else to HttpProtocol."""

    __slots__ = ("_h1", "_h2")

    def __init__(self, h1: Callable[[], HttpProtocol],
                 h2: Callable[[], H2Protocol]) -> None:
        self._h1 = h1
        self._h2 = h2

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        ssl_object = transport.get_extra_info("ssl_object")
        alpn = ssl_object.selected_alpn_protocol() if ssl_object else None
        proto: asyncio.Protocol = self._h2() if alpn == "h2" else self._h1()
        transport.set_protocol(proto)
        proto.connection_made(transport)
