package plot

import (
	"math"
	"slices"
	"testing"

	"github.com/latbench/latbench/results"
)

func TestPercentileTicks(t *testing.T) {
	var got []string
	for _, tk := range percentileTicks().Ticks(1, 1e5) {
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	want := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"}
	if !slices.Equal(got, want) {
		t.Errorf("labels %q, want %q", got, want)
	}
}

func TestLogTicks(t *testing.T) {
	tests := []struct {
		name   string
		lo, hi float64
		want   []string
	}{
		{name: "within a decade", lo: 100, hi: 1000, want: []string{"100", "200", "500", "1,000"}},
		{name: "two decades", lo: 10, hi: 1000, want: []string{"10", "20", "50", "100", "200", "500", "1,000"}},
		{name: "many decades", lo: 0.1, hi: 1e6, want: []string{"0.1", "1", "10", "100", "1,000", "10,000", "100,000", "1,000,000"}},
		{name: "zero low end", lo: 0, hi: 10, want: nil},
		{name: "empty range", lo: 5, hi: 5, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tk := range logTicks().Ticks(tt.lo, tt.hi) {
				if tk.Label != "" {
					got = append(got, tk.Label)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("labels %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLinearTicks(t *testing.T) {
	tests := []struct {
		name   string
		lo, hi float64
		want   []string
	}{
		{name: "seconds", lo: 0, hi: 10, want: []string{"0", "2", "4", "6", "8", "10"}},
		{name: "rates", lo: 9500, hi: 20500, want: []string{"10,000", "12,000", "14,000", "16,000", "18,000", "20,000"}},
		{name: "percent", lo: 0, hi: 259, want: []string{"0", "50", "100", "150", "200", "250"}},
		{name: "empty range", lo: 3, hi: 3, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tk := range linearTicks().Ticks(tt.lo, tt.hi) {
				if tk.Label != "" {
					got = append(got, tk.Label)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("labels %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNiceLogRange(t *testing.T) {
	tests := []struct {
		name           string
		lo, hi         float64
		wantLo, wantHi float64
	}{
		{name: "widens to nice values", lo: 150, hi: 4900, wantLo: 100, wantHi: 5000},
		{name: "already nice", lo: 200, hi: 500, wantLo: 200, wantHi: 500},
		{name: "zero low end is clamped", lo: 0, hi: 3, wantLo: minMicros, wantHi: 5},
		{name: "negative values are clamped", lo: -5, hi: -1, wantLo: minMicros, wantHi: 0.002},
		{name: "single value", lo: 300, hi: 300, wantLo: 200, wantHi: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := niceLogRange(tt.lo, tt.hi)
			if math.Abs(lo-tt.wantLo) > 1e-12 || math.Abs(hi-tt.wantHi) > 1e-12 {
				t.Errorf("niceLogRange(%g, %g) = %g, %g, want %g, %g", tt.lo, tt.hi, lo, hi, tt.wantLo, tt.wantHi)
			}
		})
	}
}

func TestLogScaleNeverPanics(t *testing.T) {
	for _, v := range [][3]float64{{0, 10, 5}, {1, 10, 0}, {1, 10, -3}, {-1, -1, -1}, {1, 1, 1}, {1, 10, math.NaN()}} {
		_ = logScale{}.Normalize(v[0], v[1], v[2])
	}
	if got := (logScale{}).Normalize(1, 100, 10); math.Abs(got-0.5) > 1e-12 {
		t.Errorf("Normalize(1, 100, 10) = %g, want 0.5", got)
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "small", got: fmtNumber(0.5), want: "0.5"},
		{name: "zero", got: fmtNumber(math.Copysign(0, -1)), want: "0"},
		{name: "three digits", got: fmtMicros(245.678), want: "246"},
		{name: "thousands", got: fmtMicros(1512.3), want: "1,510"},
		{name: "rate", got: fmtRate(54798.4), want: "54,798"},
		{name: "negative", got: results.GroupThousands("-1234567"), want: "-1,234,567"},
		{name: "percentile label", got: percentileLabel(5), want: "99.999%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
