package scenariotest

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/latbench/latbench/scenarios"
)

// readSize is the size of the reads Exchange makes.
const readSize = 64 << 10

// Exchange makes one request with s on conn, blocking: a test stand-in
// for the engine. It writes Request() from a goroutine while it reads, so
// that a large echo streams back while it is still being written, feeds
// every read to Consume until the request is done, and calls Closed when
// the server closes the connection first. The deadline bounds the whole
// exchange. It returns the session's Status, or the read error (such as a
// timeout) that ended the exchange before the session said it was done.
// Write errors are not returned: the reads see what caused them.
func Exchange(conn net.Conn, s scenarios.Session, deadline time.Time) (scenarios.Status, error) {
	if err := conn.SetDeadline(deadline); err != nil {
		return scenarios.InProgress, err
	}
	req := s.Request(0)
	written := make(chan struct{})
	go func() {
		defer close(written)
		conn.Write(req)
	}()
	st, err := receive(conn, s)
	// The response can end before the request is written, as when an
	// echo differs at its first byte: stop the writer, which may wait for
	// a server that no longer reads.
	conn.SetWriteDeadline(time.Now())
	<-written
	return st, err
}

// receive reads from conn and feeds s until the request is done or the
// connection fails.
func receive(conn net.Conn, s scenarios.Session) (scenarios.Status, error) {
	buf := make([]byte, readSize)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			if st := s.Consume(buf[:n]); st.Done {
				return st, nil
			}
		}
		switch {
		case errors.Is(err, io.EOF):
			return s.Closed(), nil
		case err != nil:
			return scenarios.InProgress, err
		}
	}
}

// Loop drives one session against a server the way an engine event loop
// drives a connection slot, one blocking request at a time: it dials when
// it has no connection and calls Connected, and it closes the connection
// after a failure, after an error, or when KeepOpen says so.
type Loop struct {
	addr  string
	s     scenarios.Session
	conn  net.Conn
	dials int
}

// NewLoop returns a Loop for s against the server at addr. It closes its
// connection at test cleanup.
func NewLoop(t testing.TB, addr string, s scenarios.Session) *Loop {
	l := &Loop{addr: addr, s: s}
	t.Cleanup(l.Close)
	return l
}

// Exchange makes one request, dialing first if the loop has no
// connection, and returns what Exchange returns or the dial error.
func (l *Loop) Exchange(deadline time.Time) (scenarios.Status, error) {
	if l.conn == nil {
		d := net.Dialer{Deadline: deadline}
		conn, err := d.Dial("tcp", l.addr)
		if err != nil {
			return scenarios.InProgress, err
		}
		l.conn = conn
		l.dials++
		l.s.Connected()
	}
	st, err := Exchange(l.conn, l.s, deadline)
	if err != nil || st != scenarios.Success || !l.s.KeepOpen() {
		l.Close()
	}
	return st, err
}

// Run makes n requests, each with a fresh Deadline, and fails the test at
// the first that does not succeed.
func (l *Loop) Run(t testing.TB, n int) {
	t.Helper()
	for i := range n {
		st, err := l.Exchange(Deadline())
		if err != nil || st != scenarios.Success {
			t.Fatalf("request %d: status %+v, error %v, session error %v", i, st, err, l.s.Err())
		}
	}
}

// Dials returns how many connections the loop has opened.
func (l *Loop) Dials() int { return l.dials }

// Close closes the connection, if any.
func (l *Loop) Close() {
	if l.conn != nil {
		l.conn.Close()
		l.conn = nil
	}
}
