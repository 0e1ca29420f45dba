"""Helpers of the real-socket tests: run the server in a child process
and talk to it."""

import os
import select
import signal
import socket
import subprocess
import sys
import time
from typing import BinaryIO, Dict, List, Optional, Tuple

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
"""SRC is servers/python, where the latbench_server package lives."""

START_TIMEOUT_S = 30.0
"""START_TIMEOUT_S bounds a server's start on a busy machine."""

IO_TIMEOUT_S = 20.0
"""IO_TIMEOUT_S bounds every socket operation of a test."""

Addr = Tuple[str, int]


class Server:
    """Server is a running latbench-server-python child process."""

    def __init__(self, flags: List[str]) -> None:
        env = dict(os.environ, PYTHONPATH=SRC, PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "latbench_server",
             "--listen", "127.0.0.1:0", *flags],
            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self.start_line = self._read_start_line()
        listen = self.start_line.split(" listen=", 1)[1].split()[0]
        host, port = listen.rsplit(":", 1)
        self.addr: Addr = (host, int(port))

    def _read_start_line(self) -> str:
        """Return the log line that says where the server listens."""
        assert self.proc.stderr is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stderr], [], [],
                                        deadline - time.monotonic())
            line = self.proc.stderr.readline().decode() if ready else ""
            if " listen=" in line:
                return line
            if ready and not line:
                break  # the server exited
        self.kill()
        raise AssertionError(f"server did not start: {self.stderr()!r}")

    def terminate(self, timeout: float) -> Optional[int]:
        """Send SIGTERM; return the exit code, or None if the server did
        not exit within timeout seconds."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """Kill the server unless it exited, and reap it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        """Close the pipe of the server's log."""
        assert self.proc.stderr is not None
        self.proc.stderr.close()

    def stderr(self) -> str:
        """Return the rest of the server's log; the server must have
        exited."""
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode()


def connect(addr: Addr) -> socket.socket:
    """Connect to addr with IO_TIMEOUT_S on every operation."""
    return socket.create_connection(addr, timeout=IO_TIMEOUT_S)


def request(path: str, extra: str = "", method: str = "GET") -> bytes:
    """Return an HTTP/1.1 request for path with extra header lines."""
    return f"{method} {path} HTTP/1.1\r\nHost: test\r\n{extra}\r\n".encode()


Response = Tuple[int, Dict[str, str], bytes]


def read_response(f: BinaryIO, head: bool = False) -> Response:
    """Read one response (no body after HEAD) from f: status, headers
    (lower-case names) and body."""
    status = f.readline()
    if not status:
        raise EOFError("connection closed before a response")
    headers: Dict[str, str] = {}
    while True:
        line = f.readline().decode().rstrip("\r\n")
        if not line:
            break
        name, _, value = line.partition(":")
        headers[name.lower()] = value.strip()
    n = 0 if head else int(headers["content-length"])
    body = f.read(n)
    assert len(body) == n, f"short body: {len(body)} of {n} bytes"
    return int(status.split()[1]), headers, body


def get(sock: socket.socket, f: BinaryIO, path: str) -> Response:
    """Send GET path on sock and read its response from f."""
    sock.sendall(request(path))
    return read_response(f)


def pattern(n: int) -> bytes:
    """Return the body of /bytes/n: byte i is 'a' + i % 26."""
    alphabet = bytes(range(ord("a"), ord("z") + 1))
    return (alphabet * (n // 26 + 1))[:n]


def expect_closed(sock: socket.socket) -> None:
    """Assert that the peer closed sock: a read brings EOF or a reset."""
    try:
        assert sock.recv(1) == b""
    except ConnectionResetError:
        pass
