package study

import (
	"math"
	"slices"
	"testing"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/study/studytest"
)

// µs is one microsecond in ns.
const µs = 1000

// a and b are two cells' distributions. Merged, their 2,000 values are
// 100 µs ×600, 130 ×300, 200 ×690, 260 ×300, 300 ×9, 400 ×91, 600 ×9 and
// 800 ×1: p50 200, p90 260, p99 400, p99.9 600.
var (
	distA = studytest.Dist{P50Us: 100, P99Us: 200, P999Us: 300, MaxUs: 400}
	distB = distA.Scaled(2)
)

func TestMeasure(t *testing.T) {
	tests := []struct {
		name        string
		cells       []studytest.Cell
		system      string
		load        string
		wantUs      Figures
		wantCells   int
		wantFailed  int
		wantTargets []string
	}{
		{
			name: "merges steps and rounds",
			cells: []studytest.Cell{
				{Target: "haproxy", Load: LoadModerate, Step: 1, Round: 1, RateRPS: 4000, Latency: distA},
				{Target: "haproxy", Load: LoadModerate, Step: 2, Round: 2, RateRPS: 6000, Latency: distB},
			},
			system: "C (HAProxy)", load: LoadModerate, wantUs: Figures{200, 260, 400, 600}, wantCells: 2, wantTargets: []string{"haproxy"},
		},
		{
			name: "failed cells are counted, not merged",
			cells: []studytest.Cell{
				{Target: "haproxy", Load: LoadModerate, Step: 1, RateRPS: 4000, Latency: distA},
				{Target: "haproxy", Load: LoadModerate, Step: 2, RateRPS: 6000, Latency: distB, Failure: "target exited"},
			},
			system: "C (HAProxy)", load: LoadModerate, wantUs: Figures{100, 130, 200, 300}, wantCells: 1, wantFailed: 1, wantTargets: []string{"haproxy"},
		},
		{
			name: "other loads, targets and the baseline are left out",
			cells: []studytest.Cell{
				{Target: "haproxy", Load: LoadModerate, Step: 1, RateRPS: 4000, Latency: distA},
				{Target: "haproxy", Load: LoadMax, Latency: distB},
				{Target: "pproxy", Load: LoadModerate, Step: 1, RateRPS: 4000, Latency: distB},
				{Target: "nginx", Baseline: true, Load: LoadModerate, Step: 1, RateRPS: 4000, Latency: distB},
				{Target: "haproxy", Load: LoadModerate, Connect: true, Step: 1, RateRPS: 4000, Latency: distB},
			},
			system: "C (HAProxy)", load: LoadModerate, wantUs: Figures{100, 130, 200, 300}, wantCells: 1, wantTargets: []string{"haproxy"},
		},
		{
			name:   "a system without cells is not measured",
			cells:  []studytest.Cell{{Target: "haproxy", Load: LoadModerate, Step: 1, RateRPS: 4000, Latency: distA}},
			system: "C++ (draft-http-tunnel)", load: LoadModerate, wantUs: nanFigures(),
		},
		{
			name: "the baseline is every baseline cell, whatever its backend",
			cells: []studytest.Cell{
				{Target: "go", Baseline: true, Load: LoadNoKeepAlive, Connect: true, Step: 1, RateRPS: 200, Latency: distA},
				{Target: "go", Baseline: true, Load: LoadNoKeepAlive, Connect: true, Step: 2, RateRPS: 1400, Latency: distB},
			},
			system: "Baseline (nginx)", load: LoadNoKeepAlive, wantUs: Figures{200, 260, 400, 600}, wantCells: 2, wantTargets: []string{"go"},
		},
	}
	d := mustPublished(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, _ := d.Table(tt.load)
			got, err := measure(buildCells(t, tt.cells), systemNamed(t, d, tt.system), table)
			if err != nil {
				t.Fatal(err)
			}
			checkFigures(t, "latency", got.Latency, scaleFigures(tt.wantUs, µs))
			if got.Cells != tt.wantCells || got.Failed != tt.wantFailed || !slices.Equal(got.Targets, tt.wantTargets) {
				t.Errorf("cells %d, failed %d, targets %v; want %d, %d, %v", got.Cells, got.Failed, got.Targets, tt.wantCells, tt.wantFailed, tt.wantTargets)
			}
			if got.Measured() != (tt.wantCells > 0) {
				t.Errorf("Measured() = %t", got.Measured())
			}
		})
	}
}

