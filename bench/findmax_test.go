package bench

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
)

// fakeTarget answers search steps like a server with a capacity: up to
// capacityRPS it keeps up with latency fastNs, above it falls behind.
type fakeTarget struct {
	t           *testing.T
	capacityRPS float64
	fastNs      int64
	errorsEvery int64 // one error per errorsEvery requests; 0 = none
	steps       []float64
}

func (f *fakeTarget) run(spec CellSpec) results.Cell {
	f.steps = append(f.steps, spec.Load.Rate)
	achieved, latNs := spec.Load.Rate, f.fastNs
	if spec.Load.Rate > f.capacityRPS {
		achieved, latNs = f.capacityRPS, 50*f.fastNs
	}
	h := engine.NewHistogram()
	if err := h.RecordValues(latNs, 1000); err != nil {
		f.t.Fatal(err)
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		f.t.Fatal(err)
	}
	c := results.Cell{ID: spec.ID, Status: results.StatusOK, Histograms: results.Histograms{Latency: enc}}
	c.Stats.Requests, c.Stats.AchievedRPS = 1000, achieved
	if f.errorsEvery > 0 {
		c.Stats.ErrorsTotal = 1000 / f.errorsEvery
	}
	return c
}

func TestSearch(t *testing.T) {
	slo := SLO{Percentile: 99, Bound: 2 * time.Millisecond}
	tests := []struct {
		name      string
		target    fakeTarget
		spec      SearchSpec
		wantSteps []float64
		wantKnee  float64
		stopped   string
	}{
		{
			name:      "grow exponentially, then bisect to within 5%",
			target:    fakeTarget{capacityRPS: 7300, fastNs: 100_000},
			spec:      SearchSpec{StartRPS: 1000, SLO: slo},
			wantSteps: []float64{1000, 2000, 4000, 8000, 6000, 7000, 7500, 7250},
			wantKnee:  7250, stopped: "converged",
		},
		{
			name:      "first rate too high: bisect down",
			target:    fakeTarget{capacityRPS: 300, fastNs: 100_000},
			spec:      SearchSpec{StartRPS: 1000, SLO: slo},
			wantSteps: []float64{1000, 500, 250, 375, 312.5, 281.25, 296.875},
			wantKnee:  296.875, stopped: "converged",
		},
		{
			name:      "SLO missed although the rate is reached",
			target:    fakeTarget{capacityRPS: 1e9, fastNs: 3_000_000},
			spec:      SearchSpec{StartRPS: 1000, SLO: slo, MaxSteps: 2},
			wantSteps: []float64{1000, 500},
			wantKnee:  0, stopped: "step budget of 2",
		},
		{
			name:      "error budget",
			target:    fakeTarget{capacityRPS: 1e9, fastNs: 100_000, errorsEvery: 10},
			spec:      SearchSpec{StartRPS: 100, SLO: slo, MaxErrorRate: 0.01, MaxSteps: 1},
			wantSteps: []float64{100},
			wantKnee:  0, stopped: "step budget",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.target
			f.t = t
			tt.spec.Cell = CellSpec{Target: "go"}
			s := Search(context.Background(), tt.spec, f.run)
			if !slices.Equal(f.steps, tt.wantSteps) {
				t.Errorf("steps %v, want %v", f.steps, tt.wantSteps)
			}
			if s.KneeRPS != tt.wantKnee || !strings.Contains(s.Stopped, tt.stopped) {
				t.Errorf("knee %v (%s), want %v (%s)", s.KneeRPS, s.Stopped, tt.wantKnee, tt.stopped)
			}
			for _, st := range s.Steps {
				if st.Pass != (st.Reason == "") {
					t.Errorf("step %+v: pass and reason disagree", st)
				}
			}
		})
	}
}

func TestParseSLO(t *testing.T) {
	tests := []struct {
		in      string
		want    SLO
		wantErr bool
	}{
		{in: "p99=2ms", want: SLO{99, 2 * time.Millisecond}},
		{in: "p99.9=500us", want: SLO{99.9, 500 * time.Microsecond}},
		{in: "p50=100µs", want: SLO{50, 100 * time.Microsecond}},
		{in: "99=2ms", wantErr: true},
		{in: "p101=2ms", wantErr: true},
		{in: "p99=fast", wantErr: true},
		{in: "p99=-1ms", wantErr: true},
		{in: "p99", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSLO(tt.in)
			if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
				t.Errorf("ParseSLO(%q) = %v, %v", tt.in, got, err)
			}
		})
	}
}
