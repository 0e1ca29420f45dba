package results

import (
	"bytes"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table width budget: a table should fit in maxTableWidth terminal columns;
// each column costs its content plus columnOverhead (padding and border).
const (
	maxTableWidth  = 160
	columnOverhead = 3
	minStatusWidth = 12
)

// column is one table column: its header and how a cell fills it.
type column struct {
	header string
	// numeric columns are right-aligned.
	numeric bool
	value   func(c *Cell) string
}

// latencyColumns describe the latency table: one row per cell, what ran
// and its latency distribution in µs.
func latencyColumns() []column {
	lat := func(pick func(Summary) float64) func(c *Cell) string {
		return func(c *Cell) string {
			return fmtSummaryMicros(c.Stats.Latency, pick(c.Stats.Latency))
		}
	}
	return append(identityColumns(),
		column{"conns", true, func(c *Cell) string { return fmtCount(int64(c.Load.Connections)) }},
		column{"rate rps", true, func(c *Cell) string { return fmtTargetRate(c.Load.TargetRPS) }},
		achievedColumn(),
		column{"p50 µs", true, lat(func(s Summary) float64 { return float64(s.P50) })},
		column{"p90 µs", true, lat(func(s Summary) float64 { return float64(s.P90) })},
		column{"p99 µs", true, lat(func(s Summary) float64 { return float64(s.P99) })},
		column{"p99.9 µs", true, lat(func(s Summary) float64 { return float64(s.P999) })},
		column{"p99.99 µs", true, lat(func(s Summary) float64 { return float64(s.P9999) })},
		column{"max µs", true, lat(func(s Summary) float64 { return float64(s.Max) })},
		column{"tm99.9 µs", true, lat(func(s Summary) float64 { return s.TrimMean })},
		column{"stddev µs", true, lat(func(s Summary) float64 { return s.StdDev })},
	)
}

// costColumns describe the cost table: what each cell cost the server and
// the client, its errors by class and its status, cut to statusWidth
// runes.
func costColumns(statusWidth int) []column {
	return append(costColumnsNoStatus(),
		column{"status", false, func(c *Cell) string { return statusLabel(c, statusWidth) }},
	)
}

// costColumnsNoStatus are the cost table's columns before status.
func costColumnsNoStatus() []column {
	lag := func(pick func(Summary) float64) func(c *Cell) string {
		return func(c *Cell) string {
			return fmtSummaryMicros(c.Stats.Lag, pick(c.Stats.Lag))
		}
	}
	return append(identityColumns(),
		achievedColumn(),
		column{"srv cpu %", true, serverCPU},
		column{"srv rss MiB", true, func(c *Cell) string { return fmtMiB(c.Stats.ServerPeakRSS) }},
		column{"cli busy %", true, ifMeasured(func(c *Cell) string { return fmtPct(c.Stats.LoopBusyPct) })},
		column{"lag p50 µs", true, lag(func(s Summary) float64 { return float64(s.P50) })},
		column{"lag p99 µs", true, lag(func(s Summary) float64 { return float64(s.P99) })},
		column{"errors", false, ifMeasured(func(c *Cell) string { return errorClasses(c.Stats.Errors.NonZero()) })},
	)
}

// achievedColumn is the achieved request rate.
func achievedColumn() column {
	return column{"achieved", true, ifMeasured(func(c *Cell) string { return fmtRate(c.Stats.AchievedRPS) })}
}

// ifMeasured wraps a column value so that a cell which sent no request
// (one that failed before measuring) shows noValue instead of zeros.
func ifMeasured(value func(c *Cell) string) func(c *Cell) string {
	return func(c *Cell) string {
		if c.Stats.Requests == 0 && c.Stats.ErrorsTotal == 0 && c.Stats.Latency.Count == 0 {
			return noValue
		}
		return value(c)
	}
}

// statusWidthFor returns how many runes the status column may use so that
// the cost table stays within maxTableWidth, between minStatusWidth and
// maxStatusWidth.
func statusWidthFor(cells []Cell, markdown bool) int {
	room := maxTableWidth - gridWidth(cells, costColumnsNoStatus(), markdown) - columnOverhead
	return max(minStatusWidth, min(maxStatusWidth, room))
}

// gridWidth returns the display width of a rendered table of cols.
func gridWidth(cells []Cell, cols []column, markdown bool) int {
	width := 1 // the left border
	for _, col := range cols {
		w := twwidth.Width(cellText(col.header, markdown))
		for i := range cells {
			w = max(w, twwidth.Width(cellText(col.value(&cells[i]), markdown)))
		}
		width += w + columnOverhead
	}
	return width
}

// identityColumns are the leading columns of both tables.
func identityColumns() []column {
	return []column{
		{"target", false, TargetLabel},
		{"scenario", false, func(c *Cell) string { return c.Scenario }},
		{"loop", false, func(c *Cell) string { return loopLabel(c.Load) }},
	}
}

// TargetLabel names the cell's target as every table and chart shows it,
// marking a baseline.
func TargetLabel(c *Cell) string {
	if c.Baseline {
		return c.Target + " (baseline)"
	}
	return c.Target
}

// LoadLabel names a cell's load as the charts and reports show it: its
// name, or its offered rate when it has none.
func LoadLabel(l LoadConfig) string {
	switch {
	case l.Name != "":
		return l.Name
	case l.TargetRPS <= 0:
		return "max"
	}
	return fmtRate(l.TargetRPS) + " rps"
}

// loadWithDelay is LoadLabel, with the slow dependency's delay of a suite
// that steps through delays.
func loadWithDelay(l LoadConfig) string {
	if l.HasDependencyDelay {
		return LoadLabel(l) + ", dependency " + l.DependencyDelay.String()
	}
	return LoadLabel(l)
}

// serverCPU formats the server's CPU use, or noValue when the server was
// not sampled (no RSS either, as for a target latbench did not launch).
func serverCPU(c *Cell) string {
	if c.Stats.ServerCPUPct == 0 && c.Stats.ServerPeakRSS == 0 {
		return noValue
	}
	return fmtPct(c.Stats.ServerCPUPct)
}

// renderGrid renders one table of cells to a string, as a box-drawn text
// table or, when markdown is set, a Markdown table.
func renderGrid(cells []Cell, cols []column, markdown bool) (string, error) {
	rows := make([][]string, len(cells))
	numeric := make([]bool, len(cols))
	for i, c := range cols {
		numeric[i] = c.numeric
	}
	for i := range cells {
		rows[i] = rowOf(&cells[i], cols, markdown)
	}
	return renderStrings(headers(cols, markdown), rows, numeric, markdown)
}

// renderStrings renders a table of strings, numeric columns right-aligned,
// as a box-drawn text table or a Markdown table. Cells are used as given;
// callers make them one-line (cellText).
func renderStrings(header []string, rows [][]string, numeric []bool, markdown bool) (string, error) {
	var buf bytes.Buffer
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithAlignment(alignments(numeric)),
	}
	if markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	t := tablewriter.NewTable(&buf, opts...)
	t.Header(header)
	for _, row := range rows {
		if err := t.Append(row); err != nil {
			return "", err
		}
	}
	if err := t.Render(); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// alignments returns each column's alignment: numbers right, text left.
func alignments(numeric []bool) tw.Alignment {
	a := make(tw.Alignment, len(numeric))
	for i, n := range numeric {
		a[i] = tw.AlignLeft
		if n {
			a[i] = tw.AlignRight
		}
	}
	return a
}

// headers returns the column headers.
func headers(cols []column, markdown bool) []string {
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = cellText(c.header, markdown)
	}
	return h
}

// rowOf returns the table row of one cell.
func rowOf(c *Cell, cols []column, markdown bool) []string {
	row := make([]string, len(cols))
	for i, col := range cols {
		row[i] = cellText(col.value(c), markdown)
	}
	return row
}

// cellText makes s safe for one table cell: one line, never empty, and in
// Markdown with pipes escaped.
func cellText(s string, markdown bool) string {
	s = oneLine(s)
	if s == "" {
		s = noValue
	}
	if markdown {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	return s
}
