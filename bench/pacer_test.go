package bench

import (
	"math"
	"testing"
	"time"
)

func TestUniformPacerPace(t *testing.T) {
	tests := []struct {
		name     string
		rate     float64
		elapsed  time.Duration
		hits     uint64
		wantWait time.Duration
	}{
		{name: "first request is due at once", rate: 1000, elapsed: 0, hits: 0, wantWait: 0},
		{name: "second request waits one gap", rate: 1000, elapsed: 0, hits: 1, wantWait: time.Millisecond},
		{name: "partway through the gap", rate: 1000, elapsed: 400 * time.Microsecond, hits: 1, wantWait: 600 * time.Microsecond},
		{name: "late requests are due now", rate: 1000, elapsed: 50 * time.Millisecond, hits: 10, wantWait: 0},
		{name: "fractional gaps", rate: 3, elapsed: 0, hits: 2, wantWait: 666666666},
		{name: "high rate", rate: 1e6, elapsed: time.Second, hits: 2_000_000, wantWait: time.Second},
		{name: "far into a long run", rate: 25000, elapsed: 0, hits: 25000 * 3600, wantWait: time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := UniformPacer{PerSecond: tt.rate}
			wait, stop := p.Pace(tt.elapsed, tt.hits)
			if stop {
				t.Fatalf("uniform pacer stopped")
			}
			if wait != tt.wantWait {
				t.Errorf("Pace(%v, %d) wait = %v, want %v", tt.elapsed, tt.hits, wait, tt.wantWait)
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
			p := NewPoissonPacer(tt.rate, tt.seed)
			end := p.Due(n)
			mean := end.Seconds() / n
			want := 1 / tt.rate
			// The mean of n exponential gaps has relative std dev 1/sqrt(n)
			// (0.22%); 2% is about 9 sigma, so this never flakes.
			if math.Abs(mean-want)/want > 0.02 {
				t.Errorf("mean gap %g s, want %g s", mean, want)
			}
			again := NewPoissonPacer(tt.rate, tt.seed)
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
	p := NewPoissonPacer(1000, 3)
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

func TestPoissonPacerPaceMatchesDue(t *testing.T) {
	p := NewPoissonPacer(500, 9)
	due := p.Due(10)
	tests := []struct {
		name    string
		elapsed time.Duration
		want    time.Duration
	}{
		{name: "before", elapsed: 0, want: due},
		{name: "just before", elapsed: due - time.Microsecond, want: time.Microsecond},
		{name: "after", elapsed: due + time.Second, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := p.Pace(tt.elapsed, 10); got != tt.want {
				t.Errorf("Pace = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUnlimitedPacerNeverWaits(t *testing.T) {
	var p UnlimitedPacer
	for _, hits := range []uint64{0, 1, 1 << 40} {
		if wait, stop := p.Pace(0, hits); wait != 0 || stop {
			t.Errorf("Pace(0, %d) = %v, %v; want 0, false", hits, wait, stop)
		}
	}
	if p.Rate() != 0 {
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

func TestParseTimer(t *testing.T) {
	for _, name := range []string{"hybrid", "spin", "sleep"} {
		tm, err := ParseTimer(name)
		if err != nil || tm.String() != name {
			t.Errorf("ParseTimer(%q) = %v, %v", name, tm, err)
		}
	}
	if _, err := ParseTimer("nap"); err == nil {
		t.Error("ParseTimer(nap) gave no error")
	}
}

// BenchmarkPacerDue measures the cost of computing one due time, which
// the dispatcher does once per request; it must not allocate.
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
