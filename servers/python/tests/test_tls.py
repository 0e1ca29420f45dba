"""Real-socket tests of TLS (--tls-cert, --tls-key): echo, HTTPS over
HTTP/1.1 and h2 by ALPN, failed handshakes, and the flag errors."""

import os
import ssl
import subprocess
import sys
import time
from typing import Callable, Iterator, List

import pytest

from certs import Certs, make_certs
from h2client import H2Client
from helpers import (SRC, Server, connect, get, pattern, read_response,
                     request)

Start = Callable[..., Server]
MIB = 1 << 20


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Certs:
    return make_certs(str(tmp_path_factory.mktemp("certs")))


def tls_flags(certs: Certs) -> List[str]:
    return ["--tls-cert", certs.cert, "--tls-key", certs.key]


def tls_connect(s: Server, ctx: ssl.SSLContext,
                host: str = "localhost") -> ssl.SSLSocket:
    """Connect to s and do the TLS handshake, checking the name host."""
    return ctx.wrap_socket(connect(s.addr), server_hostname=host)


def test_tls_echo(server: Start, certs: Certs):
    s = server("--mode", "echo", "--threads", "1", *tls_flags(certs))
    assert " tls=on" in s.start_line
    with tls_connect(s, certs.client_context()) as c:
        assert c.version() in ("TLSv1.2", "TLSv1.3")
        assert c.selected_alpn_protocol() is None
        for size in (1, 1000, 100_000):
            data = pattern(size)
            c.sendall(data)
            got = b""
            while len(got) < size:
                chunk = c.recv(65536)
                assert chunk
                got += chunk
            assert got == data
        c.unwrap()  # close_notify: the server closes too


def test_tls_echo_accepts_any_alpn_and_tls12(server: Start, certs: Certs):
    s = server("--mode", "echo", "--threads", "1", *tls_flags(certs))
    ctx = certs.client_context(alpn=["foo", "h2"],
                               maximum=ssl.TLSVersion.TLSv1_2)
    with tls_connect(s, ctx, host="127.0.0.1") as c:
        assert c.version() == "TLSv1.2"
        assert c.selected_alpn_protocol() is None
        c.sendall(b"hello")
        assert c.recv(5) == b"hello"


@pytest.mark.parametrize("alpn", [None, ["http/1.1"], ["foo"]],
                         ids=["no alpn", "http/1.1", "unknown alpn"])
def test_https_http11(server: Start, certs: Certs, alpn):
    s = server("--mode", "http", "--threads", "1", *tls_flags(certs))
    with tls_connect(s, certs.client_context(alpn=alpn)) as c, \
            c.makefile("rb") as f:
        want = "http/1.1" if alpn == ["http/1.1"] else None
        assert c.selected_alpn_protocol() == want
        status, headers, body = get(c, f, "/bytes/100000")
        assert status == 200 and body == pattern(100000)
        assert headers["content-length"] == "100000"
        assert get(c, f, "/health")[2] == b"ok"
        c.sendall(request("/bytes/3", "Connection: close\r\n"))
        assert read_response(f)[2] == b"abc"


def test_https_h2(server: Start, certs: Certs):
    s = server("--mode", "http", "--threads", "1", *tls_flags(certs))
    with tls_connect(s, certs.client_context(alpn=["h2", "http/1.1"])) as c:
        assert c.selected_alpn_protocol() == "h2"
        h2 = H2Client(c, scheme=b"https")
        r = h2.get("/bytes/100000")
        assert r.status == 200 and bytes(r.body) == pattern(100000)
        assert r.headers["content-type"] == "application/octet-stream"
        r = h2.get(f"/bytes/{MIB}")  # default windows
        assert bytes(r.body) == pattern(MIB)
        sids = [h2.request(f"/bytes/{i}") for i in range(100)]
        for i, r in enumerate(h2.wait(sids)):
            assert bytes(r.body) == pattern(i)
        h2.ping()
        assert h2.get("/nope").status == 404


def test_h2_preface_over_tls_without_alpn_is_http11(
        server: Start, certs: Certs):
    s = server("--mode", "http", "--threads", "1", *tls_flags(certs))
    with tls_connect(s, certs.client_context()) as c:
        c.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        # HTTP/1.1 answers the odd request (or closes); never HTTP/2.
        data = c.recv(100)
        assert data == b"" or data.startswith(b"HTTP/1.1 ")


