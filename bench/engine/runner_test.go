package engine

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

// twoLoopCPUs returns two CPUs this test may run on (the same one twice
// on a single-CPU machine), so that a run has two loops.
func twoLoopCPUs(t *testing.T) []int {
	t.Helper()
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Fatal(err)
	}
	var cpus []int
	for c := 0; c < 1024 && len(cpus) < 2; c++ {
		if set.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	if len(cpus) == 1 {
		cpus = append(cpus, cpus[0])
	}
	return cpus
}

func TestRunCountsExactly(t *testing.T) {
	srv := echoServer(t, 0, 0)
	tests := []struct {
		name string
		opts Options
		want int64
		loop string
		wait string
		two  bool // two loops
	}{
		{name: "closed loop bounded by request count", opts: Options{Connections: 3, MaxRequests: 500},
			want: 500, loop: LoopClosed, wait: "block"},
		{name: "closed loop, two loops share the budget", opts: Options{Connections: 3, MaxRequests: 501},
			want: 501, loop: LoopClosed, wait: "block", two: true},
		{name: "open loop bounded by request count",
			opts: Options{Connections: 2, Pacer: uniformPacer{PerSecond: 5000}, MaxRequests: 300, Wait: WaitHybrid},
			want: 300, loop: LoopOpen, wait: "hybrid/150µs"},
		{name: "open loop bounded by duration: rate × duration",
			opts: Options{Connections: 2, Pacer: uniformPacer{PerSecond: 2000}, Duration: 200 * time.Millisecond, Wait: WaitSpin},
			want: 400, loop: LoopOpen, wait: "spin"},
		{name: "open loop, two loops walk one schedule",
			opts: Options{Connections: 4, Pacer: newPoissonPacer(3000, 7), MaxRequests: 999},
			want: 999, loop: LoopOpen, wait: "block", two: true},
		{name: "warm-up requests are not counted",
			opts: Options{Connections: 1, Pacer: uniformPacer{PerSecond: 1000}, Warmup: 100 * time.Millisecond, Duration: 100 * time.Millisecond},
			want: 100, loop: LoopOpen, wait: "block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Scenario, tt.opts.Addrs = pingScenario{}, []string{srv.Addr()}
			if tt.two {
				tt.opts.CPUs = twoLoopCPUs(t)
			}
			res, err := Run(context.Background(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Completed() != tt.want || res.FellDue != tt.want || res.Requests() != tt.want {
				t.Errorf("completed %d, fell due %d, succeeded %d; want %d each (errors: %v)",
					res.Completed(), res.FellDue, res.Requests(), tt.want, res.ErrorSamples)
			}
			if res.Loop != tt.loop || res.Wait != tt.wait {
				t.Errorf("loop, wait = %q, %q; want %q, %q", res.Loop, res.Wait, tt.loop, tt.wait)
			}
			if wantLoops := map[bool]int{false: 1, true: 2}[tt.two]; res.Loops != wantLoops {
				t.Errorf("%d loops, want %d", res.Loops, wantLoops)
			}
			if res.Interrupted || res.Unsent != 0 {
				t.Errorf("interrupted %v, unsent %d", res.Interrupted, res.Unsent)
			}
		})
	}
}

// A target slower than the offered rate builds a backlog. Latency, counted
// from each request's due time, must grow with the backlog while service
// time stays at the per-request cost: this is what coordinated omission
// would hide. The bounds come from the server's own 4 ms sleep, so a busy
// machine only moves the figures further from them.
func TestOpenLoopCountsTheWaitForAConnection(t *testing.T) {
	srv := echoServer(t, 4*time.Millisecond, 0)
	res, err := Run(context.Background(), Options{
		Scenario: pingScenario{}, Addrs: []string{srv.Addr()}, Connections: 1,
		Pacer: uniformPacer{PerSecond: 1000}, MaxRequests: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Request i is due at i ms but starts after i × ≥4 ms, so the last ones
	// wait ≥ 290 ms.
	if p99 := time.Duration(res.Latency.ValueAtQuantile(99)); p99 < 250*time.Millisecond {
		t.Errorf("latency p99 = %v, want ≥ 250ms (the backlog)", p99)
	}
	if p50 := time.Duration(res.Service.ValueAtQuantile(50)); p50 < 4*time.Millisecond {
		t.Errorf("service p50 = %v, want at least the server's 4ms", p50)
	}
	if lag := time.Duration(res.Lag.ValueAtQuantile(99)); lag < 200*time.Millisecond {
		t.Errorf("lag p99 = %v, want ≥ 200ms", lag)
	}
}

func TestErrorsAreCountedNotTimed(t *testing.T) {
	srv := echoServer(t, 0, 4)
	res, err := Run(context.Background(), Options{Scenario: pingScenario{}, Addrs: []string{srv.Addr()}, Connections: 1, MaxRequests: 400})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors[scenarios.ErrPayload] != 100 || res.Requests() != 300 {
		t.Errorf("payload errors %d, requests %d; want 100, 300", res.Errors[scenarios.ErrPayload], res.Requests())
	}
	if res.ErrorSamples["payload_mismatch"] == "" {
		t.Errorf("no sample of the payload errors: %v", res.ErrorSamples)
	}
}

// Every request that fell due is accounted for: answered, failed, or
// dropped after waiting past its timeout for a connection.
func TestUnsentWhenTheBacklogCannotDrain(t *testing.T) {
	srv := echoServer(t, 20*time.Millisecond, 0)
	res, err := Run(context.Background(), Options{
		Scenario: pingScenario{}, Addrs: []string{srv.Addr()}, Connections: 1,
		Pacer: uniformPacer{PerSecond: 1000}, Duration: 100 * time.Millisecond,
		Timeout: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unsent < 50 {
		t.Errorf("unsent = %d, want ≥ 50", res.Unsent)
	}
	if got := res.Completed() + res.Unsent; got != 100 || res.FellDue != 100 {
		t.Errorf("completed + unsent = %d, fell due %d; want 100 each", got, res.FellDue)
	}
}

// A connection whose first request hangs through warm-up carries no
// measured request; the window stays exactly as long as asked for, and
// the achieved rate counts the window only.
func TestClosedLoopWindowIsExact(t *testing.T) {
	var accepted atomic.Int64
	srv := scenariotest.Start(t, func(c net.Conn) {
		if accepted.Add(1) == 1 {
			_, _ = c.Read(make([]byte, 64))
			<-t.Context().Done() // the first connection never answers
			return
		}
		buf := make([]byte, 64)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
	})
	res, err := Run(context.Background(), Options{
		Scenario: pingScenario{}, Addrs: []string{srv.Addr()}, Connections: 3,
		Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond, Timeout: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Measured != 300*time.Millisecond {
		t.Errorf("window %v, want exactly 300ms", res.Measured)
	}
	if res.IdleConnections != 1 || res.InFlightAtStart < 1 {
		t.Errorf("idle connections %d, in flight at start %d; want 1 and ≥ 1", res.IdleConnections, res.InFlightAtStart)
	}
	if res.Errors.Total() != 0 || res.Requests() == 0 {
		t.Errorf("errors %d, requests %d: the hung warm-up request is not measured", res.Errors.Total(), res.Requests())
	}
	if want := float64(res.WindowCompleted) / 0.3; res.AchievedRPS() != want {
		t.Errorf("achieved %.0f rps, want %.0f (completions in the window ÷ 300ms)", res.AchievedRPS(), want)
	}
}

// A measured request in flight past its timeout is a timeout error, even
// once the window has closed.
func TestTimeoutAfterTheWindowIsCounted(t *testing.T) {
	srv := silentServer(t)
	res, err := Run(context.Background(), Options{
		Scenario: pingScenario{}, Addrs: []string{srv.Addr()}, Connections: 2,
		Pacer: uniformPacer{PerSecond: 50}, Duration: 200 * time.Millisecond, Timeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.FellDue != 10 || res.Errors[scenarios.ErrTimeout]+res.Unsent != 10 || res.Requests() != 0 {
		t.Errorf("fell due %d, timeouts %d, unsent %d, answered %d; want 10 due, all timed out or unsent",
			res.FellDue, res.Errors[scenarios.ErrTimeout], res.Unsent, res.Requests())
	}
	if res.InFlightAtEnd == 0 {
		t.Error("no request in flight at the window's end")
	}
}

func TestContextCancelStopsARun(t *testing.T) {
	srv := echoServer(t, time.Millisecond, 0)
	tests := []struct {
		name  string
		pacer Pacer
		wait  Wait
	}{
		{name: "open, spinning", pacer: uniformPacer{PerSecond: 200}, wait: WaitSpin},
		{name: "open, blocking", pacer: uniformPacer{PerSecond: 200}},
		{name: "closed", pacer: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			res, err := Run(ctx, Options{Scenario: pingScenario{}, Addrs: []string{srv.Addr()}, Connections: 2,
				Pacer: tt.pacer, Wait: tt.wait, Duration: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Interrupted {
				t.Error("result not marked interrupted")
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("run took %v after cancel", took)
			}
			if res.Completed() == 0 {
				t.Error("partial results lost")
			}
		})
	}
}

func TestEveryIntervalIsHandedOver(t *testing.T) {
	srv := echoServer(t, 0, 0)
	var calls, warm, done atomic.Int64
	_, err := Run(context.Background(), Options{
		Scenario: pingScenario{}, Addrs: []string{srv.Addr()}, Pacer: uniformPacer{PerSecond: 1000},
		Warmup: 100 * time.Millisecond, Duration: 300 * time.Millisecond, Every: 50 * time.Millisecond,
		OnInterval: func(iv *Interval) {
			calls.Add(1)
			if iv.Warmup() {
				warm.Add(1)
			} else if !iv.AfterWindow {
				done.Add(iv.Completed)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got < 8 || got > 9 || warm.Load() != 2 || done.Load() == 0 {
		t.Errorf("%d intervals (%d in warm-up), %d completed in the window; want 8 (2) and one after the window at most, > 0",
			calls.Load(), warm.Load(), done.Load())
	}
}

func TestOptionsAreValidated(t *testing.T) {
	addr := []string{"127.0.0.1:1"}
	tests := []struct {
		name string
		opts Options
	}{
		{name: "no scenario", opts: Options{Addrs: addr, MaxRequests: 1}},
		{name: "no address", opts: Options{Scenario: pingScenario{}, MaxRequests: 1}},
		{name: "bad address", opts: Options{Scenario: pingScenario{}, Addrs: []string{"nowhere"}, MaxRequests: 1}},
		{name: "unbounded", opts: Options{Scenario: pingScenario{}, Addrs: addr}},
		{name: "negative connections", opts: Options{Scenario: pingScenario{}, Addrs: addr, MaxRequests: 1, Connections: -1}},
		{name: "a share without connections", opts: Options{Scenario: pingScenario{}, Addrs: addr, MaxRequests: 1, Split: Whole().Part(3, 4)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tt.opts); err == nil {
				t.Error("want an error")
			}
		})
	}
}

func TestRunHandsOverIntervals(t *testing.T) {
	srv := echoServer(t, 0, 0)
	var ivs []Interval
	var total int64
	res, err := Run(context.Background(), Options{
		Scenario: pingScenario{}, Addrs: []string{srv.Addr()}, Connections: 2, Pacer: uniformPacer{PerSecond: 2000},
		Warmup: 200 * time.Millisecond, Duration: time.Second, Every: 250 * time.Millisecond,
		OnInterval: func(iv *Interval) {
			if !iv.Warmup() {
				total += iv.Latency.TotalCount()
				cp := *iv
				cp.Latency, cp.Service = nil, nil // valid only during the call
				ivs = append(ivs, cp)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ivs); n < 4 || n > 5 {
		t.Fatalf("%d intervals of 250 ms in a 1 s window, want 4 (and one for requests answered after it)", n)
	}
	var completed int64
	var prevEnd time.Duration
	for i, iv := range ivs {
		completed += iv.Completed
		if iv.Start < prevEnd || iv.End <= iv.Start {
			t.Errorf("interval %d [%v, %v] overlaps or is empty (previous ended at %v)", i, iv.Start, iv.End, prevEnd)
		}
		prevEnd = iv.End
	}
	if total != res.Requests() {
		t.Errorf("intervals hold %d requests, the run %d: every measured request must be in one interval", total, res.Requests())
	}
	if completed < res.Requests() {
		t.Errorf("intervals count %d completions, fewer than the %d measured", completed, res.Requests())
	}
}

// Connections are spread over several addresses in turn.
func TestRunSpreadsConnectionsOverAddresses(t *testing.T) {
	a, b := echoServer(t, 0, 0), echoServer(t, 0, 0)
	res, err := Run(context.Background(), Options{Scenario: pingScenario{}, Addrs: []string{a.Addr(), b.Addr()},
		Connections: 4, MaxRequests: 100})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests() != 100 || a.Accepted() != 2 || b.Accepted() != 2 {
		t.Errorf("%d answered; accepted %d and %d; want 100, 2 and 2", res.Requests(), a.Accepted(), b.Accepted())
	}
}

// A run may start later than it is called (faults and agents share a
// start time): its loops then begin before the first interval the
// window's alignment gives, and the run still ends with every interval.
func TestRunStartsLater(t *testing.T) {
	srv := echoServer(t, 0, 0)
	start := time.Now().Add(300 * time.Millisecond)
	var intervals int
	res, err := Run(context.Background(), Options{
		Scenario: pingScenario{}, Addrs: []string{srv.Addr()}, Pacer: uniformPacer{PerSecond: 200},
		Start: start, Warmup: 500 * time.Millisecond, Duration: time.Second, Every: 250 * time.Millisecond,
		OnInterval: func(iv *Interval) {
			if !iv.Warmup() {
				intervals++
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if time.Now().Before(start.Add(1400 * time.Millisecond)) {
		t.Error("the run ended before its window could have")
	}
	if res.FellDue != 200 || intervals < 4 {
		t.Errorf("fell due %d, %d intervals; want 200 and 4 or more", res.FellDue, intervals)
	}
}
