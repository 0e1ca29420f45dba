"""Tests of the http mode's routes, sizes and body pattern."""

import pytest

from latbench_server.routes import (BAD_DELAY, BAD_SIZE, CHUNK_BYTES,
                                    CONN_CLOSE, HEALTH, MAX_BODY_BYTES,
                                    METHOD_NOT_ALLOWED, NOT_FOUND,
                                    WHOLE_MAX_BYTES, Router, answer,
                                    make_pattern, parse_delay, parse_size)

PATTERN = make_pattern(CHUNK_BYTES)


def expected_body(n: int) -> bytes:
    return bytes(ord("a") + i % 26 for i in range(n))


@pytest.mark.parametrize("n", [0, 1, 25, 26, 27, 1000])
def test_make_pattern(n):
    assert make_pattern(n) == expected_body(n)


def test_chunk_continues_the_pattern():
    assert CHUNK_BYTES % 26 == 0
    assert PATTERN + PATTERN[:30] == expected_body(CHUNK_BYTES + 30)


@pytest.mark.parametrize("text, want", [
    (b"0", 0),
    (b"5", 5),
    (b"007", 7),
    (b"16777216", MAX_BODY_BYTES),
    (b"00000000000016777216", MAX_BODY_BYTES),
    (b"16777217", None),
    (b"99999999999999999999", None),
    (b"9" * 5000, None),
    (b"", None),
    (b"-1", None),
    (b"+1", None),
    (b"1.5", None),
    (b" 1", None),
    (b"abc", None),
    ("١".encode(), None),
])
def test_parse_size(text, want):
    assert parse_size(text) == want


@pytest.mark.parametrize("url, want", [
    (b"/health", HEALTH),
    (b"/health?x=1", HEALTH),
    (b"/nope", NOT_FOUND),
    (b"/", NOT_FOUND),
    (b"/health/", NOT_FOUND),
    (b"/bytes", NOT_FOUND),
    (b"/bytes/", NOT_FOUND),
    (b"/bytes/5/", NOT_FOUND),
    (b"/bytes-and-more/3", NOT_FOUND),
    (b"/bytes/abc", BAD_SIZE),
    (b"/bytes/16777217", BAD_SIZE),
])
def test_route_fixed(url, want):
    assert Router(PATTERN).route(url) is want


@pytest.mark.parametrize("url, n", [
    (b"/bytes/0", 0),
    (b"/bytes/10", 10),
    (b"/bytes/%31%30", 10),
    (b"/bytes/10?q", 10),
    (b"/bytes/16777216", MAX_BODY_BYTES),
])
def test_route_bytes(url, n):
    r = Router(PATTERN).route(url)
    assert r.known
    assert r.pattern_bytes == n
    assert r.body == b""
    assert b"Content-Length: %d\r\n" % n in r.head
    assert b"Content-Type: application/octet-stream\r\n" in r.head


def test_whole_answer_of_small_body():
    r = Router(PATTERN).route(b"/bytes/30")
    assert r.whole == (b"HTTP/1.1 200 OK\r\n"
                       b"Content-Type: application/octet-stream\r\n"
                       b"Content-Length: 30\r\n\r\n" + expected_body(30))


def test_no_whole_answer_of_large_body():
    url = b"/bytes/%d" % (WHOLE_MAX_BYTES + 1)
    assert Router(PATTERN).route(url).whole is None


