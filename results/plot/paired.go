package plot

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/latbench/latbench/results"
)

// pairedHow says how a paired cell measured its arms, in every caption of
// its charts; intervals over rounds say "sequential cells over rounds".
const pairedHow = "paired (both arms at once)"

// pairedCharts returns, for each paired cell with a difference (at least
// two blocks) in run order, at most maxOverTimeCharts cells, the
// difference of its arms over time and by percentile. A chart without
// data is left out.
func pairedCharts(run *results.Run, pal styles) []chartSpec {
	var cells []*results.Cell
	for i := range run.Cells {
		if p := run.Cells[i].Paired; p != nil && p.Blocks >= 2 {
			cells = append(cells, &run.Cells[i])
		}
	}
	var out []chartSpec
	for i, c := range cells {
		if i == maxOverTimeCharts {
			break
		}
		capped := ""
		if len(cells) > maxOverTimeCharts {
			capped = fmt.Sprintf(" Only the first %d of the run's %d paired cells are charted.", maxOverTimeCharts, len(cells))
		}
		for _, s := range []*chartSpec{pairedOverTimeChart(c, pal), pairedSpectrumChart(c, pal)} {
			if s != nil {
				s.caption += capped
				out = append(out, *s)
			}
		}
	}
	return out
}

// armNames returns the names of a paired cell's target (B) and reference
// (A).
func armNames(c *results.Cell) (b, a string) {
	p := c.Paired
	return cmp.Or(p.Arms[1], c.Target), cmp.Or(p.Arms[0], p.Reference.Target, "reference")
}

// pairedOverTimeChart returns the chart of a paired cell's difference
// block by block, or nil when it has fewer than two blocks.
func pairedOverTimeChart(c *results.Cell, pal styles) *chartSpec {
	segs := diffSegments(c.Paired.OverTime)
	n := 0
	for _, sg := range segs {
		n += len(sg.p50)
	}
	if n < 2 {
		return nil
	}
	b, a := armNames(c)
	title := "Paired difference over time: " + b + " − " + a
	return &chartSpec{
		name: fileName("paired-over-time", c.ID), kind: KindPairedOverTime, cell: c,
		title: title, caption: pairedOverTimeCaption(c, n), fig: pairedOverTimeFigure(title, c, segs, pal),
	}
}

// diffSegments returns B − A at p50 and p99 of each block, in µs, against
// the middle of the block in seconds, split where blocks are missing
// (a block where an arm answered nothing) so that lines do not bridge
// the gap.
func diffSegments(blocks []results.BlockFigures) []segment {
	var segs []segment
	for i, bl := range blocks {
		if i == 0 || bl.StartNs != blocks[i-1].EndNs {
			segs = append(segs, segment{})
		}
		x := float64(bl.StartNs+bl.EndNs) / 2 / nsPerSecond
		sg := &segs[len(segs)-1]
		sg.p50 = append(sg.p50, plotter.XY{X: x, Y: float64(bl.BP50-bl.AP50) / nsPerMicro})
		sg.p99 = append(sg.p99, plotter.XY{X: x, Y: float64(bl.BP99-bl.AP99) / nsPerMicro})
	}
	return segs
}

// pairedOverTimeFigure draws the difference of each block at p50 and
// p99 over the band of the window's p50 interval, and a line at 0.
func pairedOverTimeFigure(title string, c *results.Cell, segs []segment, pal styles) *figure {
	f := newFigure(title)
	p := newPanel("cell "+c.ID, "time into the measured window (s)", "latency difference B − A (µs)")
	addGrid(p)
	st := pal.of(c.Target)
	est := c.Paired.DiffUs.P50
	xhi := float64(c.Paired.OverTime[len(c.Paired.OverTime)-1].EndNs) / nsPerSecond
	p.Add(&band{
		lo:    plotter.XYs{{X: 0, Y: est.CILow}, {X: xhi, Y: est.CILow}},
		hi:    plotter.XYs{{X: 0, Y: est.CIHigh}, {X: xhi, Y: est.CIHigh}},
		color: bandColor(st.Color),
	}, zeroLine())
	addSegmentLines(f, p, segs, st, func(name string) string { return name + " of each block" })
	f.addLegend("p50 95% interval (window)", swatch{color: bandColor(st.Color)})
	ys := []float64{est.CILow, est.CIHigh}
	for _, sg := range segs {
		for i := range sg.p50 {
			ys = append(ys, sg.p50[i].Y, sg.p99[i].Y)
		}
	}
	setDiffY(p, ys)
	p.X.Min, p.X.Max = 0, xhi
	p.X.Tick.Marker = linearTicks()
	f.panels = append(f.panels, p)
	return f
}