func TestAddOverheads(t *testing.T) {
	sys := func(baseline bool) System { return System{Name: "s", Baseline: baseline} }
	result := func(baseline bool, latUs, pubUs, rps, pubRPS float64) SystemResult {
		return SystemResult{
			System:  sys(baseline),
			Latency: Figures{latUs * µs, latUs * µs, latUs * µs, latUs * µs}, Published: Figures{pubUs * µs, pubUs * µs, pubUs * µs, pubUs * µs},
			RPS: rps, PublishedRPS: pubRPS,
		}
	}
	tests := []struct {
		name              string
		systems           []SystemResult
		wantOverheadUs    float64
		wantPubOverheadUs float64
		wantShare         float64
		wantPubShare      float64
	}{
		{
			name:           "baseline measured",
			systems:        []SystemResult{result(true, 200, 190, 24000, 60400), result(false, 255, 245, 18000, 46000)},
			wantOverheadUs: 55, wantPubOverheadUs: 55, wantShare: 0.75, wantPubShare: 46000.0 / 60400,
		},
		{
			name:           "baseline not measured",
			systems:        []SystemResult{result(true, math.NaN(), 190, math.NaN(), 60400), result(false, 255, 245, 18000, 46000)},
			wantOverheadUs: math.NaN(), wantPubOverheadUs: 55, wantShare: math.NaN(), wantPubShare: 46000.0 / 60400,
		},
		{
			name:           "proxy not measured",
			systems:        []SystemResult{result(true, 200, 190, 24000, 60400), result(false, math.NaN(), 245, math.NaN(), 46000)},
			wantOverheadUs: math.NaN(), wantPubOverheadUs: 55, wantShare: math.NaN(), wantPubShare: 46000.0 / 60400,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addOverheads(tt.systems)
			got := tt.systems[1]
			checkFigures(t, "overhead", got.Overhead, scaleFigures(Figures{tt.wantOverheadUs, tt.wantOverheadUs, tt.wantOverheadUs, tt.wantOverheadUs}, µs))
			checkFigures(t, "published overhead", got.PublishedOverhead, scaleFigures(Figures{tt.wantPubOverheadUs, tt.wantPubOverheadUs, tt.wantPubOverheadUs, tt.wantPubOverheadUs}, µs))
			if !same(got.Share, tt.wantShare) || !same(got.PublishedShare, tt.wantPubShare) {
				t.Errorf("share %v, published %v; want %v, %v", got.Share, got.PublishedShare, tt.wantShare, tt.wantPubShare)
			}
			if base := tt.systems[0]; !same(base.Overhead.P50, 0*base.Latency.P50) {
				t.Errorf("baseline overhead %v", base.Overhead.P50)
			}
		})
	}
}

