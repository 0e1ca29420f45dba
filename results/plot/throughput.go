package plot

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/latbench/latbench/results"
)

// ratePoint is one rate step of a target: its achieved rate and latency
// percentiles in µs, medians over rounds.
type ratePoint struct {
	targetRPS           float64
	step                int
	rps, p50, p99, p999 float64
	rounds              int
}

// rateSeries is one target's rate steps for a scenario.
type rateSeries struct {
	target, label string
	pts           []ratePoint
}

// percentileLine is how one percentile is drawn on the throughput chart.
type percentileLine struct {
	name   string
	pick   func(ratePoint) float64
	width  float64
	dashes []vg.Length
}

// percentileLines returns the percentiles of the throughput chart, each
// with its own line style.
func percentileLines() []percentileLine {
	return []percentileLine{
		{name: "p50", pick: func(p ratePoint) float64 { return p.p50 }, width: 1.75},
		{name: "p99", pick: func(p ratePoint) float64 { return p.p99 }, width: 1.5, dashes: []vg.Length{vg.Points(6), vg.Points(3)}},
		{name: "p99.9", pick: func(p ratePoint) float64 { return p.p999 }, width: 1.5, dashes: []vg.Length{vg.Points(1.5), vg.Points(2.5)}},
	}
}

// throughputCharts returns one latency-against-throughput chart per
// scenario in which some target ran at least two open-loop rates.
func throughputCharts(run *results.Run, pal styles) []chartSpec {
	var out []chartSpec
	for _, scenario := range scenarios(run.Cells) {
		series := rateSteps(run.Cells, scenario)
		steps := 0
		for _, s := range series {
			steps = max(steps, len(s.pts))
		}
		if steps < 2 {
			continue
		}
		knees := kneesOf(run.Searches, scenario, series)
		inScenario := okCells(run.Cells, func(c *results.Cell) bool { return c.Scenario == scenario })
		title := "Latency against throughput: " + scenario
		out = append(out, chartSpec{
			kind:    KindLatencyVsRate,
			name:    fileName("latency-vs-rate", scenario),
			title:   title,
			caption: throughputCaption(scenario, series, knees) + delayNote(inScenario),
			fig:     throughputFigure(title, series, knees, pal),
		})
	}
	return out
}

// rateSteps returns, per target in sorted order, the open-loop rate steps
// of a scenario sorted by offered rate; rounds of one step are reduced to
// their medians.
func rateSteps(cells []results.Cell, scenario string) []rateSeries {
	base := atSmallestDelay(cells)
	open := okCells(cells, func(c *results.Cell) bool {
		return c.Scenario == scenario && c.Load.Loop == loopOpen && c.Stats.Latency.Count > 0 && base(c)
	})
	var out []rateSeries
	for _, label := range labels(open) {
		var mine []results.Cell
		for _, c := range open {
			if results.TargetLabel(c) == label {
				mine = append(mine, *c)
			}
		}
		s := rateSeries{target: mine[0].Target, label: label}
		for _, g := range results.GroupRounds(mine) {
			est := func(pick func(*results.Cell) float64) float64 { return g.Estimate(pick).Median }
			s.pts = append(s.pts, ratePoint{
				targetRPS: g.First.Load.TargetRPS, step: g.First.Load.Step, rounds: len(g.Cells),
				rps: est(func(c *results.Cell) float64 { return c.Stats.AchievedRPS }),
				p50: micros(est(func(c *results.Cell) float64 { return float64(c.Stats.Latency.P50) })),
				p99: micros(est(func(c *results.Cell) float64 { return float64(c.Stats.Latency.P99) })),
				p999: micros(est(func(c *results.Cell) float64 {
					return float64(c.Stats.Latency.P999)
				})),
			})
		}
		slices.SortStableFunc(s.pts, func(a, b ratePoint) int {
			return cmp.Or(cmp.Compare(a.targetRPS, b.targetRPS), cmp.Compare(a.step, b.step))
		})
		out = append(out, s)
	}
	return out
}

// knee is a search's knee for one target of the chart.
type knee struct {
	target string
	rps    float64
	slo    string
}

// kneesOf returns the knees of the searches of a scenario whose target is
// on the chart, in series order.
func kneesOf(searches []results.Search, scenario string, series []rateSeries) []knee {
	var out []knee
	for _, s := range series {
		for _, se := range searches {
			if se.Scenario == scenario && se.Target == s.target && se.KneeRPS > 0 && positive(se.KneeRPS) {
				out = append(out, knee{target: se.Target, rps: se.KneeRPS, slo: se.SLO})
				break
			}
		}
	}
	return out
}

