package plot

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/latbench/latbench/results"
)

// minCostSlots is the fewest bar slots a cost panel has room for.
const minCostSlots = 3

// costRow is one target's cost: its highest-throughput sampled cell.
type costRow struct {
	label string
	cell  *results.Cell
}

// costCharts returns the cost chart: server CPU and peak RSS per target,
// or nothing when no cell sampled its server.
func costCharts(run *results.Run, pal styles) []chartSpec {
	sampled := okCells(run.Cells, func(c *results.Cell) bool {
		return c.Stats.ServerCPUPct > 0 || c.Stats.ServerPeakRSS > 0
	})
	var rows []costRow
	for _, label := range labels(sampled) {
		var best *results.Cell
		for _, c := range sampled {
			if results.TargetLabel(c) == label && (best == nil || c.Stats.AchievedRPS > best.Stats.AchievedRPS) {
				best = c
			}
		}
		rows = append(rows, costRow{label: label, cell: best})
	}
	if len(rows) == 0 {
		return nil
	}
	title := "Cost per target at its highest throughput"
	cpu := costPanel("Server CPU", "CPU (%, 100 = one core)", rows, pal,
		func(c *results.Cell) float64 { return c.Stats.ServerCPUPct },
		func(v float64) string { return fmtNumber(roundSig(v, 3)) + "%" })
	rss := costPanel("Server peak RSS", "peak RSS (MiB)", rows, pal,
		func(c *results.Cell) float64 { return float64(c.Stats.ServerPeakRSS) / bytesPerMiB },
		func(v float64) string { return fmtNumber(roundSig(v, 3)) + " MiB" })
	f := newFigure(title)
	f.panels = append(f.panels, cpu, rss)
	return []chartSpec{{name: "cost", kind: KindCost, title: title, caption: costCaption(rows), fig: f}}
}

// costPanel draws one horizontal bar per row, first row on top.
func costPanel(title, xLabel string, rows []costRow, pal styles, value func(*results.Cell) float64, format func(float64) string) *plot.Plot {
	p := newPanel(title, xLabel, "")
	names := make([]string, len(rows))
	hb := &hbars{pal: pal, format: format}
	top := 0.0
	for i, r := range rows {
		names[len(rows)-1-i] = shorten(r.label, 20)
		v := value(r.cell)
		if !positive(v) {
			v = 0
		}
		hb.rows = append(hb.rows, hbar{y: float64(len(rows) - 1 - i), value: v, target: r.cell.Target})
		top = math.Max(top, v)
	}
	addGrid(p)
	p.NominalY(names...)
	// At least minCostSlots rows of room, so that one bar is not a slab.
	spare := float64(max(minCostSlots-len(rows), 0)) / 2
	p.Y.Min, p.Y.Max = -0.6-spare, float64(len(rows))-0.4+spare
	if top == 0 {
		top = 1
	}
	// Room right of the longest bar for its label.
	p.X.Min, p.X.Max = 0, top*1.3
	p.X.Tick.Marker = linearTicks()
	p.Add(hb)
	return p
}

// hbar is one horizontal bar.
type hbar struct {
	y, value float64
	target   string
}

// hbars is a plot.Plotter of horizontal bars from zero, each labelled
// with its value.
type hbars struct {
	rows   []hbar
	pal    styles
	format func(float64) string
}

// Plot implements plot.Plotter.
func (h *hbars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := text.Style{Color: colorInk(), Font: sans(noteSize), XAlign: draw.XLeft, YAlign: draw.YCenter, Handler: p.TextHandler}
	for _, r := range h.rows {
		y0, y1 := trY(r.y-0.3), trY(r.y+0.3)
		x0, x1 := trX(0), trX(r.value)
		if r.value > 0 {
			c.FillPolygon(h.pal.of(r.target).Color, c.ClipPolygonX([]vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}))
		}
		label := "not sampled"
		if r.value > 0 {
			label = h.format(r.value)
		}
		c.FillText(sty, vg.Point{X: x1 + vg.Points(3), Y: trY(r.y)}, label)
	}
}

// costCaption says what the cost chart shows and which cell each bar is.
func costCaption(rows []costRow) string {
	var b strings.Builder
	b.WriteString("Server CPU (100% = one core) and peak RSS of each target's process group, sampled during the measured window, " +
		"from each target's highest-throughput cell: ")
	for i, r := range rows {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s (%s)", r.label, r.cell.ID, loadDescription(r.cell))
	}
	b.WriteString(".")
	return b.String()
}
