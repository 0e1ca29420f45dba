package main

import (
	"context"
	"net"
)

// echoBufSize is the per-connection buffer of the echo server.
const echoBufSize = 32 << 10

// serveEcho runs the TCP echo server on ln until ctx is done: every
// byte a client sends is written back in order, and the connection is
// closed when the client closes its side.
func serveEcho(ctx context.Context, ln net.Listener) error {
	return serveConns(ctx, ln, func(_ context.Context, c net.Conn) { echo(c) })
}

// echo copies everything read from c back to c until a read or write
// fails, which includes the client closing its side (io.EOF).
func echo(c net.Conn) {
	buf := make([]byte, echoBufSize)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
