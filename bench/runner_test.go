package bench

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios"
)

func TestRunCountsExactly(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		want  int64
		loop  string
		timer string
	}{
		{
			name:  "closed loop bounded by request count",
			opts:  Options{Connections: 3, MaxRequests: 500},
			want:  500,
			loop:  LoopClosed,
			timer: "",
		},
		{
			name:  "more connections than recorders: shared recorders count exactly",
			opts:  Options{Connections: 3 * maxRecorders, MaxRequests: 5000},
			want:  5000,
			loop:  LoopClosed,
			timer: "",
		},
		{
			name:  "open loop bounded by request count",
			opts:  Options{Connections: 2, Pacer: UniformPacer{PerSecond: 5000}, MaxRequests: 300},
			want:  300,
			loop:  LoopOpen,
			timer: "hybrid/150µs",
		},
		{
			name:  "open loop bounded by duration: rate × duration",
			opts:  Options{Connections: 2, Pacer: UniformPacer{PerSecond: 2000}, Duration: 200 * time.Millisecond, Timer: TimerSpin},
			want:  400,
			loop:  LoopOpen,
			timer: "spin",
		},
		{
			name: "warm-up requests are not counted",
			opts: Options{Connections: 1, Pacer: UniformPacer{PerSecond: 1000},
				Warmup: 100 * time.Millisecond, Duration: 100 * time.Millisecond},
			want:  100,
			loop:  LoopOpen,
			timer: "hybrid/150µs",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeScenario{}
			tt.opts.Scenario, tt.opts.Addr = s, "fake"
			res, err := Run(context.Background(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Completed() != tt.want {
				t.Errorf("completed %d requests, want %d", res.Completed(), tt.want)
			}
			if res.Loop != tt.loop || res.Timer != tt.timer {
				t.Errorf("loop, timer = %q, %q; want %q, %q", res.Loop, res.Timer, tt.loop, tt.timer)
			}
			if got := s.closes.Load(); got != int64(tt.opts.Connections) {
				t.Errorf("%d clients closed, want %d", got, tt.opts.Connections)
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
// would hide.
func TestOpenLoopCountsTheWaitForAConnection(t *testing.T) {
	s := &fakeScenario{delay: 4 * time.Millisecond}
	res, err := Run(context.Background(), Options{
		Scenario: s, Addr: "fake", Connections: 1,
		Pacer: UniformPacer{PerSecond: 1000}, MaxRequests: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Request i is due at i ms but starts after i × ≥4 ms, so the last ones
	// wait ≥ 290 ms. Service time is ≥ 4 ms, and on a quiet machine ~4 ms.
	if p99 := time.Duration(res.Latency.ValueAtQuantile(99)); p99 < 250*time.Millisecond {
		t.Errorf("latency p99 = %v, want ≥ 250ms (the backlog)", p99)
	}
	if p50 := time.Duration(res.Service.ValueAtQuantile(50)); p50 < 4*time.Millisecond || p50 > 100*time.Millisecond {
		t.Errorf("service p50 = %v, want about 4ms", p50)
	}
	if lag := time.Duration(res.Lag.ValueAtQuantile(99)); lag < 200*time.Millisecond {
		t.Errorf("lag p99 = %v, want ≥ 200ms", lag)
	}
}

func TestErrorsAreCountedNotTimed(t *testing.T) {
	s := &fakeScenario{failEvery: 4, failWith: scenarios.ErrPayloadMismatch}
	res, err := Run(context.Background(), Options{Scenario: s, Addr: "fake", Connections: 1, MaxRequests: 400})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors[scenarios.ErrPayload] != 100 || res.Requests() != 300 {
		t.Errorf("payload errors %d, requests %d; want 100, 300", res.Errors[scenarios.ErrPayload], res.Requests())
	}
}

func TestUnsentWhenTheBacklogCannotDrain(t *testing.T) {
	s := &fakeScenario{delay: 20 * time.Millisecond}
	res, err := Run(context.Background(), Options{
		Scenario: s, Addr: "fake", Connections: 1,
		Pacer: UniformPacer{PerSecond: 1000}, Duration: 100 * time.Millisecond,
		Timeout: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	// 100 requests fall due; at most ~150ms/20ms ≈ 8 can be sent before the
	// drain deadline, so most are unsent. Every due request is accounted.
	if res.Unsent < 50 {
		t.Errorf("unsent = %d, want ≥ 50", res.Unsent)
	}
	if got := res.Completed() + res.Unsent; got != 100 {
		t.Errorf("completed + unsent = %d, want 100", got)
	}
}

func TestContextCancelStopsARun(t *testing.T) {
	tests := []struct {
		name  string
		pacer Pacer
	}{
		{name: "open", pacer: UniformPacer{PerSecond: 200}},
		{name: "closed", pacer: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			s := &fakeScenario{delay: time.Millisecond}
			start := time.Now()
			res, err := Run(ctx, Options{Scenario: s, Addr: "fake", Connections: 2, Pacer: tt.pacer, Duration: time.Minute})
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

func TestProgressIsReported(t *testing.T) {
	var calls atomic.Int64
	var last atomic.Int64
	s := &fakeScenario{}
	_, err := Run(context.Background(), Options{
		Scenario: s, Addr: "fake", Pacer: UniformPacer{PerSecond: 1000},
		Duration: 300 * time.Millisecond, ProgressEvery: 50 * time.Millisecond,
		Progress: func(p Progress) {
			calls.Add(1)
			last.Store(p.Done)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() < 2 || last.Load() == 0 {
		t.Errorf("progress called %d times, last done %d", calls.Load(), last.Load())
	}
}

func TestOptionsAreValidated(t *testing.T) {
	s := &fakeScenario{}
	tests := []struct {
		name string
		opts Options
	}{
		{name: "no scenario", opts: Options{Addr: "x", MaxRequests: 1}},
		{name: "no address", opts: Options{Scenario: s, MaxRequests: 1}},
		{name: "unbounded", opts: Options{Scenario: s, Addr: "x"}},
		{name: "negative connections", opts: Options{Scenario: s, Addr: "x", MaxRequests: 1, Connections: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tt.opts); err == nil {
				t.Error("want an error")
			}
		})
	}
}

func TestRunKeepsIntervals(t *testing.T) {
	s := &fakeScenario{}
	res, err := Run(context.Background(), Options{
		Scenario: s, Addr: "fake", Connections: 2, Pacer: UniformPacer{PerSecond: 2000},
		Warmup: 200 * time.Millisecond, Duration: time.Second, ProgressEvery: 250 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Intervals); n < 3 || n > 6 {
		t.Fatalf("%d intervals of 250 ms in a 1 s window, want about 4", n)
	}
	var total int64
	var prevEnd int64
	for i, iv := range res.Intervals {
		h, err := results.DecodeHistogram(iv.Latency)
		if err != nil {
			t.Fatal(err)
		}
		total += h.TotalCount()
		if iv.StartNs < prevEnd || iv.EndNs <= iv.StartNs {
			t.Errorf("interval %d [%d, %d] overlaps or is empty (previous ended at %d)", i, iv.StartNs, iv.EndNs, prevEnd)
		}
		prevEnd = iv.EndNs
	}
	if total != res.Requests() {
		t.Errorf("intervals hold %d requests, the run %d: every measured request must be in one interval", total, res.Requests())
	}
}
