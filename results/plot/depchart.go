package plot

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/latbench/latbench/results"
)

// minTickGap is the least distance between two labelled delay ticks, as
// a share of the axis, so that their labels do not run into each other.
const minTickGap = 0.045

// delayAxisLabel is the x axis of both dependency charts.
const delayAxisLabel = "delay of the slow dependency (ms)"

// dependencyCharts returns, for each scenario and load whose cells step
// through a slow dependency's delays, a chart of the fast class's p99
// against the delay and one of the availability against the delay.
func dependencyCharts(run *results.Run, pal styles) []chartSpec {
	var out []chartSpec
	for _, g := range dependencyGroups(run.Cells) {
		if _, ok := judgedDelay(g); ok {
			title := "Fast requests' p99 against the dependency's delay: " + g.key.String()
			out = append(out, chartSpec{
				name: fileName("dependency-p99", g.key.scenario, g.key.load, stepPart(g.key.step)), kind: KindDependencyP99,
				title: title, caption: depP99Caption(g), finding: p99Finding(g), group: g.key.String(),
				fig: depP99Figure(title, g, pal),
			})
		}
		if hasAvailability(g) {
			title := "Availability against the dependency's delay: " + g.key.String()
			out = append(out, chartSpec{
				name: fileName("dependency-availability", g.key.scenario, g.key.load, stepPart(g.key.step)), kind: KindDependencyAvailability,
				title: title, caption: depAvailabilityCaption(g), finding: availabilityFinding(g), group: g.key.String(),
				fig: depAvailabilityFigure(title, g, pal),
			})
		}
	}
	return out
}

// stepPart is "s2" for rate step 2, "" without steps.
func stepPart(step int) string {
	if step == 0 {
		return ""
	}
	return fmt.Sprintf("s%d", step)
}

// hasAvailability reports whether some target of g has a successful cell.
func hasAvailability(g depGroup) bool {
	for _, s := range g.series {
		if len(s.pts) > 0 {
			return true
		}
	}
	return false
}

// depLines returns a series' points as lines, split where a delay step
// of the group has no value, so that a line never bridges a gap.
func depLines(g depGroup, s depSeries, value func(depPoint) (float64, bool)) []plotter.XYs {
	return gapLines(len(g.delaysMs), func(i int) (plotter.XY, bool) {
		ms := g.delaysMs[i]
		p, ok := s.at(ms)
		v, has := value(p)
		return plotter.XY{X: ms, Y: v}, ok && has
	})
}