// pairedOverTimeCaption says what a paired cell's difference over time
// shows; n is how many blocks it draws.
func pairedOverTimeCaption(c *results.Cell, n int) string {
	p := c.Paired
	var b strings.Builder
	b.WriteString(pairedLead(c))
	fmt.Fprintf(&b, " Each point is one of the window's %d bootstrap blocks of %s, at its middle: "+
		"the difference of the arms' p50 (solid) and p99 (dashed) in that block.", n, fmtBlock(p.BlockNs))
	if n < p.Blocks {
		fmt.Fprintf(&b, " %d blocks where an arm answered nothing are left out.", p.Blocks-n)
	}
	fmt.Fprintf(&b, " The shaded band is the whole window's 95%% interval of the p50 difference, %s. "+
		"The thin line marks 0, no difference. %s", fmtEstimate(p.DiffUs.P50), methodText(p))
	return b.String()
}

// pairedSpectrumChart returns the chart of a paired cell's difference by
// percentile, or nil when it has fewer than two percentiles.
func pairedSpectrumChart(c *results.Cell, pal styles) *chartSpec {
	pts := spectrumDiffs(c.Paired.Spectrum)
	if len(pts) < 2 {
		return nil
	}
	b, a := armNames(c)
	title := "Paired difference by percentile: " + b + " − " + a
	return &chartSpec{
		name: fileName("paired-spectrum", c.ID), kind: KindPairedSpectrum, cell: c,
		title: title, caption: pairedSpectrumCaption(c, pts), fig: pairedSpectrumFigure(title, c, pts, pal),
	}
}

// spectrumDiffs returns the spectrum's points that a percentile axis can
// show: from 0 to below 100.
func spectrumDiffs(spectrum []results.SpectrumPoint) []results.SpectrumPoint {
	var out []results.SpectrumPoint
	for _, sp := range spectrum {
		if sp.Percentile >= 0 && sp.Percentile < 100 {
			out = append(out, sp)
		}
	}
	return out
}

// pairedSpectrumFigure draws B − A at each percentile over the band of
// its intervals, and a line at 0, on the spectrum's percentile axis.
func pairedSpectrumFigure(title string, c *results.Cell, pts []results.SpectrumPoint, pal styles) *figure {
	f := newFigure(title)
	p := newPanel("cell "+c.ID, "percentile (%, on a log scale of 1/(1-p))", "latency difference B − A (µs)")
	addGrid(p)
	st := pal.of(c.Target)
	var mid, lo, hi plotter.XYs
	var ys []float64
	for _, sp := range pts {
		x := 1 / (1 - sp.Percentile/100)
		mid = append(mid, plotter.XY{X: x, Y: sp.DiffUs.Value})
		lo = append(lo, plotter.XY{X: x, Y: sp.DiffUs.CILow})
		hi = append(hi, plotter.XY{X: x, Y: sp.DiffUs.CIHigh})
		ys = append(ys, sp.DiffUs.Value, sp.DiffUs.CILow, sp.DiffUs.CIHigh)
	}
	p.Add(&band{lo: lo, hi: hi, color: bandColor(st.Color)}, zeroLine())
	ln := &plotter.Line{XYs: mid, LineStyle: lineStyle(st.Color, 1.75)}
	sc := &plotter.Scatter{XYs: mid, GlyphStyle: glyphOf(st)}
	p.Add(ln, sc)
	f.addLegend("difference B − A", lineThumb{line: ln.LineStyle, glyph: sc.GlyphStyle})
	f.addLegend("95% interval", swatch{color: bandColor(st.Color)})
	p.X.Scale = logScale{}
	p.X.Tick.Marker = percentileTicks()
	p.X.Min, p.X.Max = 1, math.Pow(10, math.Ceil(math.Log10(mid[len(mid)-1].X)-1e-9))
	setDiffY(p, ys)
	p.X.Padding, p.Y.Padding = vg.Points(2), vg.Points(2)
	f.panels = append(f.panels, p)
	return f
}

