package results

import (
	"math"
	"testing"
)

func TestEstimateMedian(t *testing.T) {
	tests := []struct {
		name           string
		vs             []float64
		med, low, high float64
		wantNaN        bool
	}{
		{name: "none", vs: nil, wantNaN: true},
		{name: "one round", vs: []float64{7}, med: 7, low: 7, high: 7},
		{name: "three rounds: the interval spans the rounds", vs: []float64{3, 1, 2}, med: 2, low: 1, high: 3},
		{name: "even count", vs: []float64{1, 2, 3, 4}, med: 2.5, low: 1, high: 4},
		{name: "identical rounds", vs: []float64{5, 5, 5, 5, 5}, med: 5, low: 5, high: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := EstimateMedian(tt.vs)
			if tt.wantNaN {
				if !math.IsNaN(e.Median) {
					t.Errorf("median %v, want NaN", e.Median)
				}
				return
			}
			if e.Median != tt.med || e.Low != tt.low || e.High != tt.high || e.N != len(tt.vs) {
				t.Errorf("got %+v, want median %v in [%v, %v]", e, tt.med, tt.low, tt.high)
			}
		})
	}
}

func TestEstimateIsDeterministicAndNarrowsWithRounds(t *testing.T) {
	few := []float64{10, 12, 11, 13, 9}
	var many []float64
	for range 8 {
		many = append(many, few...)
	}
	a, b := EstimateMedian(few), EstimateMedian(few)
	if a != b {
		t.Fatalf("same data, different intervals: %+v and %+v", a, b)
	}
	m := EstimateMedian(many)
	if m.High-m.Low >= a.High-a.Low {
		t.Errorf("interval of 40 rounds [%v, %v] not narrower than of 5 [%v, %v]", m.Low, m.High, a.Low, a.High)
	}
	if m.Low > 11 || m.High < 11 {
		t.Errorf("interval [%v, %v] misses the median 11", m.Low, m.High)
	}
}

func TestMannWhitney(t *testing.T) {
	tests := []struct {
		name     string
		a, b     []float64
		min, max float64
	}{
		// Exact: 3 vs 3 fully separated is the most extreme of 20 splits,
		// two-sided 2/20.
		{name: "3 vs 3 separated", a: []float64{1, 2, 3}, b: []float64{4, 5, 6}, min: 0.1, max: 0.1},
		{name: "5 vs 5 separated", a: []float64{1, 2, 3, 4, 5}, b: []float64{6, 7, 8, 9, 10}, min: 0.0079, max: 0.008},
		{name: "interleaved", a: []float64{1, 3, 5, 7}, b: []float64{2, 4, 6, 8}, min: 0.5, max: 1},
		{name: "identical", a: []float64{2, 2, 2}, b: []float64{2, 2, 2}, min: 1, max: 1},
		{name: "large samples, normal approximation", a: seq(0, 30), b: seq(10, 40), min: 0, max: 0.01},
		{name: "empty", a: nil, b: []float64{1}, min: 1, max: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p := MannWhitney(tt.a, tt.b); p < tt.min || p > tt.max {
				t.Errorf("p = %v, want in [%v, %v]", p, tt.min, tt.max)
			}
		})
	}
}

// seq returns the integers from lo to hi-1 as floats.
func seq(lo, hi int) []float64 {
	var s []float64
	for i := lo; i < hi; i++ {
		s = append(s, float64(i))
	}
	return s
}

func TestGroupRounds(t *testing.T) {
	mk := func(target string, round int, status string) Cell {
		return Cell{Target: target, Scenario: "echo", Round: round, Status: status,
			Load: LoadConfig{Loop: "open", TargetRPS: 1000, Connections: 10, Scenario: map[string]string{"size": "64"}}}
	}
	cells := []Cell{mk("go", 1, StatusOK), mk("rust", 1, StatusOK), mk("rust", 2, StatusFailed), mk("go", 2, StatusOK)}
	groups := GroupRounds(cells)
	if len(groups) != 2 {
		t.Fatalf("%d groups, want 2", len(groups))
	}
	if g := groups[0]; g.First.Target != "go" || len(g.Cells) != 2 || g.Failed != 0 {
		t.Errorf("first group %s: %d ok, %d failed; want go with 2 ok", g.First.Target, len(g.Cells), g.Failed)
	}
	if g := groups[1]; g.First.Target != "rust" || len(g.Cells) != 1 || g.Failed != 1 {
		t.Errorf("second group %s: %d ok, %d failed; want rust with 1 ok, 1 failed", g.First.Target, len(g.Cells), g.Failed)
	}
}
