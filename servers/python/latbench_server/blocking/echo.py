"""The echo mode of the blocking form, and the copy loop it shares with
the proxy."""

import socket

RECV_BYTES = 64 << 10
"""RECV_BYTES is the most one read takes from a connection."""


def serve_echo(conn: socket.socket) -> None:
    """Write back what conn reads until the client closes; raises
    OSError when the connection fails."""
    copy(conn, conn)


def copy(src: socket.socket, dst: socket.socket) -> None:
    """Write to dst what src reads until src ends; raises OSError when
    either fails."""
    buf = bytearray(RECV_BYTES)
    view = memoryview(buf)
    while True:
        n = src.recv_into(buf)
        if not n:
            return
        dst.sendall(view[:n])
