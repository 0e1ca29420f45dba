package plot

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/latbench/latbench/results"
)

// maxOverTimeCharts caps the latency-over-time charts of one run.
const maxOverTimeCharts = 40

// nsPerSecond converts interval offsets to seconds.
const nsPerSecond = 1e9

// Relative heights of the latency and success-rate panels.
const (
	latencyPanelHeight = 2
	successPanelHeight = 1
)

// faultLabelRoom is how much room the latency axis of a chart with faults
// leaves above the data for the bands' labels: a fifth of the decades the
// data span, and at least a fifth of a decade.
const faultLabelRoom = 0.2

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
		success := successSegments(c.Intervals)
		caption := overTimeCaption(c, bad, len(success) > 0)
		if len(withIntervals) > maxOverTimeCharts {
			caption += fmt.Sprintf(" Only the first %d of the run's %d cells with per-second data are charted.",
				maxOverTimeCharts, len(withIntervals))
		}
		title := "Latency over time: " + c.ID
		out = append(out, chartSpec{
			name:    fileName("over-time", c.ID),
			kind:    KindOverTime,
			title:   title,
			caption: caption,
			fig:     overTimeFigure(title, c, segs, success, pal),
			cell:    c,
		})
	}
	return out
}

// overTimeCaption says what a cell's latency-over-time chart shows.
func overTimeCaption(c *results.Cell, bad int, success bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "p50 (solid) and p99 (dashed) latency of each second of cell %s "+
		"(target %s, scenario %s, load %s, %s), from its %d interval histograms; each point sits in the middle of its second.",
		c.ID, results.TargetLabel(c), c.Scenario, results.LoadLabel(c.Load), loadDescription(c), len(c.Intervals))
	if success {
		b.WriteString(" The lower panel is the success rate of each second: of the requests that ended in it, " +
			"measured or not, the share that succeeded, (completed − failed) / completed.")
	}
	if len(c.Faults) > 0 {
		written := make([]string, len(c.Faults))
		for i, f := range c.Faults {
			written[i] = oneLine(f.Fault)
		}
		fmt.Fprintf(&b, " The shaded bands are the faults, from their start to their end: %s.", strings.Join(written, "; "))
	}
	if c.Status != results.StatusOK {
		fmt.Fprintf(&b, " The cell failed (%s); the chart shows what it measured before.", c.Failure)
	}
	if bad > 0 {
		fmt.Fprintf(&b, " Left out of the latency lines: %d of them, without latency data (no request succeeded, or no histogram).", bad)
	}
	return b.String()
}

// segment is a run of consecutive intervals with data: the p50 and p99 of
// each, in µs, against the middle of the interval in seconds.
type segment struct{ p50, p99 plotter.XYs }

// intervalMid returns the middle of an interval in seconds.
func intervalMid(iv results.Interval) float64 {
	return float64(iv.StartNs+iv.EndNs) / 2 / nsPerSecond
}

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
		x := intervalMid(iv)
		cur.p50 = append(cur.p50, plotter.XY{X: x, Y: quantileMicros(h, 0.50)})
		cur.p99 = append(cur.p99, plotter.XY{X: x, Y: quantileMicros(h, 0.99)})
	}
	flush()
	return segs, bad
}

// successSegments returns each interval's success rate in percent,
// (Completed-Errors)/Completed, against its middle in seconds; runs of
// intervals in which nothing completed split the line.
func successSegments(intervals []results.Interval) []plotter.XYs {
	return gapLines(len(intervals), func(i int) (plotter.XY, bool) {
		iv := intervals[i]
		if iv.Completed <= 0 {
			return plotter.XY{}, false
		}
		ok := math.Max(float64(iv.Completed-iv.Errors), 0)
		return plotter.XY{X: intervalMid(iv), Y: 100 * ok / float64(iv.Completed)}, true
	})
}

// windowEnd returns the end of the last interval in seconds, at least 1.
func windowEnd(intervals []results.Interval) float64 {
	end := 1.0
	for _, iv := range intervals {
		end = math.Max(end, float64(iv.EndNs)/nsPerSecond)
	}
	return end
}

