package engine

import (
	"math"
	"testing"
	"time"
)

func TestUniformPacerDue(t *testing.T) {
	tests := []struct {
		name string
		rate float64
		i    uint64
		want time.Duration
	}{
		{name: "first request is due at once", rate: 1000, i: 0, want: 0},
		{name: "second request one gap later", rate: 1000, i: 1, want: time.Millisecond},
		{name: "fractional gaps", rate: 3, i: 2, want: 666666666},
		{name: "high rate", rate: 1e6, i: 2_000_000, want: 2 * time.Second},
		{name: "far into a long run", rate: 25000, i: 25000 * 3600, want: time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (uniformPacer{PerSecond: tt.rate}).Due(tt.i); got != tt.want {
				t.Errorf("Due(%d) = %v, want %v", tt.i, got, tt.want)
			}
		})
	}
}

func TestPoissonPacerMeanRateAndDeterminism(t *testing.T) {
	tests := []struct {
		name string
		rate float64
		seed uint64
	}{
		{name: "1k", rate: 1000, seed: 1},
		{name: "25k", rate: 25000, seed: 42},
		{name: "slow", rate: 10, seed: 7},
	}
	const n = 200_000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPoissonPacer(tt.rate, tt.seed)
			end := p.Due(n)
			mean := end.Seconds() / n
			want := 1 / tt.rate
			// The mean of n exponential gaps has relative std dev 1/sqrt(n)
			// (0.22%); 2% is about 9 sigma, so this never flakes.
			if math.Abs(mean-want)/want > 0.02 {
				t.Errorf("mean gap %g s, want %g s", mean, want)
			}
			again := newPoissonPacer(tt.rate, tt.seed)
			for _, i := range []uint64{n, 5, 1000, 0, 17} {
				if got, want := again.Due(i), p.Due(i); got != want {
					t.Errorf("Due(%d) = %v on a fresh pacer, %v on a used one", i, got, want)
				}
			}
		})
	}
}

func TestPoissonPacerGapsAreExponential(t *testing.T) {
	// For an exponential distribution the std dev equals the mean, and
	// P(gap > mean) = 1/e.
	p := newPoissonPacer(1000, 3)
	const n = 100_000
	var sum, sumSq float64
	var above int
	prev := p.Due(0)
	for i := uint64(1); i <= n; i++ {
		due := p.Due(i)
		gap := (due - prev).Seconds()
		if gap < 0 {
			t.Fatalf("due times go backwards at %d", i)
		}
		prev = due
		sum += gap
		sumSq += gap * gap
		if gap > 0.001 {
			above++
		}
	}
	mean := sum / n
	std := math.Sqrt(sumSq/n - mean*mean)
	if math.Abs(std/mean-1) > 0.05 {
		t.Errorf("std/mean = %.3f, want about 1", std/mean)
	}
	if frac := float64(above) / n; math.Abs(frac-1/math.E) > 0.01 {
		t.Errorf("P(gap > mean) = %.3f, want %.3f", frac, 1/math.E)
	}
}

// A clone walks the same schedule with a memo of its own, so two loops
// can each take their share.
func TestPoissonPacerClone(t *testing.T) {
	p := newPoissonPacer(500, 9)
	want := []time.Duration{p.Due(3), p.Due(10), p.Due(11)}
	c := p.Clone()
	for i, idx := range []uint64{3, 10, 11} {
		if got := c.Due(idx); got != want[i] {
			t.Errorf("clone Due(%d) = %v, want %v", idx, got, want[i])
		}
	}
	if p.Due(2) >= want[0] || c.Due(2) >= want[0] {
		t.Error("going back in the schedule broke the memo")
	}
}

func TestUnlimitedPacerIsClosedLoop(t *testing.T) {
	var p unlimitedPacer
	if p.Rate() != 0 || p.Clone().Rate() != 0 {
		t.Errorf("Rate = %g, want 0", p.Rate())
	}
}

func TestNewPacer(t *testing.T) {
	tests := []struct {
		name    string
		arrival string
		rate    float64
		want    string
		wantErr bool
	}{
		{name: "default is uniform", arrival: "", rate: 100, want: "uniform 100/s"},
		{name: "poisson", arrival: "poisson", rate: 100, want: "poisson 100/s"},
		{name: "zero is unlimited", arrival: "uniform", rate: 0, want: "unlimited"},
		{name: "negative", rate: -1, wantErr: true},
		{name: "NaN", rate: math.NaN(), wantErr: true},
		{name: "infinite", rate: math.Inf(1), wantErr: true},
		{name: "unknown arrival", arrival: "bursty", rate: 10, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPacer(tt.arrival, tt.rate, 1)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got pacer %v", p)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.String() != tt.want {
				t.Errorf("pacer %q, want %q", p.String(), tt.want)
			}
		})
	}
}

// BenchmarkPacerDue measures the cost of computing one due time, which
// a loop does once per request; it must not allocate.
func BenchmarkPacerDue(b *testing.B) {
	for _, arrival := range []string{"uniform", "poisson"} {
		b.Run(arrival, func(b *testing.B) {
			p, err := NewPacer(arrival, 10000, 1)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var sink time.Duration
			for i := range b.N {
				sink += p.Due(uint64(i))
			}
			_ = sink
		})
	}
}