def test_encode_head_http10_close():
    assert HEALTH.encode_head(False, CONN_CLOSE) == (
        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: 2\r\nConnection: close\r\n\r\n")


def test_router_cache_is_bounded():
    router = Router(PATTERN, cache_entries=3)
    for i in range(10):
        assert router.route(b"/bytes/%d" % i).pattern_bytes == i
    assert len(router._cache) == 3


def test_uncached_responses_have_no_whole_answer():
    router = Router(PATTERN, cache_entries=1)
    assert router.route(b"/bytes/1").whole is not None
    r = router.route(b"/bytes/2")
    assert r.whole is None
    assert r.pattern_bytes == 2


@pytest.mark.parametrize("text, want", [
    (b"0ms", 0),
    (b"0us", 0),
    (b"0s", 0),
    (b"250us", 250),
    (b"100ms", 100_000),
    (b"2s", 2_000_000),
    (b"60s", 60_000_000),
    (b"60000ms", 60_000_000),
    (b"60000000us", 60_000_000),
    (b"000000000000000001ms", 1_000),
    (b"61s", None),
    (b"60001ms", None),
    (b"60000001us", None),
    (b"9" * 5000 + b"s", None),
    (b"1m", None),
    (b"1h", None),
    (b"-1ms", None),
    (b"+1ms", None),
    (b"1.5ms", None),
    (b" 1ms", None),
    (b"1 ms", None),
    (b"ms", None),
    (b"s", None),
    (b"", None),
    (b"10", None),
    (b"10xs", None),
    (b"10MS", None),
    (b"10sec", None),
    ("١ms".encode(), None),
])
def test_parse_delay(text, want):
    assert parse_delay(text) == want


@pytest.mark.parametrize("url, n, delay", [
    (b"/delay/0ms/bytes/10", 10, 0.0),
    (b"/delay/250us/bytes/10", 10, 0.00025),
    (b"/delay/100ms/bytes/0", 0, 0.1),
    (b"/delay/2s/bytes/16777216", MAX_BODY_BYTES, 2.0),
    (b"/delay/60s/bytes/1?x=1", 1, 60.0),
    (b"/delay/%31ms/bytes/%31", 1, 0.001),
])
def test_route_delay(url, n, delay):
    r = Router(PATTERN).route(url)
    assert r.known
    assert r.pattern_bytes == n
    assert r.delay == delay
    assert b"Content-Length: %d\r\n" % n in r.head


@pytest.mark.parametrize("url, want", [
    (b"/delay/61s/bytes/10", BAD_DELAY),
    (b"/delay/1m/bytes/10", BAD_DELAY),
    (b"/delay/-1ms/bytes/10", BAD_DELAY),
    (b"/delay/1.5ms/bytes/10", BAD_DELAY),
    (b"/delay/ms/bytes/10", BAD_DELAY),
    (b"/delay/10/bytes/10", BAD_DELAY),
    (b"/delay/10xs/bytes/10", BAD_DELAY),
    (b"/delay/61s/bytes/abc", BAD_DELAY),
    (b"/delay/100ms/bytes/abc", BAD_SIZE),
    (b"/delay/1ms/bytes/16777217", BAD_SIZE),
    (b"/delay//bytes/10", NOT_FOUND),
    (b"/delay/bytes/10", NOT_FOUND),
    (b"/delay/1ms/x/bytes/10", NOT_FOUND),
    (b"/delay/1ms/bytes/bytes/10", NOT_FOUND),
    (b"/delay/100ms", NOT_FOUND),
    (b"/delay/100ms/bytes", NOT_FOUND),
    (b"/delay/100ms/bytes/", NOT_FOUND),
    (b"/delay/100ms/bytes/10/", NOT_FOUND),
    (b"/delay/100ms/health", NOT_FOUND),
    (b"/delay/1/2ms/bytes/10", NOT_FOUND),
    (b"/delay", NOT_FOUND),
])
def test_route_delay_errors(url, want):
    assert Router(PATTERN).route(url) is want


def test_bad_delay_answer():
    assert BAD_DELAY.whole == (
        b"HTTP/1.1 400 Bad Request\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"X-Content-Type-Options: nosniff\r\n"
        b"Content-Length: 57\r\n\r\n"
        b"delay must be a whole number of us, ms or s, at most 60s\n")
    assert BAD_DELAY.delay == 0.0


def test_answer_fast_path_keeps_delay():
    r = Router(PATTERN).route(b"/delay/5ms/bytes/3")
    assert answer(r, b"GET", True, True) == (r.whole, 0, False, 0.005)


@pytest.mark.parametrize("method, keep_alive, http11, want", [
    (b"GET", False, True,
     (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
      b"Content-Length: 3\r\nConnection: close\r\n\r\n", 3, True, 0.005)),
    (b"GET", True, False,
     (b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
      b"Content-Length: 3\r\nConnection: keep-alive\r\n\r\n", 3, False,
      0.005)),
    (b"HEAD", True, True,
     (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
      b"Content-Length: 3\r\n\r\n", 0, False, 0.005)),
    (b"POST", True, True,
     (METHOD_NOT_ALLOWED.whole, 0, False, 0.0)),
])
def test_answer(method, keep_alive, http11, want):
    r = Router(PATTERN, cache_entries=0).route(b"/delay/5ms/bytes/3")
    assert r.whole is None
    assert answer(r, method, keep_alive, http11) == want