// pairedSpectrumCaption says what a paired cell's difference by
// percentile shows, and at which percentiles the arms are not separable.
func pairedSpectrumCaption(c *results.Cell, pts []results.SpectrumPoint) string {
	var held []string
	for _, sp := range pts {
		if !sp.DiffUs.Separable(false) {
			held = append(held, percentileName(sp.Percentile))
		}
	}
	var b strings.Builder
	b.WriteString(pairedLead(c))
	fmt.Fprintf(&b, " Markers are the percentiles estimated, from %s to %s; the shaded band is each one's 95%% interval. "+
		"The thin line marks 0, no difference: where the band holds it, the arms are %s at that percentile. ",
		percentileName(pts[0].Percentile), percentileName(pts[len(pts)-1].Percentile), results.NotSeparable)
	switch {
	case len(held) == 0:
		b.WriteString("Every interval excludes 0.")
	case len(held) == len(pts):
		fmt.Fprintf(&b, "Every interval holds 0: %s at any percentile.", results.NotSeparable)
	default:
		fmt.Fprintf(&b, "%s at %s.", strings.ToUpper(results.NotSeparable[:1])+results.NotSeparable[1:], strings.Join(held, ", "))
	}
	fmt.Fprintf(&b, " At p50: %s. %s", fmtEstimate(c.Paired.DiffUs.P50), methodText(c.Paired))
	return b.String()
}

// pairedLead is a paired chart caption's first sentence: what B − A is,
// of which cell, and how it was measured.
func pairedLead(c *results.Cell) string {
	b, a := armNames(c)
	return fmt.Sprintf("B − A, the latency of B, %s, minus that of A, %s, in paired cell %s (scenario %s, load %s, %s), "+
		"measured %s on one schedule, so that the host's noise falls on both arms alike.",
		b, a, c.ID, c.Scenario, results.LoadLabel(c.Load), loadDescription(c), pairedHow)
}

// methodText names the method of a paired cell's intervals.
func methodText(p *results.Paired) string {
	return "Interval method: " + cmp.Or(p.Method, results.PairedMethod) + "."
}

// fmtEstimate formats a difference with its interval as the paired
// tables do: "+30.1 µs [+28.0, +32.3]", "not separable" when it holds 0.
func fmtEstimate(e results.Estimate95) string {
	s := fmt.Sprintf("%s µs [%s, %s]", signedMicros(e.Value), signedMicros(e.CILow), signedMicros(e.CIHigh))
	if !e.Separable(false) {
		s += ", " + results.NotSeparable
	}
	return s
}

// signedMicros formats µs as the tables do, with a sign.
func signedMicros(us float64) string {
	s := results.FormatMicros(us * nsPerMicro)
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// percentileName names a percentile: "p50", "p99.9".
func percentileName(q float64) string {
	return "p" + strconv.FormatFloat(q, 'f', -1, 64)
}

// fmtBlock formats a block's length in seconds: "0.25 s".
func fmtBlock(ns int64) string {
	return strconv.FormatFloat(float64(ns)/nsPerSecond, 'f', -1, 64) + " s"
}

// setDiffY gives p a linear y axis that holds ys and 0, with a little
// room above and below.
func setDiffY(p *plot.Plot, ys []float64) {
	lo, hi := 0.0, 0.0
	for _, y := range ys {
		if !math.IsNaN(y) && !math.IsInf(y, 0) {
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		}
	}
	pad := 0.06 * (hi - lo)
	if pad == 0 {
		pad = 1
	}
	p.Y.Min, p.Y.Max = lo-pad, hi+pad
	p.Y.Tick.Marker = linearTicks()
}
