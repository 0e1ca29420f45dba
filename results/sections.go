package results

import (
	"fmt"
	"strings"
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

// roundsTable is the rounds table: per configuration, the median over
// its rounds of each figure with its 95% bootstrap confidence interval.
func roundsTable(cells []Cell) Table {
	t := Table{Title: "Over rounds: median [95% confidence interval]",
		Note:    "Intervals: sequential cells over rounds: a bootstrap of the median over the rounds, each round a cell of its own (measured one after the other, in a new shuffled order each round).",
		Columns: columns("target", "scenario", "loop", "#rate rps", "#rounds ok", "#achieved rps", "#p50 µs", "#p99 µs", "#p99.9 µs")}
	for _, g := range GroupRounds(cells) {
		c := g.First
		row := []string{TargetLabel(c), c.Scenario, loopLabel(c.Load), fmtTargetRate(c.Load.TargetRPS),
			fmt.Sprintf("%d/%d", len(g.Cells), len(g.Cells)+g.Failed)}
		for _, name := range []string{"rps", "p50", "p99", "p99.9"} {
			value := noValue
			if len(g.Cells) > 0 {
				value = fmtInterval(name, g.Estimate(figureValue(name)))
			}
			row = append(row, value)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// columns returns columns with the given headers; a header that starts
// with "#" is a numeric column's.
func columns(headers ...string) []Column {
	cols := make([]Column, len(headers))
	for i, h := range headers {
		cols[i] = Column{Header: strings.TrimPrefix(h, "#"), Numeric: strings.HasPrefix(h, "#")}
	}
	return cols
}

// searchTable is one max-throughput search: its steps, and the knee under
// them.
func searchTable(s Search) Table {
	t := Table{Title: fmt.Sprintf("Max-throughput search: %s %s, SLO %s, error budget %.3g%%", s.Target, s.Scenario, s.SLO, 100*s.MaxErrorRate),
		Columns: columns("#step", "#offered rps", "#achieved rps", "result")}
	for i, st := range s.Steps {
		verdict := "pass"
		if !st.Pass {
			verdict = "fail: " + st.Reason
		}
		t.Rows = append(t.Rows, []string{fmt.Sprint(i + 1), fmtRate(st.TargetRPS), fmtRate(st.AchievedRPS), verdict})
	}
	knee := "no rate passed"
	if s.KneeRPS > 0 {
		knee = fmtRate(s.KneeRPS) + " rps"
	}
	t.Note = fmt.Sprintf("Knee: %s (%s).", knee, oneLine(s.Stopped))
	return t
}

// hasClasses reports whether any cell has the request classes of a mix.
func hasClasses(cells []Cell) bool {
	for i := range cells {
		if len(cells[i].Classes) > 0 {
			return true
		}
	}
	return false
}

// classesTable is the table of request classes: per cell of a mix, each
// class's latency beside the others', so that the fast requests' tail
// can be read next to the slow ones'.
func classesTable(cells []Cell) Table {
	t := Table{Title: "Request classes (µs, latency from due time)",
		Columns: columns("target", "scenario", "load", "class", "#requests", "#errors", "#p50 µs", "#p90 µs", "#p99 µs", "#p99.9 µs", "#max µs")}
	for i := range cells {
		c := &cells[i]
		for _, cl := range c.Classes {
			l := cl.Latency
			row := []string{TargetLabel(c), c.Scenario, loadWithDelay(c.Load), cl.Name, fmtCount(cl.Requests), fmtCount(cl.ErrorsTotal)}
			for _, v := range []int64{l.P50, l.P90, l.P99, l.P999, l.Max} {
				row = append(row, fmtSummaryMicros(l, float64(v)))
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// hasAgents reports whether any cell is merged from agents.
func hasAgents(cells []Cell) bool {
	for i := range cells {
		if len(cells[i].Agents) > 0 {
			return true
		}
	}
	return false
}

// agentsTable is, per merged cell, each agent's own figures beside the
// merged ones: its requests, rate, p50 and p99, and how late it started.
func agentsTable(cells []Cell) Table {
	t := Table{Title: "Agents (their histograms merged exactly)",
		Columns: columns("cell", "#agent", "host", "#requests", "#errors", "#achieved", "#p50 µs", "#p99 µs", "#start skew µs")}
	for i := range cells {
		c := &cells[i]
		if len(c.Agents) == 0 {
			continue
		}
		for _, a := range c.Agents {
			t.Rows = append(t.Rows, []string{c.ID, fmt.Sprint(a.Index), a.Host, fmtCount(a.Requests), fmtCount(a.Errors),
				fmtRate(a.AchievedRPS), fmtMicros(float64(a.LatencyP50)), fmtMicros(float64(a.LatencyP99)), fmtMicros(float64(a.StartSkew))})
		}
		l := c.Stats.Latency
		t.Rows = append(t.Rows, []string{c.ID, "merged", noValue, fmtCount(c.Stats.Requests), fmtCount(c.Stats.ErrorsTotal),
			fmtRate(c.Stats.AchievedRPS), fmtMicros(float64(l.P50)), fmtMicros(float64(l.P99)), noValue})
	}
	return t
}
