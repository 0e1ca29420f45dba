"""The echo mode of the blocking form."""

import socket

RECV_BYTES = 64 << 10
"""RECV_BYTES is the most one read takes from a connection."""


def serve_echo(conn: socket.socket) -> None:
    """Write back what conn reads until the client closes; raises
    OSError when the connection fails."""
    buf = bytearray(RECV_BYTES)
    view = memoryview(buf)
    while True:
        n = conn.recv_into(buf)
        if not n:
            return
        conn.sendall(view[:n])
