package plot

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/plot/plottest"
)

func TestDependencyChartsSkipWhatIsMissing(t *testing.T) {
	tests := []struct {
		name string
		// edit changes the slow-dependency fixture.
		edit func(run *results.Run)
		// want are the dependency charts expected.
		want []string
		// inCaptions must appear in the dependency charts' captions.
		inCaptions []string
	}{
		{name: "fixture", edit: func(*results.Run) {}, want: []string{"dependency-p99-http-moderate", "dependency-availability-http-moderate"}},
		{
			name: "no delay steps",
			edit: func(run *results.Run) {
				for i := range run.Cells {
					run.Cells[i].Load.HasDependencyDelay, run.Cells[i].Load.DependencyDelay = false, 0
				}
			},
		},
		{
			name: "every cell failed",
			edit: func(run *results.Run) {
				for i := range run.Cells {
					run.Cells[i].Status = results.StatusFailed
				}
			},
		},
		{
			name: "no request classes",
			edit: func(run *results.Run) {
				for i := range run.Cells {
					run.Cells[i].Classes = nil
				}
			},
			want:       []string{"dependency-availability-http-moderate"},
			inCaptions: []string{"The dashed line marks 99.9%"},
		},
		{
			name: "a failed cell",
			edit: func(run *results.Run) {
				for i := range run.Cells {
					if c := &run.Cells[i]; c.Target == "rust-blocking" && c.Load.DependencyDelay == 50*time.Millisecond {
						c.Status = results.StatusFailed
					}
				}
			},
			want:       []string{"dependency-p99-http-moderate", "dependency-availability-http-moderate"},
			inCaptions: []string{"Left out: rust-blocking at 50 ms (its cell failed)."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := plottest.SlowDependencyRun(t)
			tt.edit(run)
			var names []string
			var captions strings.Builder
			for _, s := range chartSpecs(run) {
				if s.kind == KindDependencyP99 || s.kind == KindDependencyAvailability {
					names = append(names, s.name)
					captions.WriteString(s.caption + "\n")
					if s.finding == "" || s.group != "http, load moderate" {
						t.Errorf("%s: finding %q, group %q", s.name, s.finding, s.group)
					}
				}
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("dependency charts %q, want %q", names, tt.want)
			}
			for _, s := range tt.inCaptions {
				if !strings.Contains(captions.String(), s) {
					t.Errorf("captions lack %q:\n%s", s, captions.String())
				}
			}
		})
	}
}

func TestOtherChartsShowTheSmallestDelay(t *testing.T) {
	run := plottest.SlowDependencyRun(t)
	for _, s := range chartSpecs(run) {
		if s.kind != KindSpectrum && s.kind != KindBars || !strings.Contains(s.name, "http-moderate") && s.name != "spectrum-http" {
			continue
		}
		if strings.Contains(s.caption, "dep10ms") || strings.Contains(s.caption, "dep200ms") || !strings.Contains(s.caption, "shown at the smallest, 0 ms") {
			t.Errorf("%s does not show the delay steps at 0 ms only:\n%s", s.name, s.caption)
		}
	}
}

func TestAvailabilityFloor(t *testing.T) {
	tests := []struct {
		name   string
		lowest float64
		want   float64
	}{
		{name: "all available", lowest: 100, want: 99},
		{name: "just under the threshold", lowest: 99.85, want: 99},
		{name: "a few percent", lowest: 97.5, want: 95},
		{name: "half", lowest: 50, want: 0},
		{name: "none", lowest: 0, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := availabilityFloor(tt.lowest); got != tt.want {
				t.Errorf("availabilityFloor(%v) = %v, want %v", tt.lowest, got, tt.want)
			}
		})
	}
}

func TestDelayAxis(t *testing.T) {
	tests := []struct {
		name   string
		delays []float64
		want   []string
	}{
		{name: "study steps", delays: []float64{0, 10, 50, 200}, want: []string{"0", "10", "50", "200"}},
		{name: "crowded steps", delays: []float64{0, 1, 2, 5, 100, 1000}, want: []string{"0", "100", "1,000"}},
		{name: "no 0 ms step", delays: []float64{10, 20}, want: []string{"0", "10", "20"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPanel("", "x", "y")
			setDelayAxis(p, tt.delays)
			var got []string
			for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
				if tk.Label != "" {
					got = append(got, tk.Label)
				}
			}
			if p.X.Min != 0 || p.X.Max != tt.delays[len(tt.delays)-1] {
				t.Errorf("axis %v..%v", p.X.Min, p.X.Max)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("labels %q, want %q", got, tt.want)
			}
		})
	}
}
