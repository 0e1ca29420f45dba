package plot

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/latbench/latbench/results"
)

// maxOverTimeCharts caps the latency-over-time charts of one run.
const maxOverTimeCharts = 40

// nsPerSecond converts interval offsets to seconds.
const nsPerSecond = 1e9

// overTimeCharts returns one latency-over-time chart per cell with
// intervals, in run order, at most maxOverTimeCharts.
func overTimeCharts(run *results.Run, pal styles) []chartSpec {
	var withIntervals []*results.Cell
	for i := range run.Cells {
		if len(run.Cells[i].Intervals) > 0 {
			withIntervals = append(withIntervals, &run.Cells[i])
		}
	}
	var out []chartSpec
	for _, c := range withIntervals {
		if len(out) == maxOverTimeCharts {
			break
		}
		segs, bad := intervalSegments(c.Intervals)
		if len(segs) == 0 {
			continue
		}
		title := "Latency over time: " + c.ID
		caption := fmt.Sprintf("p50 (solid) and p99 (dashed) latency of each second of cell %s "+
			"(target %s, scenario %s, load %s, %s), from its %d interval histograms.",
			c.ID, results.TargetLabel(c), c.Scenario, results.LoadLabel(c.Load), loadDescription(c), len(c.Intervals))
		if c.Status != results.StatusOK {
			caption += fmt.Sprintf(" The cell failed (%s); the chart shows what it measured before.", c.Failure)
		}
		if bad > 0 {
			caption += fmt.Sprintf(" Left out: %d of them, without data.", bad)
		}
		if len(withIntervals) > maxOverTimeCharts {
			caption += fmt.Sprintf(" Only the first %d of the run's %d cells with per-second data are charted.",
				maxOverTimeCharts, len(withIntervals))
		}
		out = append(out, chartSpec{
			name:    fileName("over-time", c.ID),
			title:   title,
			caption: caption,
			fig:     overTimeFigure(title, c, segs, pal),
		})
	}
	return out
}

// segment is a run of consecutive intervals with data: the p50 and p99 of
// each, in µs, against the interval's end in seconds.
type segment struct{ p50, p99 plotter.XYs }

// intervalSegments returns the intervals' points, split where an interval
// is empty or cannot be decoded so that lines do not bridge the gap, and
// how many intervals were left out.
func intervalSegments(intervals []results.Interval) (segs []segment, bad int) {
	var cur segment
	flush := func() {
		if len(cur.p50) > 0 {
			segs = append(segs, cur)
		}
		cur = segment{}
	}
	for _, iv := range intervals {
		h, err := decode(iv.Latency)
		if err != nil {
			bad++
			flush()
			continue
		}
		x := float64(iv.EndNs) / nsPerSecond
		cur.p50 = append(cur.p50, plotter.XY{X: x, Y: quantileMicros(h, 0.50)})
		cur.p99 = append(cur.p99, plotter.XY{X: x, Y: quantileMicros(h, 0.99)})
	}
	flush()
	return segs, bad
}

// overTimeFigure draws one cell's per-second p50 and p99.
func overTimeFigure(title string, c *results.Cell, segs []segment, pal styles) *figure {
	f := newFigure(title)
	p := newPanel("", "time into the measured window (s)", "latency (µs)")
	addGrid(p)
	st := pal.of(c.Target)
	lo, hi, xhi := math.Inf(1), math.Inf(-1), 0.0
	for _, sg := range segs {
		for _, pt := range append(slices.Clone(sg.p50), sg.p99...) {
			lo, hi, xhi = math.Min(lo, pt.Y), math.Max(hi, pt.Y), math.Max(xhi, pt.X)
		}
	}
	setLogY(p, lo, hi)
	p.X.Min, p.X.Max = 0, math.Max(xhi, 1)
	p.X.Tick.Marker = linearTicks()
	glyph := glyphOf(st)
	glyph.Radius = vg.Points(2)
	for _, s := range []struct {
		name   string
		pick   func(segment) plotter.XYs
		dashes []vg.Length
	}{
		{name: "p50", pick: func(sg segment) plotter.XYs { return sg.p50 }},
		{name: "p99", pick: func(sg segment) plotter.XYs { return sg.p99 }, dashes: []vg.Length{vg.Points(6), vg.Points(3)}},
	} {
		line := lineStyle(st.Color, 1.5, s.dashes...)
		for _, sg := range segs {
			p.Add(&plotter.Line{XYs: s.pick(sg), LineStyle: line}, &plotter.Scatter{XYs: s.pick(sg), GlyphStyle: glyph})
		}
		f.addLegend(results.TargetLabel(c)+" "+s.name, lineThumb{line: line, glyph: glyph})
	}
	f.panels = append(f.panels, p)
	return f
}
