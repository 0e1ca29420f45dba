package results

import (
	"github.com/olekukonko/tablewriter/pkg/twwidth"
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
		w := twwidth.Width(cellString(col.header, markdown))
		for i := range cells {
			w = max(w, twwidth.Width(cellString(col.value(&cells[i]), markdown)))
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

// cellTable builds the table of cells with cols.
func cellTable(title string, cells []Cell, cols []column) Table {
	t := Table{Title: title}
	for _, c := range cols {
		t.Columns = append(t.Columns, Column{Header: c.header, Numeric: c.numeric})
	}
	for i := range cells {
		row := make([]string, len(cols))
		for j, col := range cols {
			row[j] = col.value(&cells[i])
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
