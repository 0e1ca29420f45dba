package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// concurrentConns is how many connections the concurrency tests hold
// open at once.
const concurrentConns = 1000

// testEcho checks the echo mode.
func (s *suite) testEcho(t *testing.T) {
	p := s.start(t, "echo", "")
	addr := p.Addr()
	t.Run("round trips", func(t *testing.T) { checkEchoSizes(t, addr) })
	t.Run("closes when the client closes", func(t *testing.T) { checkEchoClose(t, addr) })
	t.Run("1000 concurrent connections", func(t *testing.T) {
		checkConcurrent(t, addr, func(c net.Conn, i int) error { return echoOnce(c, message(64, i)) })
	})
}

// echoSizes are the message sizes the contract names.
var echoSizes = []struct {
	name string
	size int
}{
	{name: "1 B", size: 1},
	{name: "64 B", size: 64},
	{name: "16 KiB", size: 16 << 10},
	{name: "1 MiB", size: 1 << 20},
}

// checkEchoSizes round-trips messages of the sizes the contract names,
// several on one connection.
func checkEchoSizes(t *testing.T, addr string) {
	checkEchoSizesOn(t, dial(t, addr))
}

// checkEchoSizesOn round-trips three messages of each of echoSizes on c.
func checkEchoSizesOn(t *testing.T, c net.Conn) {
	t.Helper()
	for _, tt := range echoSizes {
		for i := range 3 {
			if err := echoOnce(c, message(tt.size, i)); err != nil {
				t.Fatalf("%s, message %d: %v", tt.name, i, err)
			}
		}
	}
}

// checkEchoClose half-closes the client side and expects the echo of
// what was sent, then EOF.
func checkEchoClose(t *testing.T, addr string) {
	c := dial(t, addr)
	msg := message(64, 0)
	if _, err := c.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read until the server closes: %v", err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("after a half close got %d bytes %q, want the %d bytes sent", len(got), trim(got), len(msg))
	}
}

// echoOnce writes msg while reading its echo concurrently (a large
// message does not fit the socket buffers) and compares the echo.
func echoOnce(c net.Conn, msg []byte) error {
	if err := c.SetDeadline(time.Now().Add(ioTimeout)); err != nil {
		return err
	}
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(msg)
		werr <- err
	}()
	got := make([]byte, len(msg))
	_, rerr := io.ReadFull(c, got)
	if err := errors.Join(<-werr, rerr); err != nil {
		return err
	}
	if i := firstDiff(got, msg); i >= 0 {
		return fmt.Errorf("echo of %d bytes differs at byte %d: got %q, want %q", len(msg), i, got[i], msg[i])
	}
	return nil
}

// checkConcurrent opens concurrentConns connections, then runs exchange
// on all of them at the same time while every one stays open.
func checkConcurrent(t *testing.T, addr string, exchange func(c net.Conn, i int) error) {
	checkConcurrentDial(t, concurrentConns, func() (net.Conn, error) {
		return net.DialTimeout("tcp", addr, ioTimeout)
	}, exchange)
}

// checkConcurrentDial opens n connections with dial, then runs exchange
// on all of them at the same time while every one stays open.
func checkConcurrentDial(t *testing.T, n int, dial func() (net.Conn, error), exchange func(c net.Conn, i int) error) {
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range n {
		c, err := dial()
		if err != nil {
			t.Fatalf("connection %d of %d: %v", i+1, n, err)
		}
		conns = append(conns, c)
	}
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() { errs[i] = exchange(c, i) })
	}
	wg.Wait()
	failed := 0
	for i, err := range errs {
		if err != nil {
			if failed == 0 {
				t.Errorf("connection %d: %v", i, err)
			}
			failed++
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d concurrent connections failed", failed, len(conns))
	}
}

// dial connects to addr and closes the connection when the test ends.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// message returns n bytes that differ per seed and per position, so a
// reordered or misplaced byte shows.
func message(n, seed int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((i*7 + seed*13) % 251)
	}
	return b
}

// firstDiff returns the first index where a and b differ (they have the
// same length), or -1.
func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// trim shortens b for an error message.
func trim(b []byte) []byte {
	if len(b) > 80 {
		return b[:80]
	}
	return b
}
