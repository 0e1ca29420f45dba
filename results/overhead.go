package results

import (
	"fmt"
	"strings"
)

// BaselineOf returns the baseline cell that c's overhead is measured
// against: the cell that sent the same load to c's backend directly. It
// returns nil when c is not a proxy cell, or has no successful baseline.
func BaselineOf(cells []Cell, c *Cell) *Cell {
	if c.Backend == "" || c.Baseline {
		return nil
	}
	for i := range cells {
		b := &cells[i]
		if b.Baseline && b.Status == StatusOK && b.Target == c.Backend && b.Round == c.Round &&
			b.Scenario == strings.TrimSuffix(c.Scenario, "-proxy") &&
			sameLoad(b.Load, c.Load) {
			return b
		}
	}
	return nil
}

// sameLoad reports whether two cells ran the same load step.
func sameLoad(a, b LoadConfig) bool {
	return a.Name == b.Name && a.Step == b.Step && a.Loop == b.Loop &&
		a.TargetRPS == b.TargetRPS && a.Connections == b.Connections
}

// hasOverhead reports whether any cell has a baseline to compare with.
func hasOverhead(cells []Cell) bool {
	for i := range cells {
		if BaselineOf(cells, &cells[i]) != nil {
			return true
		}
	}
	return false
}

// overheadColumns describe the overhead table: per proxy cell, how much
// each latency percentile grew over its baseline, and its throughput as a
// share of the baseline's.
func overheadColumns(cells []Cell) []column {
	delta := func(pick func(Summary) int64) func(c *Cell) string {
		return func(c *Cell) string {
			b := BaselineOf(cells, c)
			if b == nil || c.Stats.Latency.Count == 0 || b.Stats.Latency.Count == 0 {
				return noValue
			}
			return fmtDelta(pick(c.Stats.Latency), pick(b.Stats.Latency))
		}
	}
	return append(identityColumns(),
		column{"rate rps", true, func(c *Cell) string { return fmtTargetRate(c.Load.TargetRPS) }},
		column{"+p50 µs", true, delta(func(s Summary) int64 { return s.P50 })},
		column{"+p90 µs", true, delta(func(s Summary) int64 { return s.P90 })},
		column{"+p99 µs", true, delta(func(s Summary) int64 { return s.P99 })},
		column{"+p99.9 µs", true, delta(func(s Summary) int64 { return s.P999 })},
		column{"rps vs base", true, ifMeasured(func(c *Cell) string {
			b := BaselineOf(cells, c)
			if b == nil || b.Stats.AchievedRPS == 0 {
				return noValue
			}
			return fmtPct(100*c.Stats.AchievedRPS/b.Stats.AchievedRPS) + "%"
		})},
	)
}

// overheadCells returns the cells that have a baseline, in run order.
func overheadCells(cells []Cell) []Cell {
	var out []Cell
	for i := range cells {
		if BaselineOf(cells, &cells[i]) != nil {
			out = append(out, cells[i])
		}
	}
	return out
}

// fmtDelta formats the growth from base to v, both in ns: "+55.1 (+29%)".
func fmtDelta(v, base int64) string {
	d := v - base
	sign := "+"
	if d < 0 {
		sign = "-"
		d = -d
	}
	pct := 0.0
	if base > 0 {
		pct = 100 * float64(v-base) / float64(base)
	}
	return fmt.Sprintf("%s%s (%+.0f%%)", sign, fmtMicros(float64(d)), pct)
}
