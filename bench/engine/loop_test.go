package engine

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/latbench/latbench/scenarios"
)

const ms = time.Millisecond

// only returns the recorded latency, service time and lag of a
// recorder that holds exactly one request, checking that it does.
func only(t *testing.T, rec *recorder) (latency, service, lag time.Duration) {
	t.Helper()
	if n := rec.latency.TotalCount(); n != 1 {
		t.Fatalf("%d requests recorded, want 1", n)
	}
	return time.Duration(rec.latency.Max()), time.Duration(rec.service.Max()), time.Duration(rec.lag.Max())
}

// near reports whether got is within HDR's 0.1% of want.
func near(got, want time.Duration) bool {
	d := got - want
	return d >= -want/500-1 && d <= want/500+1
}

// Every connection busy: the next request waits for one, and its latency
// counts from its due time, not from when it could be sent.
func TestLoopQueuesWhenEveryConnectionIsBusy(t *testing.T) {
	l, clk, dial := testLoop(t, loopConfig{end: 10 * ms}, 1, uniformPacer{PerSecond: 1000})
	turnAt(l, clk, 0) // request 0, due at 0, goes out
	if len(dial.peers) != 1 {
		t.Fatalf("%d connections, want 1", len(dial.peers))
	}
	server := dial.peers[0]
	if got := peerRead(t, server); got != "ping" {
		t.Fatalf("server got %q, want ping", got)
	}
	turnAt(l, clk, 1*ms) // request 1 falls due: no connection is free
	if l.flight.n != 1 || peerRead(t, server) != "" {
		t.Fatal("a second request went out on a busy connection")
	}
	peerWrite(t, server, "ping")
	turnAt(l, clk, 3*ms) // request 0 answered at 3 ms
	lat, svc, lag := only(t, l.arms[0].rec)
	if !near(lat, 3*ms) || !near(svc, 3*ms) || lag > time.Microsecond {
		t.Errorf("request 0: latency %v, service %v, lag %v; want 3ms, 3ms, 0", lat, svc, lag)
	}
	turnAt(l, clk, 3*ms) // request 1, due at 1 ms, goes out at 3 ms
	if got := peerRead(t, server); got != "ping" {
		t.Fatalf("server got %q, want the queued request", got)
	}
	peerWrite(t, server, "ping")
	l.arms[0].rec = newRecorder(false, 0)
	l.setInterval(newIntervalRecord(1))
	turnAt(l, clk, 3500*time.Microsecond)
	lat, svc, lag = only(t, l.arms[0].rec)
	if !near(lat, 2500*time.Microsecond) || !near(svc, 500*time.Microsecond) || !near(lag, 2*ms) {
		t.Errorf("queued request: latency %v, service %v, lag %v; want 2.5ms (from due), 0.5ms, 2ms", lat, svc, lag)
	}
}

// A request without an answer times out at its deadline, its connection
// is closed, and the next request opens a new one.
func TestLoopDeadlineFires(t *testing.T) {
	l, clk, dial := testLoop(t, loopConfig{timeout: 5 * ms}, 1, nil)
	l.arms[0].budget = 2
	turnAt(l, clk, 0)
	turnAt(l, clk, 4*ms)
	if l.arms[0].rec.counts.Errors[scenarios.ErrTimeout] != 0 {
		t.Fatal("timed out before the deadline")
	}
	turnAt(l, clk, 5*ms)
	if got := l.arms[0].rec.counts.Errors[scenarios.ErrTimeout]; got != 1 {
		t.Fatalf("%d timeouts, want 1", got)
	}
	if got := peerRead(t, dial.peers[0]); got != "ping" {
		t.Fatalf("server got %q", got)
	}
	buf := make([]byte, 8)
	if n, err := unix.Read(dial.peers[0], buf); n != 0 || err != nil {
		t.Errorf("server end after the timeout: read %d, %v; want EOF (closed)", n, err)
	}
	turnAt(l, clk, 5*ms)
	if len(dial.peers) != 2 {
		t.Errorf("%d connections after the timeout, want a new one", len(dial.peers))
	}
	if s := l.arms[0].rec.samples[scenarios.ErrTimeout]; s == "" {
		t.Error("no sample message for the timeout")
	}
}

