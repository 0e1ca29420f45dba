package plot

import (
	"bytes"
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/latbench/latbench/results"
)

// Figure geometry and type sizes.
const (
	figWidth  = 8 * vg.Inch
	figHeight = 4.5 * vg.Inch
	pngDPI    = 96
	figMargin = 0.1 * vg.Inch
	figGap    = 0.15 * vg.Inch

	titleSize  = 14
	labelSize  = 11
	tickSize   = 10
	legendSize = 10
	noteSize   = 9

	// maxLegendLabel bounds a legend entry, in runes.
	maxLegendLabel = 28
)

// svgFontFamily replaces the SVG's bare font family, so that a viewer
// without the Liberation fonts falls back to the metric-compatible Arial.
const (
	svgFontFamilyIn  = "font-family:Liberation Sans;"
	svgFontFamilyOut = "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"
)

// figure is one chart: a title, one or more panels side by side (or
// stacked, when heights is set) and an optional legend in a column on
// the right, outside the data.
type figure struct {
	title  string
	panels []*plot.Plot
	// heights, when set, stacks the panels top to bottom, each as high as
	// its share of the sum, with their data areas' left and right edges
	// aligned so that they can share an x axis.
	heights []float64
	legend  plot.Legend
	// entries counts the legend's entries.
	entries int
}

// newFigure returns a figure with a title and an empty legend.
func newFigure(title string) *figure {
	l := plot.NewLegend()
	l.TextStyle.Font = sans(legendSize)
	l.Top, l.Left = true, true
	l.ThumbnailWidth = vg.Points(24)
	l.Padding = vg.Points(2)
	return &figure{title: title, legend: l}
}

// addLegend adds a legend entry.
func (f *figure) addLegend(label string, thumbs ...plot.Thumbnailer) {
	f.legend.Add(shorten(label, maxLegendLabel), thumbs...)
	f.entries++
}

// sans returns the sans-serif font at size points.
func sans(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// newPanel returns a plot with the figure's fonts, axis labels (which must
// carry their unit) and an optional panel title.
func newPanel(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(labelSize)
	p.Title.Padding = vg.Points(4)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(labelSize)
		a.Tick.Label.Font = sans(tickSize)
		a.Tick.Length = vg.Points(5)
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.Legend.TextStyle.Font = sans(legendSize)
	return p
}

// addGrid adds light grid lines at the labelled ticks.
func addGrid(p *plot.Plot) {
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{Y: 0xdd}
	g.Horizontal.Color = color.Gray{Y: 0xdd}
	p.Add(g)
}

// setLogY makes p's y axis logarithmic over [lo, hi], widened to nice
// values; values that are not positive are clamped.
func setLogY(p *plot.Plot, lo, hi float64) {
	p.Y.Scale = logScale{}
	p.Y.Tick.Marker = logTicks()
	p.Y.Min, p.Y.Max = niceLogRange(lo, hi)
}

// draw draws the figure on c: background, title, legend column, panels.
func (f *figure) draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	c = draw.Crop(c, figMargin, -figMargin, figMargin, -figMargin)
	if f.title != "" {
		sty := text.Style{Color: color.Black, Font: sans(titleSize), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
		title := fitText(sty, f.title, c.Size().X)
		c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y}, title)
		c.Max.Y -= sty.Rectangle(title).Size().Y + figGap/2
	}
	if f.entries > 0 {
		w := f.legend.Rectangle(c).Size().X
		lc := c
		lc.Min.X = c.Max.X - w
		lc.Max.Y -= figGap
		f.legend.Draw(lc)
		c.Max.X -= w + figGap
	}
	n := vg.Length(len(f.panels))
	if n == 0 {
		return
	}
	if len(f.heights) == len(f.panels) {
		f.drawStacked(c)
		return
	}
	width := (c.Size().X - figGap*(n-1)) / n
	for i, p := range f.panels {
		pc := c
		pc.Min.X = c.Min.X + vg.Length(i)*(width+figGap)
		pc.Max.X = pc.Min.X + width
		drawPanel(p, pc)
	}
}

// drawStacked draws the panels top to bottom on c.
func (f *figure) drawStacked(c draw.Canvas) {
	for i, pc := range f.stackedCanvases(c) {
		drawPanel(f.panels[i], pc)
	}
}

