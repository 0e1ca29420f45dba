package results

import (
	"bytes"
	"fmt"
	"strconv"
)

// hasRounds reports whether any cell is one round of a repeated cell.
func hasRounds(cells []Cell) bool {
	for i := range cells {
		if cells[i].Round > 0 {
			return true
		}
	}
	return false
}

// roundsColumns describe the rounds table: per configuration, the median
// over rounds of each figure with its 95% bootstrap confidence interval.
func roundsColumns(rows map[*Cell]Group) []column {
	est := func(metric func(*Cell) float64, micros bool) func(c *Cell) string {
		return func(c *Cell) string {
			g := rows[c]
			if len(g.Cells) == 0 {
				return noValue
			}
			e := g.Estimate(metric)
			if micros {
				return fmt.Sprintf("%s [%s–%s]", fmtMicros(e.Median), fmtMicros(e.Low), fmtMicros(e.High))
			}
			return fmt.Sprintf("%s [%s–%s]", fmtRate(e.Median), fmtRate(e.Low), fmtRate(e.High))
		}
	}
	lat := func(pick func(Summary) int64) func(*Cell) float64 {
		return func(c *Cell) float64 { return float64(pick(c.Stats.Latency)) }
	}
	return append(identityColumns(),
		column{"rate rps", true, func(c *Cell) string { return fmtTargetRate(c.Load.TargetRPS) }},
		column{"rounds ok", true, func(c *Cell) string {
			g := rows[c]
			return strconv.Itoa(len(g.Cells)) + "/" + strconv.Itoa(len(g.Cells)+g.Failed)
		}},
		column{"achieved rps", true, est(func(c *Cell) float64 { return c.Stats.AchievedRPS }, false)},
		column{"p50 µs", true, est(lat(func(s Summary) int64 { return s.P50 }), true)},
		column{"p99 µs", true, est(lat(func(s Summary) int64 { return s.P99 }), true)},
		column{"p99.9 µs", true, est(lat(func(s Summary) int64 { return s.P999 }), true)},
	)
}

// writeRounds writes the rounds table: medians with 95% confidence
// intervals over the rounds of each configuration.
func writeRounds(b *bytes.Buffer, cells []Cell, markdown bool) error {
	groups := GroupRounds(cells)
	rows := make(map[*Cell]Group, len(groups))
	firsts := make([]Cell, len(groups))
	for i, g := range groups {
		firsts[i] = *g.First
		rows[&firsts[i]] = g
	}
	grid, err := renderGrid(firsts, roundsColumns(rows), markdown)
	if err != nil {
		return err
	}
	writeHeading(b, "Over rounds: median [95% confidence interval]", markdown)
	b.WriteString(grid)
	b.WriteString("\n")
	return nil
}

// writeSearches writes each max-throughput search: its steps and the knee.
func writeSearches(b *bytes.Buffer, searches []Search, markdown bool) {
	for _, s := range searches {
		writeHeading(b, fmt.Sprintf("Max-throughput search: %s %s, SLO %s, error budget %.3g%%", s.Target, s.Scenario, s.SLO, 100*s.MaxErrorRate), markdown)
		if markdown {
			b.WriteString("| step | offered rps | achieved rps | result |\n|---:|---:|---:|:---|\n")
		}
		for i, st := range s.Steps {
			verdict := "pass"
			if !st.Pass {
				verdict = "fail: " + st.Reason
			}
			if markdown {
				fmt.Fprintf(b, "| %d | %s | %s | %s |\n", i+1, fmtRate(st.TargetRPS), fmtRate(st.AchievedRPS), cellText(verdict, true))
			} else {
				fmt.Fprintf(b, "  step %2d  %10s rps offered  %10s achieved  %s\n", i+1, fmtRate(st.TargetRPS), fmtRate(st.AchievedRPS), verdict)
			}
		}
		knee := "no rate passed"
		if s.KneeRPS > 0 {
			knee = fmtRate(s.KneeRPS) + " rps"
		}
		fmt.Fprintf(b, "\nKnee: %s (%s).\n\n", knee, oneLine(s.Stopped))
	}
}
