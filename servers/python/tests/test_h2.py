"""Real-socket tests of HTTP/2 in the http mode on plain TCP: h2c with
prior knowledge beside HTTP/1.1, the routes, many streams, flow control,
PING, malformed input and GOAWAY on SIGTERM."""

import socket
import time
from typing import Callable, Iterator, List

import pytest

from h2client import H2Client
from helpers import Server, connect, get, pattern
from latbench_server.http2 import PREFACE

Start = Callable[..., Server]
MIB = 1 << 20


class H2c:
    """H2c is an http server and the h2c clients a test connects to it."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.socks: List[socket.socket] = []

    def __call__(self, **kw) -> H2Client:
        """Connect a new client (H2Client's keyword arguments)."""
        sock = connect(self.server.addr)
        self.socks.append(sock)
        return H2Client(sock, **kw)


@pytest.fixture
def h2c(server: Start) -> Iterator[H2c]:
    """Start an http server; connect h2c clients to it by calling this."""
    clients = H2c(server("--mode", "http", "--threads", "1"))
    yield clients
    for sock in clients.socks:
        sock.close()


def test_h2c_prior_knowledge_serves_the_routes(h2c):
    c = h2c()
    r = c.get("/bytes/1000")
    assert r.status == 200
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-length"] == "1000"
    assert bytes(r.body) == pattern(1000)
    r = c.get("/health")
    assert (r.status, bytes(r.body)) == (200, b"ok")
    r = c.get("/bytes/0")
    assert (r.status, r.headers["content-length"], r.body) == (200, "0", b"")
    r = c.get("/nope")
    assert (r.status, bytes(r.body)) == (404, b"404 page not found\n")
    r = c.get("/bytes/16777217")
    assert r.status == 400
    r = c.get("/delay/20ms/bytes/5")
    assert (r.status, bytes(r.body)) == (200, b"abcde")
    r = c.get("/delay/soon/bytes/5")
    assert r.status == 400
    r = c.get("/bytes/7", method="HEAD")
    assert (r.status, r.headers["content-length"], r.body) == (200, "7", b"")
    r = c.get("/bytes/7", method="POST")
    assert (r.status, r.headers["allow"]) == (405, "GET, HEAD")


def test_http11_still_served_beside_h2c(h2c):
    s = h2c.server
    with connect(s.addr) as c, c.makefile("rb") as f:
        assert get(c, f, "/bytes/5") == (200, {
            "content-type": "application/octet-stream",
            "content-length": "5"}, b"abcde")
    # A request line that starts like the preface is still HTTP/1.1.
    with connect(s.addr) as c, c.makefile("rb") as f:
        c.sendall(b"PRI")
        time.sleep(0.05)
        c.sendall(b"NT /bytes/3 HTTP/1.1\r\nHost: t\r\n\r\n")
        assert f.readline().startswith(b"HTTP/1.1 ")


def test_preface_split_over_many_writes(h2c):
    s = h2c.server
    with connect(s.addr) as sock:
        for i in range(len(PREFACE)):
            sock.sendall(PREFACE[i:i + 1])
            time.sleep(0.005)
        c = H2Client(sock, preface_sent=True)
        assert bytes(c.get("/bytes/3").body) == b"abc"


def test_many_concurrent_streams(h2c):
    c = h2c()
    c.receive()  # the server's SETTINGS
    assert c.conn.remote_settings.max_concurrent_streams >= 100
    sids = [c.request(f"/bytes/{1000 + i}") for i in range(100)]
    sids += [c.request("/delay/100ms/bytes/10") for _ in range(5)]
    replies = c.wait(sids)
    for i, r in enumerate(replies[:100]):
        assert r.status == 200
        assert bytes(r.body) == pattern(1000 + i)
    assert all(bytes(r.body) == pattern(10) for r in replies[100:])


def test_large_bodies_on_concurrent_streams(h2c):
    c = h2c()
    sids = [c.request(f"/bytes/{MIB + i}") for i in range(4)]
    for i, r in enumerate(c.wait(sids)):
        assert r.status == 200 and bytes(r.body) == pattern(MIB + i)


def test_one_mib_with_default_windows(h2c):
    c = h2c()
    r = c.get(f"/bytes/{MIB}")
    assert r.status == 200
    assert len(r.body) == MIB and bytes(r.body) == pattern(MIB)


def test_flow_control_waits_for_window_update(h2c):
    """The server sends no more than the initial 65,535-byte window until
    the client gives data back; then it sends the rest."""
    c = h2c(auto_ack=False)
    sid = c.request(f"/bytes/{MIB}")
    reply = c.replies[sid]
    while len(reply.body) < 65535:
        assert c.receive()
    c.sock.settimeout(0.5)
    with pytest.raises(socket.timeout):
        while True:
            assert c.receive()  # the library raises if the window is broken
    assert len(reply.body) == 65535
    c.sock.settimeout(20)
    c.auto_ack = True
    c.ack_all()
    c.wait([sid])
    assert bytes(reply.body) == pattern(MIB)


def test_ping(h2c):
    c = h2c()
    c.ping(b"12345678")
    assert c.get("/bytes/3").body == b"abc"


def test_malformed_request_resets_only_its_stream(h2c):
    c = h2c()
    no_path = [(b":method", b"GET"), (b":scheme", b"http")]
    upper = [(b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/"),
             (b"X-Upper", b"1")]
    late = [(b":method", b"GET"), (b"x", b"1"), (b":scheme", b"http"),
            (b":path", b"/health")]
    conn = [(b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/"),
            (b"connection", b"close")]
    for fields in (no_path, upper, late, conn):
        r = c.wait([c.request("", fields=fields)])[0]
        assert r.reset == 1 or r.status == 400  # PROTOCOL_ERROR
    assert bytes(c.get("/bytes/4").body) == b"abcd"


def test_garbage_frame_closes_only_that_connection(h2c):
    s = h2c.server
    with connect(s.addr) as sock:
        sock.sendall(PREFACE + b"\xff" * 64)
        sock.settimeout(20)
        while sock.recv(65536):
            pass
    assert bytes(h2c().get("/bytes/3").body) == b"abc"
    assert s.proc.poll() is None


def test_sigterm_sends_goaway_and_exits_0(h2c):
    s = h2c.server
    c = h2c()
    assert c.get("/health").status == 200
    busy = c.request("/delay/10s/bytes/10")
    time.sleep(0.2)
    t0 = time.monotonic()
    assert s.terminate(timeout=2.0) == 0
    assert time.monotonic() - t0 < 2.0
    while c.terminated is None and c.receive():
        pass
    assert c.terminated is not None
    assert c.terminated.error_code == 0
    assert c.terminated.last_stream_id >= busy
    assert "Traceback" not in s.stderr()
