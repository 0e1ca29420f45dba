"""Tests of the blocking form: its parts in this process, then echo,
http and proxy on real sockets."""

import socket
import threading
import time
from typing import Callable, List

import pytest

from helpers import (Server, connect, expect_closed, get, pattern,
                     read_response, request)
from latbench_server.blocking.httpserver import Requests, write_answers
from latbench_server.blocking.pool import Pool
from latbench_server.httpserver import MALFORMED_ANSWER
from latbench_server.routes import CHUNK_BYTES, Router, make_pattern

Start = Callable[..., Server]
CHUNK = memoryview(make_pattern(CHUNK_BYTES))


def new_requests() -> Requests:
    return Requests(Router(bytes(CHUNK)))


def test_requests_pipelined():
    r = new_requests()
    answers = r.feed(request("/bytes/3") + request("/delay/2ms/bytes/4")
                     + request("/health", method="HEAD")
                     + request("/bytes/1")[:5])
    assert [(n, close, delay) for _, n, close, delay in answers] == [
        (0, False, 0.0), (0, False, 0.002), (0, False, 0.0)]
    assert answers[0][0].endswith(b"\r\n\r\nabc")
    assert answers[1][0].endswith(b"\r\n\r\nabcd")
    assert r.feed(request("/bytes/1")[5:])[0][0].endswith(b"\r\n\r\na")
    assert not r.closing


def test_requests_close_ignores_the_rest():
    r = new_requests()
    answers = r.feed(request("/bytes/2", "Connection: close\r\n")
                     + request("/bytes/3"))
    assert len(answers) == 1 and answers[0][2]
    assert answers[0][0].endswith(b"Connection: close\r\n\r\n")
    assert r.closing


def test_requests_malformed():
    r = new_requests()
    answers = r.feed(request("/bytes/2") + b"GARBAGE\r\n\r\n")
    assert answers[-1] == (MALFORMED_ANSWER, 0, True, 0.0)
    assert len(answers) == 2
    assert r.closing


def test_requests_upgrade_is_answered_plainly():
    r = new_requests()
    answers = r.feed(request("/bytes/2", "Connection: Upgrade\r\n"
                             "Upgrade: websocket\r\n")
                     + request("/bytes/3"))
    assert [a[0].split(b"\r\n\r\n")[1] for a in answers] == [b"ab", b"abc"]


def test_write_answers_sleeps_before_delayed_ones():
    a, b = socket.socketpair()
    with a, b:
        t0 = time.monotonic()
        write_answers(a, [(b"1", 0, False, 0.0), (b"2", 3, False, 0.05),
                          (b"3", 0, False, 0.0)], CHUNK)
        assert time.monotonic() - t0 >= 0.05
        a.close()
        assert b.makefile("rb").read() == b"12abc3"


def test_write_answers_streams_large_bodies():
    a, b = socket.socketpair()
    got: List[bytes] = []
    reader = threading.Thread(target=lambda: got.append(
        b.makefile("rb").read()))
    reader.start()
    with a, b:
        n = 3 * CHUNK_BYTES + 5
        write_answers(a, [(b"x", n, False, 0.0), (b"y", 2, False, 0.0)],
                      CHUNK)
        a.shutdown(socket.SHUT_WR)
        reader.join()
    assert got[0] == b"x" + pattern(n) + b"yab"


def test_pool_queues_while_busy():
    release = threading.Event()
    done: List[int] = []

    def job(i: int) -> None:
        if i < 2:
            release.wait()
        done.append(i)

    pool: Pool[int] = Pool(2, "test", job)
    for i in range(3):
        pool.put(i)
    time.sleep(0.2)
    assert done == []  # 2 waits behind the busy threads 0 and 1
    release.set()
    deadline = time.monotonic() + 10
    while len(done) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(done) == [0, 1, 2]


def echo_once(c: socket.socket, msg: bytes) -> bytes:
    """Send msg while reading its echo in another thread."""
    writer = threading.Thread(target=c.sendall, args=(msg,))
    writer.start()
    got = bytearray()
    while len(got) < len(msg):
        data = c.recv(1 << 16)
        assert data, "closed early"
        got += data
    writer.join()
    return bytes(got)


def test_echo(server: Start):
    s = server("--mode", "echo", "--io", "blocking", "--workers", "2")
    msg = bytes(i % 251 for i in range(1 << 20))
    with connect(s.addr) as c:
        assert echo_once(c, b"x") == b"x"
        assert echo_once(c, msg) == msg
        c.sendall(b"bye")
        c.shutdown(socket.SHUT_WR)
        assert c.makefile("rb").read() == b"bye"


def test_echo_connections_wait_for_a_worker(server: Start):
    s = server("--mode", "echo", "--io", "blocking", "--workers", "1")
    with connect(s.addr) as first, connect(s.addr) as second:
        assert echo_once(first, b"1") == b"1"
        second.sendall(b"2")
        second.settimeout(0.3)
        with pytest.raises(socket.timeout):
            second.recv(1)  # the only worker serves first
        second.settimeout(10)
        first.close()
        assert second.recv(1) == b"2"


def test_http(server: Start):
    s = server("--mode", "http", "--io", "blocking", "--workers", "2")
    with connect(s.addr) as c, c.makefile("rb") as f:
        assert get(c, f, "/health")[::2] == (200, b"ok")
        assert get(c, f, "/nope")[0] == 404
        for n in [0, 26, 70000, 16 << 20]:
            assert get(c, f, "/bytes/%d" % n)[2] == pattern(n)
        c.sendall(request("/bytes/5", method="POST"))
        assert read_response(f)[0] == 405
        c.sendall(request("/bytes/5", method="HEAD"))
        assert read_response(f, head=True)[1]["content-length"] == "5"
    with connect(s.addr) as c, c.makefile("rb") as f:
        c.sendall(b"GET /bytes/100 HTTP/1.0\r\n\r\n")
        assert read_response(f)[2] == pattern(100)
        expect_closed(c)
    with connect(s.addr) as c, c.makefile("rb") as f:
        c.sendall(b"GARBAGE\r\n\r\n")
        assert read_response(f)[0] == 400
        expect_closed(c)


def test_proxy(server: Start):
    backend = server("--mode", "http", "--io", "blocking", "--workers", "4")
    s = server("--mode", "proxy", "--io", "blocking", "--workers", "2",
               "--backend", "%s:%d" % backend.addr)
    with connect(s.addr) as c, c.makefile("rb") as f:
        for n in [10, 1 << 20]:
            assert get(c, f, "/bytes/%d" % n)[2] == pattern(n)
        c.sendall(request("/delay/1ms/bytes/3", "Connection: close\r\n"))
        assert read_response(f)[2] == pattern(3)
        expect_closed(c)  # the backend closed, so the proxy closes


def test_proxy_client_close_closes_backend(server: Start):
    with socket.create_server(("127.0.0.1", 0)) as ln:
        ln.settimeout(20)
        s = server("--mode", "proxy", "--io", "blocking",
                   "--backend", "%s:%d" % ln.getsockname())
        with connect(s.addr) as c:
            c.sendall(b"ping")
            b, _ = ln.accept()
        with b:
            b.settimeout(20)
            assert b.recv(4) == b"ping"
            assert b.recv(1) == b""  # the client left: the proxy closed b


def test_proxy_unreachable_backend_closes_client(server: Start):
    with socket.create_server(("127.0.0.1", 0)) as ln:
        down = "%s:%d" % ln.getsockname()
    s = server("--mode", "proxy", "--io", "blocking", "--backend", down)
    with connect(s.addr) as c:
        expect_closed(c)
