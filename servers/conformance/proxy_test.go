package conformance

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/latbench/latbench/servers"
)

// testProxy checks the proxy mode: in front of an echo backend in this
// test process, whose connections the test can see and close, and in
// front of the same server's own http mode.
func (s *suite) testProxy(t *testing.T) {
	t.Run("relays echo", func(t *testing.T) {
		b := newBackend(t)
		addr := s.start(t, "proxy", b.addr()).Addr()
		checkEchoSizes(t, addr)
		checkConcurrent(t, addr, func(c net.Conn, i int) error { return echoOnce(c, message(64, i)) })
	})
	t.Run("relays http", func(t *testing.T) {
		backend := s.start(t, "http", "").Addr()
		addr := s.start(t, "proxy", backend).Addr()
		checkBytes(t, addr)
		checkKeepAlive(t, addr)
		checkConnectionClose(t, addr)
	})
	t.Run("client close closes the backend side", func(t *testing.T) {
		b := newBackend(t)
		c := dial(t, s.start(t, "proxy", b.addr()).Addr())
		if err := echoOnce(c, message(64, 1)); err != nil {
			t.Fatal(err)
		}
		bc := b.find(t, message(64, 1))
		c.Close()
		select {
		case <-bc.done:
		case <-time.After(5 * closeBound):
			t.Fatalf("the backend side is still open %v after the client closed", 5*closeBound)
		}
	})
	t.Run("backend close closes the client side", func(t *testing.T) {
		b := newBackend(t)
		c := dial(t, s.start(t, "proxy", b.addr()).Addr())
		if err := echoOnce(c, message(64, 2)); err != nil {
			t.Fatal(err)
		}
		b.find(t, message(64, 2)).conn.Close()
		if err := expectEOF(c, nil); err != nil {
			t.Fatalf("client side after the backend closed: %v", err)
		}
	})
	t.Run("unreachable backend closes the client", func(t *testing.T) {
		down, err := servers.FreePort("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		c := dial(t, s.start(t, "proxy", down).Addr())
		if err := expectEOF(c, nil); err != nil {
			t.Fatalf("client of a proxy whose backend is down: %v", err)
		}
	})
}

// backend is an echo server in the test process that hands every
// accepted connection to the test as well.
type backend struct {
	ln       net.Listener
	accepted chan backendConn
	wg       sync.WaitGroup
}

// backendConn is one connection the backend accepted. first receives the
// first bytes it read (nothing if it closed first: the harness's
// readiness probe opens connections that never send); done is closed when
// its echo loop ends because the proxy closed it.
type backendConn struct {
	conn  net.Conn
	first chan []byte
	done  chan struct{}
}

// newBackend starts a backend on 127.0.0.1:0; it stops, and closes every
// connection, when the test ends.
func newBackend(t *testing.T) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// accepted has room for every connection of a test, so the accept
	// loop never blocks on a test that does not call next.
	b := &backend{ln: ln, accepted: make(chan backendConn, 2*concurrentConns)}
	var mu sync.Mutex
	var conns []net.Conn
	b.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			bc := backendConn{conn: c, first: make(chan []byte, 1), done: make(chan struct{})}
			b.accepted <- bc
			b.wg.Go(func() {
				defer close(bc.done)
				bc.echo()
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		b.wg.Wait()
	})
	return b
}

// addr returns the backend's host:port.
func (b *backend) addr() string { return b.ln.Addr().String() }

// echo writes back what the connection reads until it ends, after
// handing its first read to first.
func (bc backendConn) echo() {
	buf := make([]byte, 32<<10)
	n, err := bc.conn.Read(buf)
	bc.first <- bytes.Clone(buf[:n])
	if err != nil {
		return
	}
	if _, err := bc.conn.Write(buf[:n]); err != nil {
		return
	}
	io.Copy(bc.conn, bc.conn)
}

// find returns the accepted connection whose first bytes are msg, which
// the test sent through the proxy.
func (b *backend) find(t *testing.T, msg []byte) backendConn {
	t.Helper()
	timeout := time.After(ioTimeout)
	for {
		select {
		case bc := <-b.accepted:
			select {
			case first := <-bc.first:
				if bytes.HasPrefix(msg, first) && len(first) > 0 {
					return bc
				}
			case <-timeout:
				t.Fatal("the test's connection never reached the backend")
			}
		case <-timeout:
			t.Fatal("the proxy never connected the test's connection to the backend")
		}
	}
}
