"""Tests of the http mode's routes, sizes and body pattern."""

import pytest

from latbench_server.routes import (BAD_SIZE, CHUNK_BYTES, CONN_CLOSE, HEALTH,
                                    MAX_BODY_BYTES, NOT_FOUND, WHOLE_MAX_BYTES,
                                    Router, make_pattern, parse_size)

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
