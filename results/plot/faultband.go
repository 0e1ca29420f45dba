package plot

import (
	"cmp"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/latbench/latbench/results"
)

// minBandWidth is the narrowest a fault band is drawn, so that a short
// fault stays visible.
const minBandWidth = 3 // points

// faultSpan is one fault's stretch of the measured window, in seconds.
type faultSpan struct {
	from, to float64
	label    string
}

// faultSpans returns the stretch of each fault: from its offset to its
// end, or, for a fault of no length (a backend killed and never
// restarted), to windowEnd.
func faultSpans(faults []results.FaultResult, windowEnd float64) []faultSpan {
	out := make([]faultSpan, 0, len(faults))
	for _, f := range faults {
		from := f.At.Seconds()
		to := from + f.For.Seconds()
		if f.For <= 0 {
			to = max(windowEnd, from)
		}
		out = append(out, faultSpan{from: from, to: to, label: faultLabel(f)})
	}
	return out
}

// faultLabel names a fault on its band: its kind, with the added delay
// of a slow backend ("slow-backend 200ms"), as written in the fault.
func faultLabel(f results.FaultResult) string {
	_, body, _ := strings.Cut(f.Fault, ":")
	body = oneLine(body)
	if before, _, ok := strings.Cut(body, " for "); ok {
		return before
	}
	return cmp.Or(f.Kind, body, "fault")
}

// faultBandColor is the translucent shade of a fault band.
func faultBandColor() color.Color {
	return color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0x26}
}

// faultEdgeColor is the colour of a fault band's edges and label.
func faultEdgeColor() color.Color {
	return color.NRGBA{R: 0xa3, G: 0x1d, B: 0x1e, A: 0xff}
}

// bandX returns the left and right edges of a span on c, at least
// minBandWidth apart.
func bandX(s faultSpan, c draw.Canvas, p *plot.Plot) (x0, x1 vg.Length) {
	trX, _ := p.Transforms(&c)
	x0, x1 = trX(s.from), trX(s.to)
	if x1-x0 < vg.Points(minBandWidth) {
		x1 = x0 + vg.Points(minBandWidth)
	}
	return max(x0, c.Min.X), min(x1, c.Max.X)
}

// faultBands is a plot.Plotter that shades each fault's stretch of the
// window across the whole height of the data area, edged by thin lines.
// Add it before the data, so that the lines stay on top.
type faultBands struct{ spans []faultSpan }

// Plot implements plot.Plotter.
func (b *faultBands) Plot(c draw.Canvas, p *plot.Plot) {
	edge := lineStyle(faultEdgeColor(), 0.75)
	for _, s := range b.spans {
		x0, x1 := bandX(s, c, p)
		if x1 <= x0 {
			continue
		}
		c.FillPolygon(faultBandColor(), rectangle(x0, c.Min.Y, x1, c.Max.Y))
		c.StrokeLine2(edge, x0, c.Min.Y, x0, c.Max.Y)
		c.StrokeLine2(edge, x1, c.Min.Y, x1, c.Max.Y)
	}
}

// faultLabels is a plot.Plotter that writes each fault's label at the top
// of its band, on a white box so that it stays readable over the lines;
// a label that would overlap an earlier one moves down a row, and one
// that would leave the data area ends at its band's right edge instead.
// Add it after the data.
type faultLabels struct{ spans []faultSpan }

// Plot implements plot.Plotter.
func (l *faultLabels) Plot(c draw.Canvas, p *plot.Plot) {
	sty := text.Style{Color: faultEdgeColor(), Font: sans(noteSize), YAlign: draw.YTop, Handler: p.TextHandler}
	pad, gap := vg.Points(2), vg.Points(3)
	// rowEnds holds, per row of labels, where its last label ends.
	var rowEnds []vg.Length
	for _, s := range l.spans {
		x0, x1 := bandX(s, c, p)
		size := sty.Rectangle(s.label).Size()
		lx := x0 + gap
		if lx+size.X+pad > c.Max.X {
			lx = max(x1-gap-size.X, c.Min.X+pad)
		}
		row := 0
		for row < len(rowEnds) && rowEnds[row]+gap > lx-pad {
			row++
		}
		if row == len(rowEnds) {
			rowEnds = append(rowEnds, 0)
		}
		rowEnds[row] = lx + size.X + pad
		ly := c.Max.Y - gap - vg.Length(row)*(size.Y+2*pad+vg.Points(1))
		c.FillPolygon(color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xe6}, rectangle(lx-pad, ly-size.Y-pad, lx+size.X+pad, ly+pad))
		c.FillText(sty, vg.Point{X: lx, Y: ly}, s.label)
	}
}

// rectangle returns the corners of an axis-aligned rectangle.
func rectangle(x0, y0, x1, y1 vg.Length) []vg.Point {
	return []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
}