// How a request ends when the server misbehaves decides its error class.
func TestLoopClassifiesFailures(t *testing.T) {
	tests := []struct {
		name   string
		server func(t *testing.T, fd int)
		want   scenarios.ErrorClass
	}{
		{name: "short read: closed halfway through the answer", want: scenarios.ErrShortRead,
			server: func(t *testing.T, fd int) { peerRead(t, fd); peerWrite(t, fd, "pi"); unix.Close(fd) }},
		{name: "reset: closed without reading the request", want: scenarios.ErrReset,
			server: func(t *testing.T, fd int) { unix.Close(fd) }},
		{name: "wrong answer", want: scenarios.ErrPayload,
			server: func(t *testing.T, fd int) { peerRead(t, fd); peerWrite(t, fd, "pong") }},
		{name: "too long an answer", want: scenarios.ErrPayload,
			server: func(t *testing.T, fd int) { peerRead(t, fd); peerWrite(t, fd, "pingping") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, clk, dial := testLoop(t, loopConfig{}, 1, nil)
			l.arms[0].budget = 1
			turnAt(l, clk, 0)
			tt.server(t, dial.peers[0])
			turnAt(l, clk, ms)
			for c, n := range l.arms[0].rec.counts.Errors {
				want := int64(0)
				if scenarios.ErrorClass(c) == tt.want {
					want = 1
				}
				if n != want {
					t.Errorf("%v errors: %d, want %d", scenarios.ErrorClass(c), n, want)
				}
			}
			if l.arms[0].rec.samples[tt.want] == "" {
				t.Errorf("no sample message for %v", tt.want)
			}
			if l.socks[0].state != sockClosed {
				t.Errorf("connection left %v after a failure, want closed", l.socks[0].state)
			}
		})
	}
}

// A refused connect is a connect error; the closed loop backs off before
// the slot tries again.
func TestLoopConnectRefused(t *testing.T) {
	l, clk, dial := testLoop(t, loopConfig{}, 1, nil)
	dial.refuse = true
	turnAt(l, clk, 0)
	if got := l.arms[0].rec.counts.Errors[scenarios.ErrConnect]; got != 1 {
		t.Fatalf("%d connect errors, want 1", got)
	}
	turnAt(l, clk, connectBackoff-time.Microsecond)
	if got := l.arms[0].rec.counts.Errors[scenarios.ErrConnect]; got != 1 {
		t.Errorf("%d connect errors before the backoff ended, want 1", got)
	}
	turnAt(l, clk, connectBackoff)
	if got := l.arms[0].rec.counts.Errors[scenarios.ErrConnect]; got != 2 {
		t.Errorf("%d connect errors after the backoff, want 2", got)
	}
}

// The window is exact: requests are measured by when they were due, the
// window's edges are counted, and a measured request still in flight
// when the window closes is followed to its end.
func TestLoopWindowEdges(t *testing.T) {
	l, clk, dial := testLoop(t, loopConfig{warmup: 10 * ms, end: 20 * ms, timeout: 50 * ms}, 2, uniformPacer{PerSecond: 200})
	// Due at 0, 5, 10, 15 ms: two in warm-up, two measured.
	turnAt(l, clk, 0)
	turnAt(l, clk, 5*ms)
	turnAt(l, clk, 10*ms) // window opens with two in flight; no connection free for request 2
	if l.arms[0].rec.counts.InFlightAtStart != 2 {
		t.Errorf("in flight at the start = %d, want 2", l.arms[0].rec.counts.InFlightAtStart)
	}
	peerRead(t, dial.peers[0])
	peerWrite(t, dial.peers[0], "ping")
	turnAt(l, clk, 12*ms) // warm-up request 0 answered: not measured
	turnAt(l, clk, 12*ms) // request 2 goes out
	turnAt(l, clk, 20*ms) // window closes: request 3 (due 15 ms) still waits
	if l.arms[0].rec.counts.InFlightAtEnd != 1 {
		t.Errorf("measured in flight at the end = %d, want 1", l.arms[0].rec.counts.InFlightAtEnd)
	}
	if l.finished() {
		t.Fatal("finished with measured requests outstanding")
	}
	peerRead(t, dial.peers[0])
	peerWrite(t, dial.peers[0], "ping")
	turnAt(l, clk, 25*ms) // request 2 answered after the window: still measured
	turnAt(l, clk, 25*ms) // request 3 goes out
	peerRead(t, dial.peers[0])
	peerWrite(t, dial.peers[0], "ping")
	turnAt(l, clk, 26*ms)
	if !l.finished() {
		t.Errorf("not finished: %d measured in flight", l.measuredInFlight)
	}
	if got := l.arms[0].rec.latency.TotalCount(); got != 2 {
		t.Errorf("%d measured requests, want 2", got)
	}
	if l.arms[0].rec.counts.FellDue != 2 || l.arms[0].rec.counts.WindowCompleted != 1 {
		t.Errorf("fell due %d, completed in the window %d; want 2, 1", l.arms[0].rec.counts.FellDue, l.arms[0].rec.counts.WindowCompleted)
	}
}

