package plot

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/latbench/latbench/results"
)

// Bar chart geometry, in x-axis units (one unit per percentile group).
const (
	barGroupWidth = 0.8
	barFill       = 0.88
	// maxBarValueLabels is the most targets whose bars get value labels.
	maxBarValueLabels = 4
)

// barPercentiles names the percentile groups of a bar chart.
func barPercentiles() []string { return []string{"p50", "p99", "p99.9"} }

// barSeries is one target's bars: an estimate per percentile, in µs.
type barSeries struct {
	target, label string
	cells         []*results.Cell
	values        []results.Estimate
}

// barKey is the scenario and load of one bar chart.
type barKey struct{ scenario, load string }

// barCharts returns one grouped bar chart per scenario and load name.
func barCharts(run *results.Run, pal styles) []chartSpec {
	base := atSmallestDelay(run.Cells)
	all := okCells(run.Cells, func(c *results.Cell) bool { return c.Stats.Latency.Count > 0 && base(c) })
	var keys []barKey
	for _, c := range all {
		k := barKey{c.Scenario, results.LoadLabel(c.Load)}
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b barKey) int {
		return cmp.Or(cmp.Compare(a.scenario, b.scenario), cmp.Compare(a.load, b.load))
	})
	var out []chartSpec
	for _, k := range keys {
		var mine []*results.Cell
		for _, c := range all {
			if c.Scenario == k.scenario && results.LoadLabel(c.Load) == k.load {
				mine = append(mine, c)
			}
		}
		series := barSeriesOf(mine)
		title := fmt.Sprintf("Latency percentiles: %s, load %s", k.scenario, k.load)
		out = append(out, chartSpec{
			kind:    KindBars,
			name:    fileName("bars", k.scenario, k.load),
			title:   title,
			caption: barCaption(k, series),
			fig:     barFigure(title, series, pal),
		})
	}
	return out
}

// barSeriesOf returns one series per target of cells, in sorted target
// order: the last rate step of each target, reduced over rounds to the
// median with a 95% bootstrap confidence interval.
func barSeriesOf(cells []*results.Cell) []barSeries {
	var out []barSeries
	for _, label := range labels(cells) {
		lastStep := 0
		for _, c := range cells {
			if results.TargetLabel(c) == label {
				lastStep = max(lastStep, c.Load.Step)
			}
		}
		var mine []results.Cell
		for _, c := range cells {
			if results.TargetLabel(c) == label && c.Load.Step == lastStep {
				mine = append(mine, *c)
			}
		}
		// Rounds of the same configuration form one group; when a
		// target ran differing configurations under one load name, the
		// group with the most rounds is shown.
		var best results.Group
		for _, g := range results.GroupRounds(mine) {
			if len(g.Cells) > len(best.Cells) {
				best = g
			}
		}
		s := barSeries{target: best.First.Target, label: label, cells: best.Cells}
		for _, pick := range []func(*results.Cell) float64{
			func(c *results.Cell) float64 { return float64(c.Stats.Latency.P50) / nsPerMicro },
			func(c *results.Cell) float64 { return float64(c.Stats.Latency.P99) / nsPerMicro },
			func(c *results.Cell) float64 { return float64(c.Stats.Latency.P999) / nsPerMicro },
		} {
			s.values = append(s.values, best.Estimate(pick))
		}
		out = append(out, s)
	}
	return out
}

// barFigure draws grouped bars: one group per percentile, one bar per
// target, with confidence-interval whiskers where there are rounds.
func barFigure(title string, series []barSeries, pal styles) *figure {
	f := newFigure(title)
	p := newPanel("", "percentile", "latency (µs)")
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, e := range s.values {
			for _, v := range []float64{e.Median, e.Low, e.High} {
				if positive(v) {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 1, 10
	}
	addGrid(p)
	// Room under the shortest bar, and above the tallest for its label.
	setLogY(p, lo/2, hi*1.6)
	p.NominalX(barPercentiles()...)
	p.X.Min, p.X.Max = -0.5, float64(len(barPercentiles()))-0.5
	p.Add(&bars{series: series, pal: pal, labels: len(series) <= maxBarValueLabels})
	for _, s := range series {
		f.addLegend(s.label, swatch{color: pal.of(s.target).Color})
	}
	f.panels = append(f.panels, p)
	return f
}

// bars is a plot.Plotter of grouped vertical bars on a log axis, each
// drawn from the axis minimum up to its value.
type bars struct {
	series []barSeries
	pal    styles
	// labels turns on value labels above the bars.
	labels bool
}

// Plot implements plot.Plotter.
func (b *bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	n := float64(len(b.series))
	w := barGroupWidth / n
	whisker := lineStyle(colorInk(), 1)
	sty := text.Style{Color: colorInk(), Font: sans(noteSize), XAlign: draw.XCenter, YAlign: draw.YBottom, Handler: p.TextHandler}
	for j, s := range b.series {
		col := b.pal.of(s.target).Color
		for i, e := range s.values {
			if !positive(e.Median) {
				continue
			}
			xc := float64(i) - barGroupWidth/2 + w*(float64(j)+0.5)
			x0, x1 := trX(xc-w*barFill/2), trX(xc+w*barFill/2)
			y0, y1 := trY(p.Y.Min), trY(math.Min(e.Median, p.Y.Max))
			c.FillPolygon(col, c.ClipPolygonY([]vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}))
			top := y1
			if e.N > 1 && positive(e.Low) && positive(e.High) {
				xm, capW := trX(xc), (x1-x0)*0.3
				yl, yh := trY(e.Low), trY(e.High)
				c.StrokeLine2(whisker, xm, yl, xm, yh)
				c.StrokeLine2(whisker, xm-capW, yl, xm+capW, yl)
				c.StrokeLine2(whisker, xm-capW, yh, xm+capW, yh)
				top = max(top, yh)
			}
			if b.labels {
				c.FillText(sty, vg.Point{X: trX(xc), Y: top + vg.Points(2)}, fmtMicros(e.Median))
			}
		}
	}
}

// roundsHow says how intervals over rounds were measured, in a caption;
// a paired cell's charts say pairedHow.
const roundsHow = "sequential cells over rounds (each round a cell of its own, measured one after the other)"

// barCaption says what a bar chart shows.
func barCaption(k barKey, series []barSeries) string {
	var b strings.Builder
	fmt.Fprintf(&b, "p50, p99 and p99.9 latency per target for scenario %s, load %s", k.scenario, k.load)
	rounds, steps := 0, false
	for _, s := range series {
		rounds = max(rounds, len(s.cells))
		steps = steps || s.cells[0].Load.Step > 0
	}
	if steps {
		b.WriteString(", at each target's last rate step")
	}
	if rounds > 1 {
		b.WriteString("; bars are medians over rounds and whiskers their 95% bootstrap confidence intervals, " + roundsHow)
	}
	b.WriteString(". Cells: ")
	for i, s := range series {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s (%s", s.label, s.cells[0].ID, loadDescription(s.cells[0]))
		if len(s.cells) > 1 {
			fmt.Fprintf(&b, ", %d rounds", len(s.cells))
		}
		b.WriteString(")")
	}
	b.WriteString(".")
	var shown []*results.Cell
	for _, s := range series {
		shown = append(shown, s.cells...)
	}
	b.WriteString(delayNote(shown))
	return b.String()
}
