package main

import (
	"context"
	"io"
	"net"
	"time"
)

// backendDialTimeout bounds how long a client waits for the backend
// connection before it is closed.
const backendDialTimeout = 5 * time.Second

// serveProxy runs the TCP relay on ln until ctx is done: each accepted
// connection is dialed through to backend and relayed in both
// directions until either side closes, then both are closed. If the
// backend cannot be dialed, the client connection is closed.
func serveProxy(ctx context.Context, ln net.Listener, backend string) error {
	d := &net.Dialer{Timeout: backendDialTimeout}
	return serveConns(ctx, ln, func(ctx context.Context, client net.Conn) {
		upstream, err := d.DialContext(ctx, "tcp", backend)
		if err != nil {
			return // serveConns closes client.
		}
		relay(client, upstream)
	})
}

// relay copies a to b and b to a until either direction ends, then
// closes both connections and waits for the other direction to stop.
// For two *net.TCPConn, io.Copy uses splice(2) on Linux, so the payload
// does not pass through user space.
func relay(a, b net.Conn) {
	closeBoth := func() {
		a.Close()
		b.Close()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(b, a)
		closeBoth()
	}()
	io.Copy(a, b)
	closeBoth()
	<-done
}
