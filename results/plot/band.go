package plot

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// bandAlpha is the opacity of an interval's band, so that the lines and
// grid under it stay visible.
const bandAlpha = 0x40

// band is a plot.Plotter that shades the area between two lines, lo and
// hi, that share their x values: an interval along the x axis. Add it
// before the data, so that the lines stay on top.
type band struct {
	lo, hi plotter.XYs
	color  color.Color
}

// Plot implements plot.Plotter.
func (b *band) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	pts := make([]vg.Point, 0, len(b.lo)+len(b.hi))
	for _, xy := range b.hi {
		pts = append(pts, vg.Point{X: trX(xy.X), Y: trY(xy.Y)})
	}
	for i := len(b.lo) - 1; i >= 0; i-- {
		pts = append(pts, vg.Point{X: trX(b.lo[i].X), Y: trY(b.lo[i].Y)})
	}
	if len(pts) < 3 {
		return
	}
	c.FillPolygon(b.color, c.ClipPolygonXY(pts))
}

// bandColor returns the translucent shade of col for an interval's band.
func bandColor(col color.Color) color.Color {
	r, g, b, _ := col.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: bandAlpha}
}

// hLine is a plot.Plotter that draws a line across the data area at y.
type hLine struct {
	y     float64
	style draw.LineStyle
}

// Plot implements plot.Plotter.
func (l *hLine) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(l.y)
	if y < c.Min.Y || y > c.Max.Y {
		return
	}
	c.StrokeLine2(l.style, c.Min.X, y, c.Max.X, y)
}

// zeroLine returns a thin line at y = 0: no difference.
func zeroLine() *hLine {
	return &hLine{y: 0, style: lineStyle(colorInk(), 1)}
}