// overTimeFigure draws one cell's per-second p50 and p99, its faults as
// shaded bands and, when there is one, its success rate in a shorter
// panel underneath that shares the time axis.
func overTimeFigure(title string, c *results.Cell, segs []segment, success []plotter.XYs, pal styles) *figure {
	f := newFigure(title)
	xhi := windowEnd(c.Intervals)
	spans := faultSpans(c.Faults, xhi)
	lat := latencyPanel(f, c, segs, spans, pal)
	lat.X.Min, lat.X.Max = 0, xhi
	f.panels = append(f.panels, lat)
	if len(spans) > 0 {
		f.addLegend("fault", swatch{color: faultBandColor()})
	}
	if len(success) == 0 {
		return f
	}
	// The latency panel lends its x axis to the success panel below: it
	// keeps the ticks, and the success panel the labels.
	lat.X.Label.Text = ""
	lat.X.Tick.Marker = unlabelled(lat.X.Tick.Marker)
	sp := successPanel(f, c, success, spans, pal)
	sp.X.Min, sp.X.Max = 0, xhi
	f.panels = append(f.panels, sp)
	f.heights = []float64{latencyPanelHeight, successPanelHeight}
	return f
}

// latencyPanel draws the p50 and p99 lines over the fault bands.
func latencyPanel(f *figure, c *results.Cell, segs []segment, spans []faultSpan, pal styles) *plot.Plot {
	p := newPanel("", "time into the measured window (s)", "latency (µs)")
	addGrid(p)
	p.Add(&faultBands{spans: spans})
	st := pal.of(c.Target)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, sg := range segs {
		for _, pt := range append(slices.Clone(sg.p50), sg.p99...) {
			lo, hi = math.Min(lo, pt.Y), math.Max(hi, pt.Y)
		}
	}
	if len(spans) > 0 {
		// Room above the lines for the bands' labels.
		hi *= math.Pow(math.Max(hi/lo, 10), faultLabelRoom)
	}
	setLogY(p, lo, hi)
	p.X.Tick.Marker = linearTicks()
	addSegmentLines(f, p, segs, st, func(name string) string { return results.TargetLabel(c) + " " + name })
	p.Add(&faultLabels{spans: spans})
	return p
}

// addSegmentLines draws the p50 (solid) and p99 (dashed) lines of segs
// with markers in st's colour, and adds each to the legend as
// label("p50") and label("p99").
func addSegmentLines(f *figure, p *plot.Plot, segs []segment, st targetStyle, label func(name string) string) {
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
		f.addLegend(label(s.name), lineThumb{line: line, glyph: glyph})
	}
}

// successPanel draws the success rate of each second on a 0–100 % axis.
func successPanel(f *figure, c *results.Cell, success []plotter.XYs, spans []faultSpan, pal styles) *plot.Plot {
	p := newPanel("", "time into the measured window (s)", "success (%)")
	addGrid(p)
	p.Add(&faultBands{spans: spans})
	p.Y.Min, p.Y.Max = 0, 100
	p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{
		{Value: 0, Label: "0"}, {Value: 25}, {Value: 50, Label: "50"}, {Value: 75}, {Value: 100, Label: "100"},
	})
	p.X.Tick.Marker = linearTicks()
	st := pal.of(c.Target)
	line := lineStyle(st.Color, 1.25)
	glyph := glyphOf(st)
	glyph.Radius = vg.Points(1.5)
	for _, xys := range success {
		p.Add(&plotter.Line{XYs: xys, LineStyle: line}, &plotter.Scatter{XYs: xys, GlyphStyle: glyph})
	}
	f.addLegend(results.TargetLabel(c)+" success rate", lineThumb{line: line, glyph: glyph})
	return p
}

// unlabelled returns a ticker with t's ticks and no labels.
func unlabelled(t plot.Ticker) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		ticks := t.Ticks(lo, hi)
		for i := range ticks {
			ticks[i].Label = ""
		}
		return ticks
	})
}

// oneLine replaces line breaks and tabs with single spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
