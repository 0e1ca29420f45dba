package plot

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/plot/plottest"
)

// pairedSpecs returns the paired charts of run, by name.
func pairedSpecs(run *results.Run) map[string]chartSpec {
	out := map[string]chartSpec{}
	for _, s := range chartSpecs(run) {
		if s.kind == KindPairedOverTime || s.kind == KindPairedSpectrum {
			out[s.name] = s
		}
	}
	return out
}

// Names of the paired charts of the fixture's haproxy cell.
const (
	haproxyOverTime = "paired-over-time-haproxy-http-proxy-vs-backend-2000rps-c10"
	haproxySpectrum = "paired-spectrum-haproxy-http-proxy-vs-backend-2000rps-c10"
)

func TestPairedChartsSkipWhatIsMissing(t *testing.T) {
	tests := []struct {
		name string
		// edit changes the haproxy cell's paired figures.
		edit func(p *results.Paired)
		want []string
	}{
		{name: "both charts", edit: func(*results.Paired) {}, want: []string{haproxyOverTime, haproxySpectrum}},
		{
			name: "one block: no difference, no chart",
			edit: func(p *results.Paired) {
				p.Blocks, p.OverTime, p.Spectrum = 1, p.OverTime[:1], nil
			},
		},
		{name: "no blocks", edit: func(p *results.Paired) { p.Blocks, p.OverTime, p.Spectrum = 0, nil, nil }},
		{
			name: "blocks but no figures",
			edit: func(p *results.Paired) { p.OverTime, p.Spectrum = nil, nil },
		},
		{name: "no spectrum", edit: func(p *results.Paired) { p.Spectrum = nil }, want: []string{haproxyOverTime}},
		{name: "one percentile", edit: func(p *results.Paired) { p.Spectrum = p.Spectrum[4:5] }, want: []string{haproxyOverTime}},
		{name: "one block of figures", edit: func(p *results.Paired) { p.OverTime = p.OverTime[:1] }, want: []string{haproxySpectrum}},
		{
			name: "percentiles an axis of 1/(1-p) cannot show are left out",
			edit: func(p *results.Paired) {
				p.Spectrum = []results.SpectrumPoint{{Percentile: 50}, {Percentile: 100}, {Percentile: -1}}
			},
			want: []string{haproxyOverTime},
		},
	}
	haproxy := plottest.PairedRun(t).Cells[0]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, p := haproxy, *haproxy.Paired
			c.Paired = &p
			tt.edit(c.Paired)
			run := &results.Run{Cells: []results.Cell{c}}
			var got []string
			for _, s := range pairedCharts(run, palette(run.Cells)) {
				got = append(got, s.name)
				if _, err := s.fig.svg(); err != nil {
					t.Errorf("%s: %v", s.name, err)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("paired charts %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPairedChartsNone(t *testing.T) {
	tests := []struct {
		name string
		run  func(testing.TB) *results.Run
	}{
		{name: "fixture", run: plottest.Run},
		{name: "slow dependency", run: plottest.SlowDependencyRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pairedSpecs(tt.run(t)); len(got) > 0 {
				t.Errorf("paired charts %q in a run without paired cells", slices.Sorted(maps.Keys(got)))
			}
		})
	}
}

func TestDiffSegments(t *testing.T) {
	block := func(i, aP50, bP50, aP99, bP99 int64) results.BlockFigures {
		return results.BlockFigures{StartNs: i * 250e6, EndNs: (i + 1) * 250e6, AP50: aP50, BP50: bP50, AP99: aP99, BP99: bP99}
	}
	tests := []struct {
		name   string
		blocks []results.BlockFigures
		want   string
	}{
		{name: "none", want: "[]"},
		{
			name:   "B − A at p50 and p99, in µs, at the middle of each block",
			blocks: []results.BlockFigures{block(0, 100e3, 130e3, 400e3, 380e3), block(1, 100e3, 100e3, 400e3, 900e3)},
			want:   "[{[{0.125 30} {0.375 0}] [{0.125 -20} {0.375 500}]}]",
		},
		{
			name:   "a missing block splits the lines",
			blocks: []results.BlockFigures{block(0, 1e3, 2e3, 1e3, 2e3), block(2, 1e3, 3e3, 1e3, 3e3)},
			want:   "[{[{0.125 1}] [{0.125 1}]} {[{0.625 2}] [{0.625 2}]}]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(diffSegments(tt.blocks)); got != tt.want {
				t.Errorf("diffSegments = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPairedCaptions(t *testing.T) {
	specs := pairedSpecs(plottest.PairedRun(t))
	method := "Interval method: " + results.PairedMethod + "."
	tests := []struct {
		name  string
		chart string
		want  []string
	}{
		{
			name: "over time", chart: haproxyOverTime,
			want: []string{"B − A, the latency of B, haproxy, minus that of A, nginx (backend)", pairedHow,
				"40 bootstrap blocks of 0.25 s", "p50 (solid) and p99 (dashed)",
				"The shaded band is the whole window's 95% interval of the p50 difference, +53.5 µs [+52.4, +55.2].", method},
		},
		{
			name: "by percentile", chart: haproxySpectrum,
			want: []string{pairedHow, "from p10 to p99.9", "the shaded band is each one's 95% interval",
				"Not separable at p99.", method},
		},
		{
			name: "A/A over time", chart: "paired-over-time-go-http-vs-go-2000rps-c10",
			want: []string{"the latency of B, go, minus that of A, go", "[-1.02, +1.54], " + results.NotSeparable},
		},
		{
			name: "A/A by percentile", chart: "paired-spectrum-go-http-vs-go-2000rps-c10",
			want: []string{"Every interval holds 0: " + results.NotSeparable + " at any percentile."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := specs[tt.chart]
			if !ok {
				t.Fatalf("no chart %s", tt.chart)
			}
			for _, w := range tt.want {
				if !strings.Contains(s.caption, w) {
					t.Errorf("caption lacks %q:\n%s", w, s.caption)
				}
			}
			if strings.Contains(s.caption, roundsHow) {
				t.Errorf("a paired chart's caption says %q", roundsHow)
			}
		})
	}
}

func TestPairedFigures(t *testing.T) {
	specs := pairedSpecs(plottest.PairedRun(t))
	overTime, spectrum := specs[haproxyOverTime], specs[haproxySpectrum]
	for _, s := range []chartSpec{overTime, spectrum} {
		if want := "haproxy − nginx (backend)"; !strings.HasSuffix(s.title, want) {
			t.Errorf("title %q does not name the arms as %q", s.title, want)
		}
		p := s.fig.panels[0]
		if !strings.Contains(p.Y.Label.Text, "(µs)") || !strings.Contains(p.X.Label.Text, "(") {
			t.Errorf("axis labels %q, %q lack their units", p.X.Label.Text, p.Y.Label.Text)
		}
		if p.Y.Min >= 0 || p.Y.Max <= 0 {
			t.Errorf("y axis %v..%v does not hold the line at 0", p.Y.Min, p.Y.Max)
		}
		if s.fig.entries < 2 {
			t.Errorf("%d legend entries, want the lines and the band", s.fig.entries)
		}
	}
	if p := overTime.fig.panels[0]; p.X.Min != 0 || p.X.Max != 10 {
		t.Errorf("time axis %v..%v s, want the 10 s window", p.X.Min, p.X.Max)
	}
	p := spectrum.fig.panels[0]
	if _, ok := p.X.Scale.(logScale); !ok || p.X.Min != 1 || p.X.Max != 1000 {
		t.Errorf("percentile axis %T %v..%v, want the spectrum's 1/(1-p) axis from 0%% to 99.9%%", p.X.Scale, p.X.Min, p.X.Max)
	}
}

func TestSetDiffY(t *testing.T) {
	tests := []struct {
		name           string
		ys             []float64
		wantLo, wantHi float64
	}{
		{name: "above 0 holds 0", ys: []float64{50, 100}, wantLo: -6, wantHi: 106},
		{name: "below 0 holds 0", ys: []float64{-10, -40}, wantLo: -42.4, wantHi: 2.4},
		{name: "across 0", ys: []float64{-50, 50}, wantLo: -56, wantHi: 56},
		{name: "all 0", ys: []float64{0, 0}, wantLo: -1, wantHi: 1},
		{name: "not finite is ignored", ys: []float64{math.NaN(), math.Inf(1), 10}, wantLo: -0.6, wantHi: 10.6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPanel("", "x", "y")
			setDiffY(p, tt.ys)
			if math.Abs(p.Y.Min-tt.wantLo) > 1e-9 || math.Abs(p.Y.Max-tt.wantHi) > 1e-9 {
				t.Errorf("y axis %v..%v, want %v..%v", p.Y.Min, p.Y.Max, tt.wantLo, tt.wantHi)
			}
		})
	}
}

func TestPairedChartsCap(t *testing.T) {
	run := plottest.PairedRun(t)
	cell := run.Cells[0]
	run.Cells = nil
	for i := range maxOverTimeCharts + 5 {
		c := cell
		c.ID = fmt.Sprintf("cell-%02d", i)
		run.Cells = append(run.Cells, c)
	}
	specs := pairedCharts(run, palette(run.Cells))
	if len(specs) != 2*maxOverTimeCharts {
		t.Fatalf("%d paired charts, want two for each of the first %d cells", len(specs), maxOverTimeCharts)
	}
	if last := specs[len(specs)-1].name; last != "paired-spectrum-cell-39" {
		t.Errorf("last paired chart %s, want that of the 40th cell", last)
	}
	if !strings.Contains(specs[0].caption, "Only the first 40 of the run's 45 paired cells are charted.") {
		t.Errorf("caption does not say the charts are capped: %s", specs[0].caption)
	}
}

func TestBarCaptionSaysRoundsAreSequential(t *testing.T) {
	for _, s := range chartSpecs(plottest.Run(t)) {
		if s.name == "bars-http-steps" && !strings.Contains(s.caption, roundsHow) {
			t.Errorf("caption of intervals over rounds lacks %q:\n%s", roundsHow, s.caption)
		}
	}
}

func TestFitText(t *testing.T) {
	sty := text.Style{Font: sans(titleSize), Handler: plot.DefaultTextHandler}
	long := "Paired difference by percentile: draft-http-tunnel-experimental − nginx-with-a-very-long-name (backend)"
	tests := []struct {
		name  string
		s     string
		width vg.Length
		want  string
	}{
		{name: "fits", s: "haproxy − nginx (backend)", width: figWidth, want: "haproxy − nginx (backend)"},
		{name: "too long for the figure", s: long, width: figWidth - 2*figMargin, want: "Paired difference by percentile: draft-http-tunnel-experimental − nginx-with-a-very-long-n…"},
		{name: "nothing fits", s: "abc", width: 0, want: "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fitText(sty, tt.s, tt.width)
			if got != tt.want {
				t.Errorf("fitText = %q, want %q", got, tt.want)
			}
			if got != "…" && sty.Width(got) > tt.width {
				t.Errorf("%q is %v wide, more than %v", got, sty.Width(got), tt.width)
			}
		})
	}
}
