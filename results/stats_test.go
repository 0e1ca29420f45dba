package results

import (
	"math"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/latbench/latbench/bench/engine"
)

// run is a value recorded count times.
type run struct{ valueNs, count int64 }

// histOf records runs into a new histogram.
func histOf(t *testing.T, runs ...run) *hdrhistogram.Histogram {
	t.Helper()
	h := engine.NewHistogram()
	for _, r := range runs {
		if err := h.RecordValues(r.valueNs, r.count); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// uniform returns the runs for each of 1..n recorded once.
func uniform(n int64) []run {
	runs := make([]run, n)
	for i := range runs {
		runs[i] = run{valueNs: int64(i) + 1, count: 1}
	}
	return runs
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		runs []run
		want Summary
	}{
		{
			name: "empty",
			want: Summary{},
		},
		{
			name: "uniform 1..1000 trims one sample at each end",
			runs: uniform(1000),
			want: Summary{
				Count: 1000, Min: 1, P50: 500, P90: 900, P99: 990, P999: 999, P9999: 1000, Max: 1000,
				Mean: 500.5, StdDev: math.Sqrt((1000*1000 - 1) / 12.0), TrimMean: 500.5,
			},
		},
		{
			name: "uniform 1..999 trims nothing",
			runs: uniform(999),
			want: Summary{
				Count: 999, Min: 1, P50: 500, P90: 899, P99: 989, P999: 998, P9999: 999, Max: 999,
				Mean: 500, StdDev: math.Sqrt((999*999 - 1) / 12.0), TrimMean: 500,
			},
		},
		{
			name: "constant",
			runs: []run{{valueNs: 1234, count: 5000}},
			want: Summary{
				Count: 5000, Min: 1234, P50: 1234, P90: 1234, P99: 1234, P999: 1234, P9999: 1234, Max: 1234,
				Mean: 1234, StdDev: 0, TrimMean: 1234,
			},
		},
		{
			name: "one huge outlier among 10,000",
			runs: []run{{valueNs: 1000, count: 9999}, {valueNs: 60_000_000_000, count: 1}},
			want: Summary{
				Count: 10000, Min: 1000, P50: 1000, P90: 1000, P99: 1000, P999: 1000, P9999: 1000,
				// 60 s falls in a bucket of width 2^25 ns starting at
				// 1788·2^25 = 59,995,324,416: Max is its highest value and
				// the moments use its median, 59,995,324,416 + 2^24.
				Max:      60_028_878_847,
				Mean:     (9999*1000 + 60_012_101_632) / 10000.0,
				StdDev:   (60_012_101_632 - 1000) * math.Sqrt(0.0001*0.9999),
				TrimMean: 1000,
			},
		},
		{
			name: "partial bucket at the low cut",
			// 10,000 samples: cut 10 at each end. The low cut takes all 5
			// ones and 5 twos, the high cut 10 twos; only twos remain.
			runs: []run{{valueNs: 1, count: 5}, {valueNs: 2, count: 9995}},
			want: Summary{
				Count: 10000, Min: 1, P50: 2, P90: 2, P99: 2, P999: 2, P9999: 2, Max: 2,
				Mean: 1.9995, StdDev: math.Sqrt(0.0005 * 0.9995), TrimMean: 2,
			},
		},
		{
			name: "partial bucket at both cuts",
			// Cut 10 of 15 ones and 10 of 9,985 twos: 5 ones and 9,975
			// twos remain.
			runs: []run{{valueNs: 1, count: 15}, {valueNs: 2, count: 9985}},
			want: Summary{
				Count: 10000, Min: 1, P50: 2, P90: 2, P99: 2, P999: 2, P9999: 2, Max: 2,
				Mean: 1.9985, StdDev: math.Sqrt(0.0015 * 0.9985), TrimMean: (5 + 2*9975) / 9980.0,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Summarize(histOf(t, tt.runs...))
			if !summariesClose(got, tt.want) {
				t.Errorf("Summarize() =\n%+v, want\n%+v", got, tt.want)
			}
		})
	}
}

// summariesClose compares summaries, the float fields to 1e-9 relative.
func summariesClose(a, b Summary) bool {
	floatsA := [3]float64{a.Mean, a.StdDev, a.TrimMean}
	floatsB := [3]float64{b.Mean, b.StdDev, b.TrimMean}
	for i := range floatsA {
		if math.Abs(floatsA[i]-floatsB[i]) > 1e-9*math.Max(1, math.Abs(floatsB[i])) {
			return false
		}
	}
	a.Mean, a.StdDev, a.TrimMean = 0, 0, 0
	b.Mean, b.StdDev, b.TrimMean = 0, 0, 0
	return a == b
}

func TestSummarizeNil(t *testing.T) {
	if got := Summarize(nil); got != (Summary{}) {
		t.Errorf("Summarize(nil) = %+v, want zero", got)
	}
}

func TestSummarizeMatchesHdrMoments(t *testing.T) {
	h := histOf(t, run{150_000, 4000}, run{460_000, 5990}, run{61_000_000, 10})
	got := Summarize(h)
	if math.Abs(got.Mean-h.Mean()) > 1e-6 {
		t.Errorf("Mean = %v, hdrhistogram says %v", got.Mean, h.Mean())
	}
	if math.Abs(got.StdDev-h.StdDev()) > 1e-6*h.StdDev() {
		t.Errorf("StdDev = %v, hdrhistogram says %v", got.StdDev, h.StdDev())
	}
	if got.TrimMean >= got.Mean {
		t.Errorf("TrimMean %v not below Mean %v despite a high tail", got.TrimMean, got.Mean)
	}
}
