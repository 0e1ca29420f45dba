package results

import (
	"testing"
	"time"
)

func fptr(v float64) *float64 { return &v }

// The summary of a window: the worst steal, run-queue waits per second of
// window, the mean and worst wake-up, and the interval with the highest
// p99 with its noise.
func TestNoiseSummer(t *testing.T) {
	quarter := int64(250 * time.Millisecond)
	ivs := []struct {
		noise *IntervalNoise
		p99Ns int64
	}{
		{noise: &IntervalNoise{StealPct: fptr(1), ClientRunQueueUs: fptr(500), TargetRunQueueUs: fptr(100), WakeMaxUs: fptr(80), WakeMeanUs: fptr(60)}, p99Ns: 100_000},
		{noise: &IntervalNoise{StealPct: fptr(9), ClientRunQueueUs: fptr(1500), TargetRunQueueUs: fptr(300), WakeMaxUs: fptr(7000), WakeMeanUs: fptr(100)}, p99Ns: 9_000_000},
		{noise: nil, p99Ns: 50_000_000}, // no figures: not counted, not the worst
		{noise: &IntervalNoise{StealPct: fptr(2), ClientRunQueueUs: fptr(0), TargetRunQueueUs: fptr(0), WakeMaxUs: fptr(90), WakeMeanUs: fptr(50)}, p99Ns: 200_000},
	}
	var s NoiseSummer
	for i, iv := range ivs {
		start := int64(i) * quarter
		s.Add(Interval{StartNs: start, EndNs: start + quarter, Noise: iv.noise}, iv.p99Ns)
	}
	got := s.Summary()
	if got == nil {
		t.Fatal("no summary")
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{name: "intervals", got: float64(got.Intervals), want: 3},
		{name: "worst steal", got: *got.StealMaxPct, want: 9},
		{name: "client run queue, ms per s", got: *got.ClientRunQueueMsPerS, want: 2000.0 / 1e3 / 0.75},
		{name: "target run queue, ms per s", got: *got.TargetRunQueueMsPerS, want: 400.0 / 1e3 / 0.75},
		{name: "mean wake-up", got: *got.WakeMeanUs, want: 70},
		{name: "worst wake-up", got: *got.WakeMaxUs, want: 7000},
		{name: "worst interval's p99", got: got.Worst.P99Us, want: 9000},
		{name: "worst interval's start", got: float64(got.Worst.StartNs), want: float64(quarter)},
		{name: "worst interval's steal", got: *got.Worst.Noise.StealPct, want: 9},
	} {
		if c.got < c.want-1e-9 || c.got > c.want+1e-9 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	var none NoiseSummer
	none.Add(Interval{EndNs: quarter}, 1)
	if none.Summary() != nil {
		t.Error("a window without noise figures has a summary")
	}
}

// Agents' noise of one interval merges: the worst steal and wake-up, the
// summed client run queue (each agent is a process of its own), the
// target's worst (all agents see the same target), a figure one agent
// lacks taken from the other.
func TestIntervalNoiseMerge(t *testing.T) {
	a := &IntervalNoise{StealPct: fptr(3), ClientRunQueueUs: fptr(10), TargetRunQueueUs: fptr(5), WakeMeanUs: fptr(40)}
	b := &IntervalNoise{StealPct: fptr(1), ClientRunQueueUs: fptr(30), TargetRunQueueUs: fptr(7), WakeMaxUs: fptr(900), WakeMeanUs: fptr(60)}
	a.merge(b)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{name: "steal", got: *a.StealPct, want: 3},
		{name: "client run queue", got: *a.ClientRunQueueUs, want: 40},
		{name: "target run queue", got: *a.TargetRunQueueUs, want: 7},
		{name: "worst wake-up", got: *a.WakeMaxUs, want: 900},
		{name: "mean wake-up", got: *a.WakeMeanUs, want: 50},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}
