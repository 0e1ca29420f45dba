package study

import (
	"math"
	"testing"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/study/studytest"
)

// mustCompare compares the studytest run or fails the test.
func mustCompare(t *testing.T) *Comparison {
	t.Helper()
	c, err := Compare(studytest.Run(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHidden(t *testing.T) {
	c := mustCompare(t)
	m, _ := c.Shape(LoadModerate)
	for _, r := range m.Systems {
		if !r.Measured() {
			if !math.IsNaN(r.Hidden(P99)) {
				t.Errorf("%s: hidden %v without a measurement", r.System.Name, r.Hidden(P99))
			}
			continue
		}
		// The fixture's service times lose a fifth of the p99 and two
		// fifths of the p99.9 to queueing.
		for _, p := range []Percentile{P99, P999} {
			if h := r.Hidden(p); !(h > 0) || !near(h, r.Latency.At(p)-r.Service.At(p)) {
				t.Errorf("%s: hidden at %v = %v", r.System.Name, p, h)
			}
		}
	}
}

func TestIntervals(t *testing.T) {
	c := mustCompare(t)
	tests := []struct {
		name       string
		index      int
		system     string
		step       int
		rate       float64
		wantN      int
		wantFailed int
	}{
		{name: "baseline step 1", index: 0, system: "Baseline (nginx)", step: 1, rate: 4000, wantN: 3},
		{name: "baseline step 2", index: 1, system: "Baseline (nginx)", step: 2, rate: 6000, wantN: 3},
		{name: "draft-http-tunnel not measured", index: 4, system: "C++ (draft-http-tunnel)"},
		{name: "pproxy step 2 lost a round", index: 12, system: "Python (pproxy)", step: 2, rate: 6000, wantN: 2, wantFailed: 1},
	}
	if len(c.Intervals) != 13 {
		t.Fatalf("%d interval rows, want 6 systems × 2 steps + 1", len(c.Intervals))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.Intervals[tt.index]
			if r.System.Name != tt.system || r.Step != tt.step || r.RateRPS != tt.rate || r.P50.N != tt.wantN || r.P99.N != tt.wantN || r.Failed != tt.wantFailed {
				t.Errorf("row %+v", r)
			}
			if tt.wantN > 0 && !(r.P50.Low <= r.P50.Median && r.P50.Median <= r.P50.High) {
				t.Errorf("p50 estimate %+v", r.P50)
			}
		})
	}
	if r := c.Intervals[0]; !near(r.PublishedP50, 190*µs) || !near(r.PublishedP99, 459*µs) {
		t.Errorf("published %v, %v", r.PublishedP50, r.PublishedP99)
	}
}

func TestIntervalsWithoutRounds(t *testing.T) {
	run := studytest.Run(t)
	for i := range run.Cells {
		run.Cells[i].Round = 0
	}
	c, err := Compare(run)
	if err != nil {
		t.Fatal(err)
	}
	if c.Rounds != 0 || c.Intervals != nil {
		t.Errorf("rounds %d, %d interval rows; want none", c.Rounds, len(c.Intervals))
	}
}

func TestInside(t *testing.T) {
	est := results.Estimate{Median: 200, Low: 190, High: 210, N: 3}
	tests := []struct {
		name string
		row  IntervalRow
		p    Percentile
		want bool
	}{
		{name: "p50 inside", row: IntervalRow{P50: est, PublishedP50: 195}, p: P50, want: true},
		{name: "p50 on the edge", row: IntervalRow{P50: est, PublishedP50: 210}, p: P50, want: true},
		{name: "p50 outside", row: IntervalRow{P50: est, PublishedP50: 220}, p: P50},
		{name: "p99 reads the p99", row: IntervalRow{P50: est, P99: results.Estimate{Low: 400, High: 500, N: 3}, PublishedP50: 195, PublishedP99: 600}, p: P99},
		{name: "no rounds", row: IntervalRow{P50: results.EstimateMedian(nil), PublishedP50: 195}, p: P50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.row.Inside(tt.p); got != tt.want {
				t.Errorf("Inside(%v) = %t, want %t", tt.p, got, tt.want)
			}
		})
	}
}

func TestBandShare(t *testing.T) {
	tests := []struct {
		name   string
		points []studytest.Point
		want   float64
	}{
		{name: "none in the band", points: []studytest.Point{{Us: 200, Count: 100}}, want: 0},
		{name: "a fifth at 41 ms", points: []studytest.Point{{Us: 200, Count: 80}, {Us: 41000, Count: 20}}, want: 0.2},
		{name: "either side of the band", points: []studytest.Point{{Us: 30000, Count: 50}, {Us: 59000, Count: 25}, {Us: 70000, Count: 25}}, want: 0.25},
		{name: "empty", want: math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := bandShare(studytest.Histogram(t, tt.points...), results.NagleLowNs, results.NagleHighNs)
			if !same(got, tt.want) {
				t.Errorf("bandShare = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNagleRows(t *testing.T) {
	c := mustCompare(t)
	if len(c.Nagle) != 1 {
		t.Fatalf("%d Nagle rows, want 1: %+v", len(c.Nagle), c.Nagle)
	}
	r := c.Nagle[0]
	if r.System != "Java (NetCrusher)" || r.Load != LoadNoKeepAlive || !near(r.BandShare, 177.0/1177) {
		t.Errorf("row %+v", r)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Data)
	}{
		{name: "unknown unit", edit: func(d *Data) { d.Tables[0].LatencyUnit = "s" }},
		{name: "rows out of order", edit: func(d *Data) { d.Tables[1].Rows[1], d.Tables[1].Rows[2] = d.Tables[1].Rows[2], d.Tables[1].Rows[1] }},
		{name: "missing row", edit: func(d *Data) { d.Tables[2].Rows = d.Tables[2].Rows[1:] }},
		{name: "baseline not first", edit: func(d *Data) { d.Systems[0].Baseline = false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustPublished(t)
			tt.edit(d)
			if err := d.validate(); err == nil {
				t.Error("validate accepted broken data")
			}
		})
	}
}
