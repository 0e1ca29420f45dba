package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// HTTP/2 with prior knowledge (h2c) on plain TCP. net/http serves it
// itself when http.Server.Protocols has UnencryptedHTTP2, but to tell the
// protocols apart it waits for the first 14 bytes of every connection,
// even one whose first byte already rules HTTP/2 out: a request shorter
// than that (a malformed one, say) would get its 400 only after
// readHeaderTimeout. So the listener is shared by two servers instead,
// one with HTTP1 and one with UnencryptedHTTP2, and each connection goes
// to one of them as soon as its first bytes tell: as soon as they stop
// being a prefix of the HTTP/2 preface (HTTP/1.x), or once the whole
// preface has come (h2c).

// h2cPreface is the first 24 bytes of an HTTP/2 connection (RFC 9113,
// section 3.4).
const h2cPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// serveH2CMux serves ln with h1 (HTTP/1.x) and h2c (HTTP/2 with prior
// knowledge) until ctx is done, handing each connection to the server of
// its protocol. At shutdown it stops accepting, closes the connections
// that have not told their protocol yet, and shuts both servers down with
// shutdownHTTP. It returns nil after a shutdown, or the error that
// stopped serving before.
func serveH2CMux(ctx context.Context, ln net.Listener, h1, h2c *http.Server) error {
	l1, l2 := newConnListener(ln.Addr()), newConnListener(ln.Addr())
	serveErrc := make(chan error, 2)
	go func() { serveErrc <- h1.Serve(l1) }()
	go func() { serveErrc <- h2c.Serve(l2) }()
	var wg sync.WaitGroup
	sniffing := newConnSet()
	acceptDone := make(chan struct{})
	var acceptErr error
	go func() {
		defer close(acceptDone)
		acceptErr = acceptLoop(ln, func(c net.Conn) {
			if !sniffing.add(c) {
				c.Close()
				return
			}
			wg.Go(func() { dispatchConn(c, sniffing, l1, l2) })
		})
	}()
	select {
	case <-ctx.Done():
	case <-acceptDone: // The listener failed.
	}
	ln.Close()
	<-acceptDone // No wg.Go after this: wg.Wait may begin.
	sniffing.closeAll()
	l1.Close()
	l2.Close()
	wg.Wait()
	var shutdowns sync.WaitGroup
	shutdowns.Go(func() { shutdownHTTP(h1) })
	shutdowns.Go(func() { shutdownHTTP(h2c) })
	shutdowns.Wait()
	err := acceptErr
	for range 2 {
		if e := <-serveErrc; !errors.Is(e, http.ErrServerClosed) && !errors.Is(e, net.ErrClosed) {
			err = cmp.Or(err, e)
		}
	}
	if ctx.Err() != nil && errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// dispatchConn sniffs the protocol of c, which is in sniffing, and hands
// it to l1 (HTTP/1.x) or l2 (h2c), or closes it when it does not tell.
func dispatchConn(c net.Conn, sniffing *connSet, l1, l2 *connListener) {
	head, isH2, err := sniffPreface(c)
	sniffing.remove(c)
	switch {
	case err != nil:
		c.Close()
	case isH2:
		l2.hand(&prefixConn{Conn: c, head: head})
	default:
		l1.hand(&prefixConn{Conn: c, head: head})
	}
}

// sniffBufSize bounds one read of a connection's first bytes: one read
// takes a whole request line and its headers, so sniffing costs an
// HTTP/1.x request no read of its own.
const sniffBufSize = 4 << 10

// sniffBufs holds the read buffers of sniffPreface.
var sniffBufs = sync.Pool{New: func() any { return new([sniffBufSize]byte) }}

// sniffPreface reads the first bytes of c until they either stop being a
// prefix of the HTTP/2 preface or hold the whole preface, and returns
// what it read (which may go on past the preface) and whether it starts
// with the preface. It reads again only while everything read so far is
// a strict prefix of the preface, so it never waits for bytes a client
// has no reason to send. A client that tells nothing within
// readHeaderTimeout, or closes before it has, gets an error.
func sniffPreface(c net.Conn) (head []byte, isH2 bool, err error) {
	if err := c.SetReadDeadline(time.Now().Add(readHeaderTimeout)); err != nil {
		return nil, false, err
	}
	buf := sniffBufs.Get().(*[sniffBufSize]byte)
	defer sniffBufs.Put(buf)
	n := 0
	for n < len(h2cPreface) && strings.HasPrefix(h2cPreface, string(buf[:n])) {
		k, err := c.Read(buf[n:])
		n += k
		if err != nil && strings.HasPrefix(h2cPreface, string(buf[:n])) {
			return nil, false, err // Undecided: HTTP/1.x would come again at the next Read.
		}
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		return nil, false, err
	}
	return bytes.Clone(buf[:n]), strings.HasPrefix(string(buf[:n]), h2cPreface), nil
}

// prefixConn is a connection whose first bytes were read already: Read
// returns head first, then reads from the connection.
type prefixConn struct {
	net.Conn
	head []byte
}

// Read returns what is left of head, or reads from the connection.
func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.head) == 0 {
		return c.Conn.Read(p)
	}
	n := copy(p, c.head)
	c.head = c.head[n:]
	if len(c.head) == 0 {
		c.head = nil // Let the collector have it.
	}
	return n, nil
}

// CloseWrite half-closes a TCP connection, as net/http does before it
// closes a connection after an error answer (so that the client reads the
// answer rather than a reset).
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// connListener is a net.Listener whose connections are handed to it
// (hand) rather than accepted from the network.
type connListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

// newConnListener returns an open connListener that reports addr.
func newConnListener(addr net.Addr) *connListener {
	return &connListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// hand gives c to the next Accept, or closes c if the listener is closed.
func (l *connListener) hand(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.done:
		c.Close()
	}
}

// Accept returns the next connection handed over, or net.ErrClosed once
// the listener is closed.
func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close closes the listener; it may be called more than once.
func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr returns the address of the network listener.
func (l *connListener) Addr() net.Addr { return l.addr }