// stackedCanvases returns the canvas of each stacked panel on c: the
// i-th as high as its share of the heights, narrowed so that the data
// areas line up.
func (f *figure) stackedCanvases(c draw.Canvas) []draw.Canvas {
	total := 0.0
	for _, h := range f.heights {
		total += h
	}
	avail := c.Size().Y - figGap*vg.Length(len(f.panels)-1)
	canvases := make([]draw.Canvas, len(f.panels))
	top := c.Max.Y
	for i, h := range f.heights {
		pc := c
		pc.Max.Y = top
		pc.Min.Y = top - avail*vg.Length(h/total)
		top = pc.Min.Y - figGap
		canvases[i] = pc
	}
	alignDataAreas(f.panels, canvases)
	return canvases
}

// alignDataAreas narrows the canvases of stacked panels so that their
// data areas start and end at the same x: the panel with the widest
// y-axis labels sets the left edge.
func alignDataAreas(panels []*plot.Plot, canvases []draw.Canvas) {
	left, right := make([]vg.Length, len(panels)), make([]vg.Length, len(panels))
	var maxLeft, maxRight vg.Length
	for i, p := range panels {
		dc := dataCanvas(p, canvases[i])
		left[i], right[i] = dc.Min.X-canvases[i].Min.X, canvases[i].Max.X-dc.Max.X
		maxLeft, maxRight = max(maxLeft, left[i]), max(maxRight, right[i])
	}
	for i := range canvases {
		canvases[i].Min.X += maxLeft - left[i]
		canvases[i].Max.X -= maxRight - right[i]
	}
}

// save writes the figure as name.png and name.svg in dir.
func (f *figure) save(dir, name string) (pngPath, svgPath string, err error) {
	pngPath, svgPath = chartPaths(dir, name)
	png, err := f.png()
	if err != nil {
		return "", "", err
	}
	if err := results.WriteFileAtomic(pngPath, png); err != nil {
		return "", "", err
	}
	svg, err := f.svg()
	if err != nil {
		return "", "", err
	}
	if err := results.WriteFileAtomic(svgPath, svg); err != nil {
		return "", "", err
	}
	return pngPath, svgPath, nil
}

// png renders the figure as a PNG of figWidth × figHeight at pngDPI.
func (f *figure) png() (out []byte, err error) {
	defer recoverAs(&err, "png")
	img := vgimg.NewWith(vgimg.UseWH(figWidth, figHeight), vgimg.UseDPI(pngDPI))
	f.draw(draw.New(img))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("png: %w", err)
	}
	return buf.Bytes(), nil
}

// svg renders the figure as an SVG document whose text falls back to
// Arial where the Liberation fonts are missing.
func (f *figure) svg() (out []byte, err error) {
	defer recoverAs(&err, "svg")
	c := vgsvg.New(figWidth, figHeight)
	f.draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("svg: %w", err)
	}
	return bytes.ReplaceAll(buf.Bytes(), []byte(svgFontFamilyIn), []byte(svgFontFamilyOut)), nil
}

// recoverAs turns a panic of the drawing library into an error.
func recoverAs(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("render %s: %v", what, r)
	}
}

// shorten cuts s to at most n runes, ending in "…" when cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// fitText returns s, or s shortened to end in "…" so that it is at most
// width wide in sty.
func fitText(sty text.Style, s string, width vg.Length) string {
	for n := len([]rune(s)); n > 1 && sty.Width(s) > width; n-- {
		s = shorten(s, n-1)
	}
	return s
}

// lineStyle returns a line of the given colour, width in points and dash
// pattern (nil for solid).
func lineStyle(c color.Color, width float64, dashes ...vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(width), Dashes: dashes}
}

// swatch is a legend thumbnail: a filled box.
type swatch struct{ color color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	pad := (r.Max.Y - r.Min.Y) * 0.1
	pts := []vg.Point{
		{X: r.Min.X, Y: r.Min.Y + pad}, {X: r.Min.X, Y: r.Max.Y - pad},
		{X: r.Max.X, Y: r.Max.Y - pad}, {X: r.Max.X, Y: r.Min.Y + pad},
	}
	c.FillPolygon(s.color, pts)
}

// lineThumb is a legend thumbnail: a line, with a marker when glyph has a
// shape.
type lineThumb struct {
	line  draw.LineStyle
	glyph draw.GlyphStyle
}

// Thumbnail implements plot.Thumbnailer.
func (t lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(t.line, c.Min.X, y, c.Max.X, y)
	if t.glyph.Shape != nil {
		c.DrawGlyphNoClip(t.glyph, c.Center())
	}
}

// glyphOf returns the marker style of a target.
func glyphOf(st targetStyle) draw.GlyphStyle {
	return draw.GlyphStyle{Color: st.Color, Shape: st.Shape, Radius: vg.Points(3)}
}
