package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestThousands(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want string
	}{
		{name: "small", n: 10, want: "10"},
		{name: "three digits", n: 100, want: "100"},
		{name: "four digits", n: 1000, want: "1,000"},
		{name: "five digits", n: 10000, want: "10,000"},
		{name: "seven digits", n: 1234567, want: "1,234,567"},
		{name: "negative", n: -20000, want: "-20,000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := thousands(tt.n); got != tt.want {
				t.Errorf("thousands(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		name   string
		v      float64
		limit  float64
		atMost bool
		want   string
	}{
		{name: "below at most", v: 1.05, limit: 1.1, atMost: true, want: "met"},
		{name: "equal at most", v: 1.1, limit: 1.1, atMost: true, want: "met"},
		{name: "above at most", v: 1.2, limit: 1.1, atMost: true, want: "missed"},
		{name: "above at least", v: 1.2, limit: 1.0, atMost: false, want: "met"},
		{name: "below at least", v: 0.8, limit: 1.0, atMost: false, want: "missed"},
		{name: "not measured", v: math.NaN(), limit: 1.0, atMost: true, want: "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := verdict(tt.v, tt.limit, tt.atMost); got != tt.want {
				t.Errorf("verdict(%v, %v, %v) = %q, want %q", tt.v, tt.limit, tt.atMost, got, tt.want)
			}
		})
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		name     string
		num, den stat
		want     float64 // NaN: missing
	}{
		{name: "both", num: stat{med: 3}, den: stat{med: 2}, want: 1.5},
		{name: "no denominator", num: stat{med: 3}, want: math.NaN()},
		{name: "no numerator", den: stat{med: 2}, want: math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ratio(tt.num, tt.den)
			if math.IsNaN(tt.want) != math.IsNaN(got) || (!math.IsNaN(got) && got != tt.want) {
				t.Errorf("ratio = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFmtCount(t *testing.T) {
	tests := []struct {
		name string
		s    stat
		want string
	}{
		{name: "nothing measured", s: stat{}, want: "-"},
		{name: "zero is a value", s: stat{n: 3}, want: "0 [0–0]"},
		{name: "spread", s: stat{med: 12, lo: 10, hi: 15, n: 3}, want: "12 [10–15]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmtCount(tt.s); got != tt.want {
				t.Errorf("fmtCount(%+v) = %q, want %q", tt.s, got, tt.want)
			}
		})
	}
}

// fakeSample is a sample of tool on workload with every metric set.
func fakeSample(tool, workload string) sample {
	p := map[float64]time.Duration{50: 50 * time.Microsecond, 90: 90 * time.Microsecond, 99: 99 * time.Microsecond, 99.9: time.Millisecond}
	return sample{job: job{Tool: tool, Workload: workload, Wall: time.Second},
		peerResult: peerResult{Requests: 1000, Percentiles: p, Service: map[float64]time.Duration{50: 40 * time.Microsecond, 99: 80 * time.Microsecond}},
		CPU:        10 * time.Millisecond, MaxRSS: 30e6}
}

// TestRenderFillsEveryGoal renders a report with every experiment measured
// and checks that every goal has a verdict.
func TestRenderFillsEveryGoal(t *testing.T) {
	r := &report{cfg: config{rounds: 1, duration: 10 * time.Second, before: "91f1895"}}
	for _, w := range openWorkloads {
		for _, rate := range openRates {
			for _, tool := range openTools() {
				r.reference = append(r.reference, fakeSample(tool, openLoad(w, rate)))
			}
		}
	}
	for _, c := range closedConns {
		r.throughput = append(r.throughput, fakeSample("wrk", closedLoad(c)), fakeSample("latbench", closedLoad(c)))
	}
	for _, c := range beforeConns {
		r.before = append(r.before, fakeSample(toolBefore, beforeLoad(c)), fakeSample(toolAfter, beforeLoad(c)))
	}
	for _, m := range memoryRuns(r.cfg.duration) {
		r.memory = append(r.memory, fakeSample("latbench", m.name))
	}
	out := r.render()
	want := len(openWorkloads)*len(openRates)*len(latbenchOpenConns)*2 + len(closedConns)*2 + 2
	if got := strings.Count(out, "| met |") + strings.Count(out, "| missed |"); got != want {
		t.Errorf("%d verdicts, want %d:\n%s", got, want, out)
	}
	if strings.Contains(out, "Not measured") {
		t.Errorf("a section says it was not measured:\n%s", out)
	}
}
