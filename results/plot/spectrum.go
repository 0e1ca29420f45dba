package plot

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/latbench/latbench/results"
)

// spectrumPointsPerDecade is how finely the spectrum samples 1/(1-p).
const spectrumPointsPerDecade = 20

// spectrumLine is one target's line of a percentile spectrum.
type spectrumLine struct {
	cell  *results.Cell
	label string
	pts   plotter.XYs
	// marks are the points at 0%, 90%, 99%, ...
	marks plotter.XYs
}

// spectrumCharts returns one percentile spectrum per scenario.
func spectrumCharts(run *results.Run, pal styles) []chartSpec {
	var out []chartSpec
	for _, scenario := range scenarios(run.Cells) {
		var lines []spectrumLine
		var skipped []string
		for _, candidates := range spectrumCandidates(run.Cells, scenario) {
			line, errs := firstDecodable(candidates)
			if line == nil {
				skipped = append(skipped, errs...)
				continue
			}
			lines = append(lines, *line)
		}
		if len(lines) == 0 {
			continue
		}
		title := "Latency by percentile: " + scenario
		out = append(out, chartSpec{
			kind:    KindSpectrum,
			name:    fileName("spectrum", scenario),
			title:   title,
			caption: spectrumCaption(scenario, lines, skipped),
			fig:     spectrumFigure(title, lines, pal),
		})
	}
	return out
}

// firstDecodable returns the line of the first candidate whose latency
// histogram decodes, or nil and why each candidate failed.
func firstDecodable(candidates []*results.Cell) (*spectrumLine, []string) {
	var errs []string
	for _, c := range candidates {
		h, err := decode(c.Histograms.Latency)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s (%v)", c.ID, err))
			continue
		}
		label := results.TargetLabel(c)
		if c.Load.Loop == loopClosed {
			label += " (closed)"
		}
		pts, marks := spectrumPoints(h)
		return &spectrumLine{cell: c, label: label, pts: pts, marks: marks}, nil
	}
	return nil, errs
}

// spectrumCandidates returns, per target of a scenario in sorted order,
// its cells from best to worst for the spectrum: open-loop cells before
// closed-loop ones, each by achieved rate, highest first. For a proxy
// scenario it adds the baseline of the first target's best cell that has
// one.
func spectrumCandidates(cells []results.Cell, scenario string) [][]*results.Cell {
	base := atSmallestDelay(cells)
	all := okCells(cells, func(c *results.Cell) bool {
		return c.Scenario == scenario && c.Histograms.Latency != "" && base(c)
	})
	var out [][]*results.Cell
	for _, label := range labels(all) {
		var mine []*results.Cell
		for _, c := range all {
			if results.TargetLabel(c) == label {
				mine = append(mine, c)
			}
		}
		slices.SortStableFunc(mine, func(a, b *results.Cell) int {
			switch {
			case better(a, b):
				return -1
			case better(b, a):
				return 1
			}
			return 0
		})
		out = append(out, mine)
	}
	for _, candidates := range out {
		b := results.BaselineOf(cells, candidates[0])
		if b == nil || b.Histograms.Latency == "" || slices.Contains(labels(all), results.TargetLabel(b)) {
			continue
		}
		return append(out, []*results.Cell{b})
	}
	return out
}

// better reports whether c is a better spectrum cell than best: open loop
// beats closed loop, then the higher achieved rate wins.
func better(c, best *results.Cell) bool {
	co, bo := c.Load.Loop == loopOpen, best.Load.Loop == loopOpen
	if co != bo {
		return co
	}
	return c.Stats.AchievedRPS > best.Stats.AchievedRPS
}

// spectrumPoints samples h at x = 1/(1-p) from 1 (p = 0) to the total
// count, spectrumPointsPerDecade points a decade, ending at the maximum.
// It also returns the points at each power of ten, for markers.
func spectrumPoints(h interface {
	ValueAtQuantile(float64) int64
	Min() int64
	Max() int64
	TotalCount() int64
}) (pts, marks plotter.XYs) {
	n := float64(h.TotalCount())
	low := math.Max(float64(h.Min())/nsPerMicro, minMicros)
	prev := low
	for k := 0; ; k++ {
		x := math.Pow(10, float64(k)/spectrumPointsPerDecade)
		if x >= n {
			break
		}
		y := math.Max(float64(h.ValueAtQuantile(100*(1-1/x)))/nsPerMicro, prev)
		prev = y
		pts = append(pts, plotter.XY{X: x, Y: y})
		if k%spectrumPointsPerDecade == 0 {
			marks = append(marks, plotter.XY{X: x, Y: y})
		}
	}
	maxY := math.Max(float64(h.Max())/nsPerMicro, prev)
	pts = append(pts, plotter.XY{X: math.Max(n, 1), Y: maxY})
	return pts, marks
}

// spectrumFigure draws the lines on a log-log percentile chart.
func spectrumFigure(title string, lines []spectrumLine, pal styles) *figure {
	f := newFigure(title)
	p := newPanel("", "percentile (%, on a log scale of 1/(1-p))", "latency (µs)")
	addGrid(p)
	lo, hi, maxX := math.Inf(1), math.Inf(-1), 100.0
	for _, l := range lines {
		for _, pt := range l.pts {
			lo, hi, maxX = math.Min(lo, pt.Y), math.Max(hi, pt.Y), math.Max(maxX, pt.X)
		}
	}
	for _, l := range lines {
		st := pal.of(l.cell.Target)
		ln := &plotter.Line{XYs: l.pts, LineStyle: lineStyle(st.Color, 1.75)}
		sc := &plotter.Scatter{XYs: l.marks, GlyphStyle: glyphOf(st)}
		p.Add(ln, sc)
		f.addLegend(l.label, lineThumb{line: ln.LineStyle, glyph: sc.GlyphStyle})
	}
	p.X.Scale = logScale{}
	p.X.Tick.Marker = percentileTicks()
	p.X.Min, p.X.Max = 1, math.Pow(10, math.Ceil(math.Log10(maxX)-1e-9))
	setLogY(p, lo, hi)
	p.X.Padding, p.Y.Padding = vg.Points(2), vg.Points(2)
	f.panels = append(f.panels, p)
	return f
}

// spectrumCaption says what a spectrum shows and which cell each line is.
func spectrumCaption(scenario string, lines []spectrumLine, skipped []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Latency at each percentile for scenario %s, one line per target "+
		"(latency from each request's due time; closed-loop lines show service time). "+
		"Markers sit at 0%%, 90%%, 99%%, 99.9%%, … "+
		"Where a target ran several loads, its line is its open-loop cell with the highest achieved rate, "+
		"or else its closed-loop cell: ", scenario)
	for i, l := range lines {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s (%s", results.TargetLabel(l.cell), l.cell.ID, loadDescription(l.cell))
		if l.cell.Scenario != scenario {
			fmt.Fprintf(&b, "; the proxies' baseline, from scenario %s", l.cell.Scenario)
		}
		b.WriteString(")")
	}
	b.WriteString(".")
	shown := make([]*results.Cell, len(lines))
	for i, l := range lines {
		shown[i] = l.cell
	}
	b.WriteString(delayNote(shown))
	if len(skipped) > 0 {
		fmt.Fprintf(&b, " Left out, without latency data: %s.", strings.Join(skipped, "; "))
	}
	return b.String()
}