// TestCompareFixture checks the comparison of the studytest run: the
// merge against one histogram of every value, overheads and shares.
func TestCompareFixture(t *testing.T) {
	c, err := Compare(studytest.Run(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Machine != studytest.Machine || c.Rounds != studytest.Rounds || len(c.Shapes) != 3 {
		t.Fatalf("machine %q, %d rounds, %d shapes", c.Machine, c.Rounds, len(c.Shapes))
	}
	for _, s := range c.Shapes {
		for _, r := range s.Systems {
			want := expectedLatency(t, s.Table.Latbench.Load, r.System)
			checkFigures(t, s.Table.Shape+" "+r.System.Name, r.Latency, want)
		}
	}
	m, _ := c.Shape(LoadModerate)
	rust := m.Systems[3]
	if rust.System.Target != "http-tunnel" || !near(rust.PublishedOverhead.P99, 135*µs) || !near(rust.Overhead.P99, rust.Latency.P99-m.Systems[0].Latency.P99) {
		t.Errorf("Rust moderate: %+v", rust)
	}
	x, _ := c.Shape(LoadMax)
	if base := x.Systems[0]; !near(base.RPS, 24000) || !near(base.Share, 1) || !near(base.PublishedRPS, 60400) {
		t.Errorf("max baseline: rps %v share %v published %v", base.RPS, base.Share, base.PublishedRPS)
	}
	if py := x.Systems[6]; py.Cells != 2 || py.Failed != 1 || !near(py.RPS, 7400*1.01) || !near(py.CPUPct, 99+1.5) || !near(py.PeakRSS, 37<<20) {
		t.Errorf("max pproxy: %+v", py)
	}
	if draft := x.Systems[2]; draft.Measured() || !math.IsNaN(draft.RPS) || !math.IsNaN(draft.CPUPct) || !near(draft.PublishedCPUPct, 96) {
		t.Errorf("draft-http-tunnel was not installed, yet: %+v", draft)
	}
}

// expectedLatency records every value of the fixture's successful cells
// of the system at the load into one histogram and reads its figures.
func expectedLatency(t *testing.T, load string, sys System) Figures {
	t.Helper()
	var points []studytest.Point
	for _, s := range studytest.Cells() {
		match := s.Load == load && s.Failure == "" && s.Baseline == sys.Baseline && (sys.Baseline || s.Target == sys.Target)
		if match {
			points = append(points, append(s.Latency.Points(), s.Extra...)...)
		}
	}
	if len(points) == 0 {
		return nanFigures()
	}
	h := studytest.Histogram(t, points...)
	return figuresOf(func(p Percentile) float64 { return float64(h.ValueAtPercentile(float64(p))) })
}

func TestApplies(t *testing.T) {
	tests := []struct {
		name string
		run  *results.Run
		want bool
	}{
		{name: "nil run", run: nil},
		{name: "no options", run: &results.Run{}},
		{name: "another study", run: &results.Run{Config: results.RunConfig{Options: map[string]string{"published": "other"}}}},
		{name: "the study", run: &results.Run{Config: results.RunConfig{Options: map[string]string{"published": "study"}}}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Applies(tt.run); got != tt.want {
				t.Errorf("Applies = %t, want %t", got, tt.want)
			}
		})
	}
}

func TestCompareRejectsCorruptHistogram(t *testing.T) {
	run := studytest.Run(t)
	run.Cells[0].Histograms.Latency = "not a histogram"
	if _, err := Compare(run); err == nil {
		t.Error("Compare accepted a corrupt histogram")
	}
}

// buildCells builds fixture cells.
func buildCells(t *testing.T, specs []studytest.Cell) []results.Cell {
	t.Helper()
	out := make([]results.Cell, len(specs))
	for i, s := range specs {
		out[i] = s.Build(t)
	}
	return out
}

// systemNamed returns the study's system of that name.
func systemNamed(t *testing.T, d *Data, name string) System {
	t.Helper()
	for _, s := range d.Systems {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no system %q", name)
	return System{}
}

// checkFigures compares figures within HdrHistogram's precision (0.1%).
func checkFigures(t *testing.T, what string, got, want Figures) {
	t.Helper()
	for _, p := range Compared() {
		g, w := got.At(p), want.At(p)
		if math.IsNaN(g) != math.IsNaN(w) || math.Abs(g-w) > 1e-3*math.Abs(w) {
			t.Errorf("%s %v = %v, want %v", what, p, g, w)
		}
	}
}

// scaleFigures multiplies every figure by f.
func scaleFigures(fs Figures, f float64) Figures {
	return figuresOf(func(p Percentile) float64 { return fs.At(p) * f })
}

// same reports whether a and b are both NaN or nearly equal.
func same(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return near(a, b)
}
