package engine

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// TLS over the loop's non-blocking sockets. crypto/tls reads and writes a
// net.Conn; fdConn is one over the loop's socket that never blocks once
// the connection is up:
//   - Read reads the socket; when nothing has arrived it returns a
//     temporary net.Error, which crypto/tls hands up without keeping it
//     (every other error it keeps for good), so the loop's next read
//     resumes the record where this one stopped.
//   - Write never fails on a full socket: what the socket does not take
//     now is kept, and flush writes it when the socket is writable again
//     (crypto/tls keeps any write error for good).
//
// The handshake is another matter: crypto/tls keeps any handshake error,
// a temporary one too, so a handshake cannot pause on a full or empty
// socket and resume. It runs on a handshaker goroutine instead, with
// fdConn blocking until a deadline (it polls the socket), while the loop
// leaves the socket alone (handshaker.go).

// tlsTransport is the TLS transport of one connection slot; it lives as
// long as the slot and gets a new tls.Conn for each new connection.
type tlsTransport struct {
	cfg  *tls.Config
	alpn string // the protocol the scenario needs ALPN to pick, "" for any
	nc   fdConn
	conn *tls.Conn
	last error // the last failure, for the error samples
}

// newTLSTransport returns the transport of a slot whose connections use
// cfg, and need ALPN to pick alpn ("" for no check).
func newTLSTransport(cfg *tls.Config, alpn string) *tlsTransport {
	return &tlsTransport{cfg: cfg, alpn: alpn}
}

// reset readies the transport for a new connection on fd.
func (t *tlsTransport) reset(fd int) {
	t.nc = fdConn{fd: fd, pending: t.nc.pending[:0]}
	t.conn = tls.Client(&t.nc, t.cfg)
	t.last = nil
}

// handshake runs the TLS handshake to its end or the deadline, blocking,
// and checks what ALPN picked. It runs on a handshaker goroutine.
func (t *tlsTransport) handshake(deadline time.Time) error {
	t.nc.deadline = deadline
	defer func() { t.nc.deadline = time.Time{} }()
	if err := t.conn.Handshake(); err != nil {
		if t.alpn != "" {
			return fmt.Errorf("tls handshake, asking ALPN %q: %w", t.alpn, err)
		}
		return fmt.Errorf("tls handshake: %w", err)
	}
	if got := t.conn.ConnectionState().NegotiatedProtocol; t.alpn != "" && got != t.alpn {
		if got == "" {
			got = "none"
		}
		return fmt.Errorf("tls: the scenario needs ALPN %q, the server chose %s", t.alpn, got)
	}
	return nil
}

func (t *tlsTransport) read(_ int, p []byte) (int, unix.Errno) {
	n, err := t.conn.Read(p)
	switch {
	case n > 0:
		return n, 0
	case err == nil || err == &t.nc.again:
		return 0, unix.EAGAIN
	case errors.Is(err, io.EOF):
		return 0, 0
	}
	return 0, t.failed(err)
}

func (t *tlsTransport) write(_ int, p []byte) (int, unix.Errno) {
	if _, err := t.conn.Write(p); err != nil {
		return 0, t.failed(err)
	}
	return len(p), 0
}

func (t *tlsTransport) flush(int) unix.Errno { return t.nc.flush() }
func (t *tlsTransport) drains() bool         { return false }

// failed keeps err for the error samples and returns its errno: the
// socket's own, or EPROTO for a TLS error.
func (t *tlsTransport) failed(err error) unix.Errno {
	t.last = err
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return unix.EPROTO
}

// fdConn is a net.Conn over a loop's socket for crypto/tls: non-blocking
// (deadline zero), or blocking until deadline for the handshake.
type fdConn struct {
	fd       int
	pending  []byte // what the socket has not taken yet
	deadline time.Time
	again    againError
}

// againError is the temporary error of a read that found nothing.
type againError struct{}

func (*againError) Error() string   { return "resource temporarily unavailable" }
func (*againError) Timeout() bool   { return false }
func (*againError) Temporary() bool { return true }

// Read reads what the socket has; without a deadline it never waits.
func (c *fdConn) Read(p []byte) (int, error) {
	for {
		n, errno := sysRead(c.fd, p)
		switch {
		case errno == unix.EINTR:
			continue
		case errno == unix.EAGAIN && c.deadline.IsZero():
			return 0, &c.again
		case errno == unix.EAGAIN:
			if err := c.wait(unix.POLLIN); err != nil {
				return 0, err
			}
			continue
		case errno != 0:
			return 0, errno
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// Write takes all of p: what the socket does not take now waits in
// pending; with a deadline it waits until all is written.
func (c *fdConn) Write(p []byte) (int, error) {
	if len(c.pending) > 0 {
		c.pending = append(c.pending, p...)
		return len(p), c.drainBlocking()
	}
	n, errno := writeSome(c.fd, p)
	if errno != 0 {
		return n, errno
	}
	c.pending = append(c.pending, p[n:]...)
	return len(p), c.drainBlocking()
}

// drainBlocking writes pending to its end when the connection blocks
// (the handshake); a non-blocking one leaves it to flush.
func (c *fdConn) drainBlocking() error {
	for !c.deadline.IsZero() && len(c.pending) > 0 {
		if errno := c.flush(); errno == unix.EAGAIN {
			if err := c.wait(unix.POLLOUT); err != nil {
				return err
			}
		} else if errno != 0 {
			return errno
		}
	}
	return nil
}

// flush writes what it can of pending: 0 once all is written.
func (c *fdConn) flush() unix.Errno {
	if len(c.pending) == 0 {
		return 0
	}
	n, errno := writeSome(c.fd, c.pending)
	c.pending = c.pending[:copy(c.pending, c.pending[n:])]
	switch {
	case errno != 0:
		return errno
	case len(c.pending) > 0:
		return unix.EAGAIN
	}
	return 0
}

// wait blocks until the socket is ready for events or the deadline.
func (c *fdConn) wait(events int16) error {
	left := time.Until(c.deadline)
	if left <= 0 {
		return os.ErrDeadlineExceeded
	}
	fds := []unix.PollFd{{Fd: int32(c.fd), Events: events}}
	_, err := unix.Poll(fds, int(left.Milliseconds())+1)
	if err != nil && err != unix.EINTR {
		return err
	}
	return nil
}

// The rest of net.Conn: crypto/tls does not need them here.
func (c *fdConn) Close() error                     { return nil }
func (c *fdConn) LocalAddr() net.Addr              { return nil }
func (c *fdConn) RemoteAddr() net.Addr             { return nil }
func (c *fdConn) SetDeadline(time.Time) error      { return nil }
func (c *fdConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fdConn) SetWriteDeadline(time.Time) error { return nil }
