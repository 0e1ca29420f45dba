package plot

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// gonum/plot pads a panel so that its y-axis label fits, but places the
// label's box at the linear midpoint of the axis range, which on a log
// axis lies near the top: the box then seems to overhang the panel, and
// the data area shrinks by up to half the label's length. For a panel
// with a log y axis, drawPanel and dataCanvas draw the label themselves,
// centred on the data area, and leave gonum a canvas without it.

// logYLabel returns the canvas that gonum gets for p within c and the y
// label drawn apart from it, "" when gonum draws the label itself.
func logYLabel(p *plot.Plot, c draw.Canvas) (draw.Canvas, string) {
	if _, ok := p.Y.Scale.(logScale); !ok || p.Y.Label.Text == "" {
		return c, ""
	}
	inner := c
	sty := p.Y.Label.TextStyle
	inner.Min.X += sty.Height(p.Y.Label.Text) + sty.FontExtents().Descent + p.Y.Label.Padding
	return inner, p.Y.Label.Text
}

// drawPanel draws p on c.
func drawPanel(p *plot.Plot, c draw.Canvas) {
	inner, label := logYLabel(p, c)
	if label == "" {
		p.Draw(c)
		return
	}
	p.Y.Label.Text = ""
	defer func() { p.Y.Label.Text = label }()
	dc := p.DataCanvas(inner)
	sty := p.Y.Label.TextStyle
	// As gonum does: the rotated label's baseline one line height in,
	// less the font's descent.
	x := c.Min.X + sty.Height(label) - sty.FontExtents().Descent
	sty.Rotation += math.Pi / 2
	c.FillText(sty, vg.Point{X: x, Y: dc.Center().Y}, label)
	p.Draw(inner)
}

// dataCanvas returns the data area that drawPanel gives p on c.
func dataCanvas(p *plot.Plot, c draw.Canvas) draw.Canvas {
	inner, label := logYLabel(p, c)
	if label == "" {
		return p.DataCanvas(c)
	}
	p.Y.Label.Text = ""
	defer func() { p.Y.Label.Text = label }()
	return p.DataCanvas(inner)
}