// throughputFigure draws p50, p99 and p99.9 against achieved rate, one
// colour per target and one line style per percentile, with a vertical
// marker at each knee.
func throughputFigure(title string, series []rateSeries, knees []knee, pal styles) *figure {
	f := newFigure(title)
	p := newPanel("", "achieved rate (requests/s)", "latency (µs)")
	addGrid(p)
	lo, hi := math.Inf(1), math.Inf(-1)
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, pt := range s.pts {
			for _, pl := range percentileLines() {
				lo, hi = math.Min(lo, pl.pick(pt)), math.Max(hi, pl.pick(pt))
			}
			xlo, xhi = math.Min(xlo, pt.rps), math.Max(xhi, pt.rps)
		}
	}
	for _, k := range knees {
		xlo, xhi = math.Min(xlo, k.rps), math.Max(xhi, k.rps)
	}
	setLogY(p, lo, hi)
	pad := math.Max((xhi-xlo)*0.05, math.Max(xhi*0.01, 1))
	p.X.Min, p.X.Max = math.Max(0, xlo-pad), xhi+pad
	p.X.Tick.Marker = linearTicks()

	for _, s := range series {
		st := pal.of(s.target)
		for _, pl := range percentileLines() {
			xys := make(plotter.XYs, len(s.pts))
			for i, pt := range s.pts {
				xys[i] = plotter.XY{X: pt.rps, Y: pl.pick(pt)}
			}
			p.Add(&plotter.Line{XYs: xys, LineStyle: lineStyle(st.Color, pl.width, pl.dashes...)},
				&plotter.Scatter{XYs: xys, GlyphStyle: glyphOf(st)})
		}
		f.addLegend(s.label, lineThumb{line: lineStyle(st.Color, 1.75), glyph: glyphOf(st)})
	}
	for _, pl := range percentileLines() {
		f.addLegend(pl.name, lineThumb{line: lineStyle(colorInk(), pl.width, pl.dashes...)})
	}
	p.Add(&kneeMarks{knees: knees, pal: pal})
	f.panels = append(f.panels, p)
	return f
}

// kneeMarks is a plot.Plotter that draws a dashed vertical line at each
// knee, labelled near the bottom of the data area on a white box so that
// the label stays readable over the lines; labels of several knees are
// stacked.
type kneeMarks struct {
	knees []knee
	pal   styles
}

// Plot implements plot.Plotter.
func (m *kneeMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for i, k := range m.knees {
		st := m.pal.of(k.target)
		x := trX(k.rps)
		if !c.ContainsX(x) {
			continue
		}
		c.StrokeLine2(lineStyle(st.Color, 1.25, vg.Points(4), vg.Points(3)), x, c.Min.Y, x, c.Max.Y)
		label := "knee " + fmtRate(k.rps) + " rps"
		if len(m.knees) > 1 {
			label = k.target + " " + label
		}
		sty := text.Style{Color: st.Color, Font: sans(noteSize), YAlign: draw.YBottom, Handler: p.TextHandler}
		size := sty.Rectangle(label).Size()
		pad := vg.Points(2)
		lx := x + vg.Points(4)
		if x+size.X+2*pad+vg.Points(4) > c.Max.X {
			lx = x - vg.Points(4) - size.X
		}
		ly := c.Min.Y + vg.Points(4) + vg.Length(i)*(size.Y+2*pad+vg.Points(2))
		box := vg.Rectangle{Min: vg.Point{X: lx - pad, Y: ly - pad}, Max: vg.Point{X: lx + size.X + pad, Y: ly + size.Y + pad}}
		c.FillPolygon(color.White, []vg.Point{box.Min, {X: box.Min.X, Y: box.Max.Y}, box.Max, {X: box.Max.X, Y: box.Min.Y}})
		c.FillText(sty, vg.Point{X: lx, Y: ly}, label)
	}
}

// throughputCaption says what the chart shows.
func throughputCaption(scenario string, series []rateSeries, knees []knee) string {
	var b strings.Builder
	fmt.Fprintf(&b, "p50 (solid), p99 (dashed) and p99.9 (dotted) latency against achieved rate for scenario %s, "+
		"across each target's open-loop rate steps (sorted by offered rate); latency is measured from each request's due time.", scenario)
	rounds := 0
	for _, s := range series {
		for _, pt := range s.pts {
			rounds = max(rounds, pt.rounds)
		}
	}
	if rounds > 1 {
		b.WriteString(" Each point is the median over rounds.")
	}
	for _, k := range knees {
		fmt.Fprintf(&b, " The dashed vertical line marks %s's knee at %s rps: the highest offered rate that met the SLO (%s) in its max-throughput search.",
			k.target, fmtRate(k.rps), k.slo)
	}
	return b.String()
}