def test_failed_handshakes_do_no_harm(server: Start, certs: Certs):
    s = server("--mode", "http", "--threads", "1", *tls_flags(certs))
    with connect(s.addr) as c:  # plain text to a TLS port
        c.sendall(request("/bytes/3"))
        try:
            while c.recv(1000):
                pass
        except ConnectionResetError:
            pass
    untrusting = ssl.create_default_context()  # does not know our CA
    with pytest.raises(ssl.SSLError):
        tls_connect(s, untrusting)
    with connect(s.addr) as c:  # leaves in the middle of the handshake
        c.sendall(b"\x16\x03\x01\x00")
    with tls_connect(s, certs.client_context()) as c, c.makefile("rb") as f:
        assert get(c, f, "/bytes/3")[2] == b"abc"
    assert s.terminate(timeout=2.0) == 0
    log = s.stderr()
    assert log == "", log


def test_sigterm_with_tls_connections(server: Start, certs: Certs):
    s = server("--mode", "http", "--threads", "2", *tls_flags(certs))
    c1 = tls_connect(s, certs.client_context(alpn=["h2"]))
    h2 = H2Client(c1, scheme=b"https")
    assert h2.get("/health").status == 200
    c2 = tls_connect(s, certs.client_context())
    c2.sendall(request("/delay/10s/bytes/1"))
    time.sleep(0.2)
    t0 = time.monotonic()
    assert s.terminate(timeout=2.0) == 0
    assert time.monotonic() - t0 < 2.0
    assert "Traceback" not in s.stderr()
    c1.close()
    c2.close()


def test_start_line_says_tls_off(server: Start):
    for mode in ("echo", "http"):
        s = server("--mode", mode, "--threads", "1")
        assert " tls=off" in s.start_line
    blocking = server("--mode", "echo", "--io", "blocking")
    assert " tls=off" in blocking.start_line


def run_server(*flags: str) -> subprocess.CompletedProcess:
    """Run the server with flags, expecting it to exit by itself."""
    env = dict(os.environ, PYTHONPATH=SRC, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "latbench_server", "--listen", "127.0.0.1:0",
         *flags], stdin=subprocess.DEVNULL, capture_output=True,
        timeout=60, env=env)


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, certs: Certs) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("bad")
    garbage = folder / "garbage.pem"
    garbage.write_bytes(b"not a PEM file\n")
    yield {"missing": str(folder / "missing.pem"), "garbage": str(garbage),
           "dir": str(folder)}


@pytest.mark.parametrize("flags, message", [
    (["--mode", "echo", "--tls-cert", "c.pem"],
     "--tls-key FILE is missing"),
    (["--mode", "http", "--tls-key", "k.pem"],
     "--tls-cert FILE is missing"),
    (["--mode", "proxy", "--backend", "127.0.0.1:1", "--tls-cert", "c.pem",
      "--tls-key", "k.pem"],
     "--mode proxy does not take TLS"),
    (["--mode", "http", "--io", "blocking", "--tls-cert", "c.pem",
      "--tls-key", "k.pem"],
     "TLS (--tls-cert, --tls-key) is served by the async form only"),
    (["--mode", "grpc", "--io", "blocking"],
     "--mode grpc is served by the async form only"),
])
def test_flag_errors_exit_2(flags, message):
    p = run_server(*flags)
    assert p.returncode == 2
    err = p.stderr.decode()
    assert err.startswith(f"latbench-server-python: {message}"), err


@pytest.mark.parametrize("mode", ["echo", "http", "grpc"])
@pytest.mark.parametrize("which", ["cert missing", "cert garbage",
                                   "cert is a key", "key missing",
                                   "key garbage", "key mismatch",
                                   "key is a folder"])
def test_unusable_tls_files_exit_2(certs: Certs, bad_files, mode, which):
    cert, key = certs.cert, certs.key
    flag, name = {
        "cert missing": ("--tls-cert", bad_files["missing"]),
        "cert garbage": ("--tls-cert", bad_files["garbage"]),
        "cert is a key": ("--tls-cert", certs.key),
        "key missing": ("--tls-key", bad_files["missing"]),
        "key garbage": ("--tls-key", bad_files["garbage"]),
        "key mismatch": ("--tls-key", certs.other_key),
        "key is a folder": ("--tls-key", bad_files["dir"]),
    }[which]
    if flag == "--tls-cert":
        cert = name
    else:
        key = name
    p = run_server("--mode", mode, "--tls-cert", cert, "--tls-key", key)
    assert p.returncode == 2
    err = p.stderr.decode()
    assert err.startswith(f"latbench-server-python: {flag} {name}: "), err
    assert "Traceback" not in err
