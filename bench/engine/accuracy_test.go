package engine

import (
	"context"
	"sync"
	"testing"
	"time"
)

// gate holds a server's answers while it is closed, as a frozen server
// (a GC pause, a SIGSTOP) would.
type gate struct {
	mu     sync.Mutex
	closed bool
	open   *sync.Cond
}

func newGate() *gate {
	g := &gate{}
	g.open = sync.NewCond(&g.mu)
	return g
}

// freeze closes the gate for d.
func (g *gate) freeze(d time.Duration) {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	time.AfterFunc(d, func() {
		g.mu.Lock()
		g.closed = false
		g.mu.Unlock()
		g.open.Broadcast()
	})
}

// pass waits until the gate is open.
func (g *gate) pass() {
	g.mu.Lock()
	for g.closed {
		g.open.Wait()
	}
	g.mu.Unlock()
}

// TestCoordinatedOmission freezes the server for 1 s of a 10 s run at
// 1,000 rps. About 10% of the requests fall due during the freeze, and
// their waits spread evenly from 1 s down to 0, so p99 ≈ 0.9 s and p95 ≈
// 0.5 s. A client that measured from the send time, or that stopped
// sending while the server was stuck, would see a p99 of a few hundred
// µs. The service time still shows the short per-request times: only the
// 10 requests in flight when the freeze began took long to serve.
func TestCoordinatedOmission(t *testing.T) {
	if testing.Short() {
		t.Skip("a 10 s run")
	}
	const (
		rate      = 1000
		runFor    = 10 * time.Second
		freezeAt  = 4 * time.Second
		freezeFor = time.Second
	)
	g := newGate()
	srv := gatedEchoServer(t, g)
	timer := time.AfterFunc(freezeAt, func() { g.freeze(freezeFor) })
	defer timer.Stop()
	res, err := Run(context.Background(), Options{
		Scenario: pingScenario{}, Addrs: []string{srv.Addr()}, Connections: 10,
		Pacer: uniformPacer{PerSecond: rate}, Duration: runFor,
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		got      time.Duration
		min, max time.Duration
	}{
		// The backlog of ~1,000 requests drains in tens of ms after the
		// freeze, which adds to the upper bounds; they are loose, for a
		// busy machine: what matters is that the stall shows.
		{name: "latency p99", got: pct(res.Latency.ValueAtQuantile(99)), min: 700 * time.Millisecond, max: 1500 * time.Millisecond},
		{name: "latency p95", got: pct(res.Latency.ValueAtQuantile(95)), min: 300 * time.Millisecond, max: 800 * time.Millisecond},
		{name: "latency p80 (before the stall's share)", got: pct(res.Latency.ValueAtQuantile(80)), min: 0, max: 50 * time.Millisecond},
		{name: "service time p99", got: pct(res.Service.ValueAtQuantile(99)), min: 0, max: 50 * time.Millisecond},
	}
	for _, tt := range tests {
		if tt.got < tt.min || tt.got > tt.max {
			t.Errorf("%s = %v, want between %v and %v", tt.name, tt.got, tt.min, tt.max)
		}
	}
	if n := res.Completed(); n < rate*9 || n > rate*11 {
		t.Errorf("%d requests completed, want about %d: requests due during the freeze must still be sent", n, rate*10)
	}
	t.Logf("latency p50 %v p95 %v p99 %v; service p99 %v p99.9 %v",
		pct(res.Latency.ValueAtQuantile(50)), pct(res.Latency.ValueAtQuantile(95)), pct(res.Latency.ValueAtQuantile(99)),
		pct(res.Service.ValueAtQuantile(99)), pct(res.Service.ValueAtQuantile(99.9)))
}

// pct converts a histogram value in ns to a Duration.
func pct(ns int64) time.Duration { return time.Duration(ns) }