// gapLines returns the points of n steps as lines, split at each step
// for which point reports no value, so that a line never bridges a gap.
func gapLines(n int, point func(i int) (plotter.XY, bool)) []plotter.XYs {
	var lines []plotter.XYs
	var cur plotter.XYs
	for i := range n {
		xy, ok := point(i)
		if !ok {
			if len(cur) > 0 {
				lines = append(lines, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, xy)
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	return lines
}

// addDepSeries draws each target's lines and markers and adds it to the
// legend; it returns the lowest and highest value drawn.
func addDepSeries(f *figure, p *plot.Plot, g depGroup, pal styles, value func(depPoint) (float64, bool)) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range g.series {
		lines := depLines(g, s, value)
		if len(lines) == 0 {
			continue
		}
		st := pal.of(s.target)
		line, glyph := lineStyle(st.Color, 1.75), glyphOf(st)
		for _, xys := range lines {
			p.Add(&plotter.Line{XYs: xys, LineStyle: line}, &plotter.Scatter{XYs: xys, GlyphStyle: glyph})
			for _, pt := range xys {
				lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
			}
		}
		f.addLegend(s.label, lineThumb{line: line, glyph: glyph})
	}
	return lo, hi
}

// depP99Figure draws each target's fast-class p99 against the delay.
func depP99Figure(title string, g depGroup, pal styles) *figure {
	f := newFigure(title)
	p := newPanel("", delayAxisLabel, "p99 of the fast class (µs)")
	addGrid(p)
	lo, hi := addDepSeries(f, p, g, pal, func(pt depPoint) (float64, bool) { return pt.p99Us, pt.hasP99() })
	setLogY(p, lo, hi)
	setDelayAxis(p, g.delaysMs)
	f.panels = append(f.panels, p)
	return f
}

// depAvailabilityFigure draws each target's availability against the
// delay, with the minAvailability line the sentence holds them to.
func depAvailabilityFigure(title string, g depGroup, pal styles) *figure {
	f := newFigure(title)
	p := newPanel("", delayAxisLabel, "availability (%)")
	addGrid(p)
	p.Add(&levelLine{y: 100 * minAvailability, label: results.FormatAvailability(minAvailability)})
	lo, _ := addDepSeries(f, p, g, pal, func(pt depPoint) (float64, bool) { return 100 * pt.availability, true })
	p.Y.Min, p.Y.Max = availabilityFloor(lo), 100
	p.Y.Tick.Marker = linearTicks()
	setDelayAxis(p, g.delaysMs)
	f.panels = append(f.panels, p)
	return f
}

// availabilityFloor returns the bottom of the availability axis for a
// lowest value of lo percent: 100 less a 1, 2 or 5 times a power of ten
// that leaves a quarter of room under lo, and at least 1 point so that
// the threshold line shows; never below 0.
func availabilityFloor(lo float64) float64 {
	span := math.Max(100-lo, 0.8) * 1.25
	return math.Max(100-niceStep(span, true), 0)
}

// setDelayAxis makes p's x axis run from 0 to the largest delay, with a
// labelled tick at 0 and at each delay step that has room for its label.
func setDelayAxis(p *plot.Plot, delaysMs []float64) {
	p.X.Min, p.X.Max = math.Min(0, delaysMs[0]), delaysMs[len(delaysMs)-1]
	values := delaysMs
	if delaysMs[0] > 0 {
		values = append([]float64{0}, delaysMs...)
	}
	var ticks []plot.Tick
	last := math.Inf(-1)
	for _, ms := range values {
		t := plot.Tick{Value: ms}
		if ms-last >= minTickGap*(p.X.Max-p.X.Min) {
			t.Label, last = fmtNumber(ms), ms
		}
		ticks = append(ticks, t)
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
}

// levelLine is a plot.Plotter that draws a dashed horizontal line at y,
// labelled at its right end.
type levelLine struct {
	y     float64
	label string
}

// Plot implements plot.Plotter.
func (l *levelLine) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(l.y)
	if y < c.Min.Y || y > c.Max.Y {
		return
	}
	c.StrokeLine2(lineStyle(colorInk(), 1, vg.Points(4), vg.Points(3)), c.Min.X, y, c.Max.X, y)
	sty := text.Style{Color: colorInk(), Font: sans(noteSize), XAlign: draw.XRight, YAlign: draw.YTop, Handler: p.TextHandler}
	c.FillText(sty, vg.Point{X: c.Max.X - vg.Points(3), Y: y - vg.Points(2)}, l.label)
}

// depP99Caption says what the p99 chart shows and the rule its sentence
// applies.
func depP99Caption(g depGroup) string {
	var b strings.Builder
	fmt.Fprintf(&b, "p99 latency of the fast class against the slow dependency's delay, scenario %s, one line per target; "+
		"latency from each request's due time. The fast class is the requests that do not wait for the dependency "+
		"(the first class whose path has no /delay/: %s). Rounds of one step are reduced to their median. ",
		g.key, orNone(g.fastNames))
	ms, _ := judgedDelay(g)
	fmt.Fprintf(&b, "The finding applies this rule: at the largest delay (%s), a target kept the fast requests fast when their p99 there "+
		"is at most %s× its own p99 at 0 ms, or at its smallest delay where it has no 0 ms step.", fmtDelay(ms), fmtNumber(maxFastGrowth))
	b.WriteString(depLeftOut(g, true))
	return b.String()
}

// depAvailabilityCaption says what the availability chart shows and the
// rule its sentence applies.
func depAvailabilityCaption(g depGroup) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Availability, the share of each cell's measured requests that succeeded, against the slow dependency's delay, "+
		"scenario %s, one line per target; rounds of one step are reduced to their median. The dashed line marks %s: "+
		"the finding counts a target as answering when it reached that at every delay.", g.key, results.FormatAvailability(minAvailability))
	b.WriteString(depLeftOut(g, false))
	return b.String()
}

// depLeftOut names the delay steps a chart has no value for, and why.
func depLeftOut(g depGroup, p99 bool) string {
	var items []string
	for _, s := range g.series {
		for _, ms := range s.failedMs {
			items = append(items, fmt.Sprintf("%s at %s (%s)", s.label, fmtDelay(ms), gapFailed))
		}
		for _, pt := range s.pts {
			if p99 && !pt.hasP99() {
				items = append(items, fmt.Sprintf("%s at %s (%s)", s.label, fmtDelay(pt.delayMs), pt.gap))
			}
		}
	}
	if len(items) == 0 {
		return ""
	}
	return " Left out: " + strings.Join(items, "; ") + "."
}

// orNone joins names, or says there are none.
func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
