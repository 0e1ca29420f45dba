// Package h2test helps test multiplexed scenarios (h2, grpc): Driver, a
// blocking test stand-in for the engine that runs a scenarios.Conn over a
// real connection, and Peer and the Append functions, to write fake
// HTTP/2 servers and recorded responses frame by frame.
package h2test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

// Ended is one request end that a Conn reported.
type Ended struct {
	Slot   int
	Status scenarios.Status
}

// Driver runs a scenarios.Conn over a real connection the way the
// engine's event loop does, blocking: it writes what Output returns after
// every call, and feeds every read to Consume. One goroutine uses it.
type Driver struct {
	t      testing.TB
	nc     net.Conn
	c      scenarios.Conn
	buf    []byte
	ended  []Ended // reported and not yet taken by Wait
	closed bool    // the peer closed the connection
	onEnd  func(int, scenarios.Status)
}

// Dial connects to addr, calls Connected and writes the preface. The
// connection closes at test cleanup.
func Dial(t testing.TB, addr string, c scenarios.Conn) *Driver {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return New(t, nc, c)
}

// New returns a Driver of c over nc, calls Connected and writes the
// preface. nc closes at test cleanup.
func New(t testing.TB, nc net.Conn, c scenarios.Conn) *Driver {
	t.Helper()
	d := &Driver{t: t, nc: nc, c: c, buf: make([]byte, 64<<10)}
	d.onEnd = d.record
	t.Cleanup(func() { nc.Close() })
	c.Connected()
	d.Flush()
	return d
}

// record is the ended callback.
func (d *Driver) record(s int, st scenarios.Status) {
	d.ended = append(d.ended, Ended{Slot: s, Status: st})
}

// Flush writes what Output returns.
func (d *Driver) Flush() {
	d.t.Helper()
	out := d.c.Output()
	if len(out) == 0 {
		return
	}
	d.nc.SetWriteDeadline(scenariotest.Deadline())
	if _, err := d.nc.Write(out); err != nil && !d.closed {
		d.t.Fatalf("write: %v", err)
	}
}

// Start starts request class on slot s and writes it; it returns what
// Start returned.
func (d *Driver) Start(s, class int) bool {
	d.t.Helper()
	ok := d.c.Start(s, class)
	d.Flush()
	return ok
}

// Cancel cancels slot s's request and writes what that sends.
func (d *Driver) Cancel(s int) {
	d.t.Helper()
	d.c.Cancel(s)
	d.Flush()
}

// Wait reads until n request ends have been reported (or the peer
// closes the connection, which ends every request in flight) and returns
// them, in order. It fails the test on a read error or after 10 s.
func (d *Driver) Wait(n int) []Ended {
	d.t.Helper()
	d.nc.SetReadDeadline(scenariotest.Deadline())
	for len(d.ended) < n && !d.closed {
		d.Read()
	}
	got := d.ended
	d.ended = nil
	return got
}

// Read reads once, feeds what came to Consume (or calls Closed at EOF)
// and writes what Output returns then. It fails the test on any other
// read error.
func (d *Driver) Read() {
	d.t.Helper()
	k, err := d.nc.Read(d.buf)
	if k > 0 {
		d.c.Consume(d.buf[:k], d.onEnd)
		d.Flush()
	}
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed):
		d.closed = true
		d.c.Closed(d.onEnd)
	case err != nil:
		d.t.Fatalf("read: %v", err)
	}
}

// Run makes requests of class 0 on every slot until n have ended, keeps
// every slot busy in the meantime and sends a request that ended with
// Retry again. It returns how many ended with each status, Retry ones
// apart, and fails the test if a request cannot start while the
// connection is usable and no request is in flight.
func (d *Driver) Run(slots, n int) map[scenarios.Status]int {
	d.t.Helper()
	counts := map[scenarios.Status]int{}
	busy := make([]bool, slots)
	inFlight, done := 0, 0
	for done < n && !d.closed {
		for s := 0; s < slots && inFlight+done < n; s++ {
			if !busy[s] && d.c.Start(s, 0) {
				busy[s] = true
				inFlight++
			}
		}
		d.Flush()
		if inFlight == 0 {
			d.t.Fatalf("no request could start after %d ended (usable: %v)", done, d.c.Usable())
		}
		for _, e := range d.Wait(1) {
			busy[e.Slot] = false
			inFlight--
			counts[e.Status]++
			if !e.Status.Retry {
				done++
			}
		}
	}
	return counts
}

// Closed reports whether the peer has closed the connection.
func (d *Driver) Closed() bool { return d.closed }

// Conn returns the network connection.
func (d *Driver) Conn() net.Conn { return d.nc }
