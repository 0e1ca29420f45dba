"""Real-socket tests of GET /delay/D/bytes/N in both I/O forms, and of
what the blocking form is for: a slow dependency starves its pool."""

import socket
import threading
import time
from typing import Callable, List

import pytest

from helpers import (Server, connect, expect_closed, get, pattern,
                     read_response, request)

FORMS = [
    pytest.param(["--io", "async", "--threads", "1"], id="async"),
    pytest.param(["--io", "blocking", "--workers", "2"], id="blocking"),
]

Start = Callable[..., Server]


@pytest.mark.parametrize("flags", FORMS)
def test_delay_waits_then_answers_like_bytes(server: Start, flags):
    s = server("--mode", "http", *flags)
    with connect(s.addr) as c, c.makefile("rb") as f:
        get(c, f, "/health")  # warm up
        t0 = time.monotonic()
        status, headers, body = get(c, f, "/delay/50ms/bytes/10")
        took = time.monotonic() - t0
        assert took >= 0.050
        assert (status, body) == (200, pattern(10))
        assert headers["content-type"] == "application/octet-stream"
        assert headers["content-length"] == "10"
        # The connection stays usable, also after a delay of nothing.
        assert get(c, f, "/delay/0ms/bytes/3") == get(c, f, "/bytes/3")


@pytest.mark.parametrize("flags", FORMS)
def test_large_delayed_body(server: Start, flags):
    s = server("--mode", "http", *flags)
    with connect(s.addr) as c, c.makefile("rb") as f:
        status, _, body = get(c, f, "/delay/1ms/bytes/%d" % (1 << 20))
        assert (status, body) == (200, pattern(1 << 20))


@pytest.mark.parametrize("flags", FORMS)
def test_bad_delay_is_400_with_keep_alive(server: Start, flags):
    s = server("--mode", "http", *flags)
    with connect(s.addr) as c, c.makefile("rb") as f:
        for path in ["/delay/61s/bytes/10", "/delay/1m/bytes/10",
                     "/delay/10/bytes/10", "/bytes/abc"]:
            status, headers, _ = get(c, f, path)
            assert status == 400, path
            assert "connection" not in headers, path
        assert get(c, f, "/delay/1ms/bytes/5")[2] == pattern(5)


@pytest.mark.parametrize("flags", FORMS)
def test_pipelined_delays_answer_in_order(server: Start, flags):
    s = server("--mode", "http", *flags)
    with connect(s.addr) as c, c.makefile("rb") as f:
        t0 = time.monotonic()
        c.sendall(request("/delay/100ms/bytes/5") + request("/bytes/7")
                  + request("/delay/50ms/bytes/3", method="HEAD")
                  + request("/delay/1ms/bytes/4"))
        assert read_response(f)[2] == pattern(5)
        assert read_response(f)[2] == pattern(7)
        status, headers, _ = read_response(f, head=True)
        assert (status, headers["content-length"]) == (200, "3")
        assert read_response(f)[2] == pattern(4)
        assert time.monotonic() - t0 >= 0.150


@pytest.mark.parametrize("flags", FORMS)
def test_delayed_answer_then_close(server: Start, flags):
    s = server("--mode", "http", *flags)
    with connect(s.addr) as c, c.makefile("rb") as f:
        c.sendall(request("/delay/20ms/bytes/6", "Connection: close\r\n"))
        status, headers, body = read_response(f)
        assert (status, headers["connection"], body) == (
            200, "close", pattern(6))
        expect_closed(c)


def slow_requests(addr, count: int, path: str) -> List[socket.socket]:
    """Open count connections and send GET path on each, asking the
    server to close after the answer (a blocking worker is busy until
    its connection closes)."""
    conns = []
    for _ in range(count):
        c = connect(addr)
        c.sendall(request(path, "Connection: close\r\n"))
        conns.append(c)
    return conns


def timed_get(addr, path: str) -> float:
    """Return how long GET path takes on a new connection."""
    t0 = time.monotonic()
    with connect(addr) as c, c.makefile("rb") as f:
        assert get(c, f, path)[2] == pattern(10)
    return time.monotonic() - t0


def finish(conns: List[socket.socket]) -> None:
    """Read the /delay/.../bytes/10 answer of every connection."""
    for c in conns:
        with c, c.makefile("rb") as f:
            assert read_response(f)[2] == pattern(10)
            expect_closed(c)


@pytest.mark.parametrize("flags, slow", [
    pytest.param(["--io", "blocking", "--workers", "2"], True,
                 id="blocking starves"),
    pytest.param(["--io", "async", "--threads", "1"], False,
                 id="async does not"),
])
def test_slow_dependency(server: Start, flags, slow):
    """Two connections wait on a slow dependency: with two workers the
    third connection waits until one of them is answered and closed; the
    event loop answers it at once."""
    s = server("--mode", "http", *flags)
    timed_get(s.addr, "/bytes/10")  # warm up
    busy = slow_requests(s.addr, 2, "/delay/500ms/bytes/10")
    took = timed_get(s.addr, "/bytes/10")
    finish(busy)
    if slow:
        assert took >= 0.4
    else:
        assert took < 0.2


@pytest.mark.parametrize("mode", ["echo", "http", "proxy"])
@pytest.mark.parametrize("flags", FORMS)
def test_sigterm_exits_0_with_busy_connections(server: Start, flags, mode):
    backend = server("--mode", "echo", "--io", "blocking")
    extra = ["--backend", "%s:%d" % backend.addr] if mode == "proxy" else []
    s = server("--mode", mode, *flags, *extra)
    conns = [connect(s.addr) for _ in range(3)]
    if mode == "http":
        conns[0].sendall(request("/delay/10s/bytes/10"))
        conns[1].sendall(request("/delay/10s/bytes/10"))
    else:
        conns[0].sendall(b"x")
        assert conns[0].recv(1) == b"x"
    time.sleep(0.2)  # let the workers block in their read or sleep
    t0 = time.monotonic()
    assert s.terminate(timeout=2.0) == 0
    assert time.monotonic() - t0 < 2.0
    assert "Traceback" not in s.stderr()
    for c in conns:
        c.close()


def test_start_line_names_io_form(server: Start):
    s = server("--mode", "echo", "--io", "blocking", "--workers", "3")
    assert " mode=echo io=blocking workers=3 listen=127.0.0.1:" in s.start_line
    a = server("--mode", "echo", "--threads", "1")
    assert " mode=echo io=async listen=127.0.0.1:" in a.start_line
    assert " threads=1 " in a.start_line


def test_delay_in_many_threads(server: Start):
    """Eight clients at once on eight workers: all wait concurrently."""
    s = server("--mode", "http", "--io", "blocking", "--workers", "8")
    took: List[float] = []
    threads = [threading.Thread(
        target=lambda: took.append(timed_get(s.addr, "/delay/300ms/bytes/10")))
        for _ in range(8)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(took) == 8 and min(took) >= 0.3
    assert time.monotonic() - t0 < 8 * 0.3