// A request that waits for a connection longer than the timeout is
// dropped unsent, and counted.
func TestLoopDropsRequestsThatWaitedPastTheTimeout(t *testing.T) {
	l, clk, _ := testLoop(t, loopConfig{end: 100 * ms, timeout: 30 * ms}, 1, uniformPacer{PerSecond: 100})
	// Ten requests fall due, every 10 ms; the server never answers. Each
	// one sent times out after 30 ms, and meanwhile the requests behind
	// it wait; those that waited 30 ms are dropped.
	for at := time.Duration(0); at <= 200*ms; at += 5 * ms {
		turnAt(l, clk, at)
	}
	if !l.finished() {
		t.Fatal("not finished")
	}
	if l.arms[0].rec.counts.Unsent == 0 {
		t.Fatal("no request dropped unsent")
	}
	total := l.arms[0].rec.counts.Unsent + l.arms[0].rec.counts.Errors[scenarios.ErrTimeout] + l.arms[0].rec.latency.TotalCount() + int64(l.measuredInFlight)
	if total != 10 || l.arms[0].rec.counts.FellDue != 10 {
		t.Errorf("unsent + timed out + answered + in flight = %d, fell due %d; want 10 each", total, l.arms[0].rec.counts.FellDue)
	}
}

// An idle connection that the server closes is reopened quietly by the
// next request, which is not an error.
func TestLoopReopensAConnectionTheServerClosed(t *testing.T) {
	l, clk, dial := testLoop(t, loopConfig{}, 1, uniformPacer{PerSecond: 1000})
	turnAt(l, clk, 0)
	peerRead(t, dial.peers[0])
	peerWrite(t, dial.peers[0], "ping")
	turnAt(l, clk, 500*time.Microsecond)
	unix.Close(dial.peers[0])
	dial.peers[0] = -1
	turnAt(l, clk, 700*time.Microsecond) // the loop sees the close
	turnAt(l, clk, ms)                   // request 1 reconnects
	if len(dial.peers) != 2 {
		t.Fatalf("%d connections, want 2", len(dial.peers))
	}
	peerRead(t, dial.peers[1])
	peerWrite(t, dial.peers[1], "ping")
	turnAt(l, clk, 1200*time.Microsecond)
	if l.arms[0].rec.latency.TotalCount() != 2 || l.arms[0].rec.counts.Errors.Total() != 0 {
		t.Errorf("%d answered, errors %v; want 2 and none", l.arms[0].rec.latency.TotalCount(), l.arms[0].rec.counts.Errors)
	}
}

// Interval records are handed over at each boundary, aligned to the
// window's start, with warm-up ones numbered below zero.
func TestLoopShipsIntervals(t *testing.T) {
	l, clk, dial := testLoop(t, loopConfig{warmup: 1500 * ms, end: 3500 * ms}, 1, uniformPacer{PerSecond: 1})
	l.interval.index = l.cfg.intervalIndex(0)
	for at := time.Duration(0); at < 4*time.Second; at += 250 * ms {
		turnAt(l, clk, at)
		if fd := dial.peers[len(dial.peers)-1]; peerRead(t, fd) != "" {
			peerWrite(t, fd, "ping")
		}
	}
	var got []int64
	for len(l.out) > 0 {
		got = append(got, (<-l.out).index)
	}
	want := []int64{-2, -1, 0, 1}
	if len(got) != len(want) {
		t.Fatalf("shipped %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("shipped %v, want %v", got, want)
		}
	}
	if l.interval.index != 2 {
		t.Errorf("current record %d, want 2 (after the window)", l.interval.index)
	}
}

// Requests due during a fault are counted for it, whether they succeed,
// fail or are dropped unsent.
func TestLoopCountsFaults(t *testing.T) {
	l, clk, dial := testLoop(t, loopConfig{end: 100 * ms, timeout: 20 * ms}, 1, uniformPacer{PerSecond: 100})
	l.cfg.faults = []FaultWindow{{From: 25 * ms, To: 55 * ms}}
	l.arms[0].faults = make([]FaultCount, 1)
	answer := func() {
		if fd := dial.peers[len(dial.peers)-1]; peerRead(t, fd) != "" {
			peerWrite(t, fd, "ping")
		}
	}
	for at := time.Duration(0); at <= 200*ms; at += ms {
		turnAt(l, clk, at)
		if at < 25*ms || at >= 55*ms {
			answer() // the server answers outside the fault, and not during it
		}
	}
	// Due at 30, 40 and 50 ms: inside the fault. The one sent at 30 ms times
	// out; the others wait for it and are answered or dropped.
	if got := l.arms[0].faults[0]; got.FellDue != 3 || got.Succeeded >= 3 {
		t.Errorf("fault counts %+v, want 3 due and not all answered", got)
	}
	if l.arms[0].rec.latency.TotalCount()+l.arms[0].rec.counts.Unsent+l.arms[0].rec.counts.Errors[scenarios.ErrTimeout] != 10 {
		t.Errorf("answered %d, unsent %d, timed out %d: want 10 in all", l.arms[0].rec.latency.TotalCount(), l.arms[0].rec.counts.Unsent, l.arms[0].rec.counts.Errors[scenarios.ErrTimeout])
	}
}
