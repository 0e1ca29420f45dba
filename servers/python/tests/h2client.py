"""A small blocking HTTP/2 client on the h2 library for the tests: h2c
with prior knowledge on a plain socket, or h2 on a TLS socket."""

import socket
from typing import Dict, Iterable, List, Optional, Tuple

from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.events import (ConnectionTerminated, DataReceived, Event,
                       PingAckReceived, ResponseReceived, StreamEnded,
                       StreamReset)

Fields = List[Tuple[bytes, bytes]]


class Reply:
    """Reply is what one stream received."""

    def __init__(self) -> None:
        self.headers: Dict[str, str] = {}
        self.body = bytearray()
        self.ended = False
        self.reset: Optional[int] = None

    @property
    def status(self) -> int:
        return int(self.headers[":status"])

    @property
    def done(self) -> bool:
        return self.ended or self.reset is not None


class H2Client:
    """H2Client speaks HTTP/2 on sock, keeping the initial 65,535-byte
    flow control windows; it gives received data back (WINDOW_UPDATE)
    unless auto_ack is False. With preface_sent, the caller already sent
    the 24-byte client preface."""

    def __init__(self, sock: socket.socket, scheme: bytes = b"http",
                 auto_ack: bool = True, preface_sent: bool = False) -> None:
        self.sock = sock
        self.scheme = scheme
        self.auto_ack = auto_ack
        self.conn = H2Connection(H2Configuration(
            client_side=True, header_encoding=None,
            validate_outbound_headers=False,
            normalize_outbound_headers=False))
        self.replies: Dict[int, Reply] = {}
        self.unacked: Dict[int, int] = {}
        self.events: List[Event] = []
        self.terminated: Optional[ConnectionTerminated] = None
        self.conn.initiate_connection()
        data = self.conn.data_to_send()
        self.sock.sendall(data[24:] if preface_sent else data)

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, path: str, method: str = "GET",
                fields: Optional[Fields] = None) -> int:
        """Send a request (no body); return its stream id. fields replaces
        the whole header list when given."""
        sid = self.conn.get_next_available_stream_id()
        if fields is None:
            fields = [(b":method", method.encode()),
                      (b":scheme", self.scheme),
                      (b":authority", b"test"),
                      (b":path", path.encode())]
        self.conn.send_headers(sid, fields, end_stream=True)
        self.replies[sid] = Reply()
        self.flush()
        return sid

    def receive(self) -> bool:
        """Read once from the socket and handle the events; False at EOF."""
        data = self.sock.recv(1 << 20)
        if not data:
            return False
        for event in self.conn.receive_data(data):
            self.events.append(event)
            self._handle(event)
        self.flush()
        return True

    def _handle(self, event: Event) -> None:
        if isinstance(event, ResponseReceived):
            self.replies[event.stream_id].headers = {
                k.decode(): v.decode() for k, v in event.headers}
        elif isinstance(event, DataReceived):
            self.replies[event.stream_id].body += event.data
            if self.auto_ack:
                self.conn.acknowledge_received_data(
                    event.flow_controlled_length, event.stream_id)
            else:
                self.unacked[event.stream_id] = (
                    self.unacked.get(event.stream_id, 0)
                    + event.flow_controlled_length)
        elif isinstance(event, StreamEnded):
            self.replies[event.stream_id].ended = True
        elif isinstance(event, StreamReset):
            self.replies[event.stream_id].reset = event.error_code
        elif isinstance(event, ConnectionTerminated):
            self.terminated = event

    def ack_all(self) -> None:
        """Give back every byte received so far."""
        for sid, n in self.unacked.items():
            self.conn.acknowledge_received_data(n, sid)
        self.unacked.clear()
        self.flush()

    def wait(self, sids: Iterable[int]) -> List[Reply]:
        """Read until every stream of sids is done; return their replies."""
        sids = list(sids)
        while not all(self.replies[s].done for s in sids):
            if not self.receive():
                raise EOFError("connection closed before the replies")
        return [self.replies[s] for s in sids]

    def get(self, path: str, method: str = "GET") -> Reply:
        """Send one request and wait for its reply."""
        return self.wait([self.request(path, method)])[0]

    def ping(self, opaque: bytes = b"latbench") -> None:
        """Send PING and wait for its ACK."""
        self.conn.ping(opaque)
        self.flush()
        while not any(isinstance(e, PingAckReceived)
                      and e.ping_data == opaque for e in self.events):
            if not self.receive():
                raise EOFError("connection closed before the PING ACK")
