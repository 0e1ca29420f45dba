package results

import (
	"bytes"
	"fmt"
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

// writeRounds writes the rounds table: per configuration, the median over
// its rounds of each figure with its 95% bootstrap confidence interval.
func writeRounds(b *bytes.Buffer, cells []Cell, markdown bool) error {
	header := []string{"target", "scenario", "loop", "rate rps", "rounds ok", "achieved rps", "p50 µs", "p99 µs", "p99.9 µs"}
	numeric := []bool{false, false, false, true, true, true, true, true, true}
	var rows [][]string
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
		rows = append(rows, row)
	}
	return writeTable(b, "Over rounds: median [95% confidence interval]", header, rows, numeric, markdown)
}

// writeTable writes a titled table of rows, each cell made one-line
// (cellText), numeric columns right-aligned.
func writeTable(b *bytes.Buffer, title string, header []string, rows [][]string, numeric []bool, markdown bool) error {
	for _, row := range rows {
		for j := range row {
			row[j] = cellText(row[j], markdown)
		}
	}
	grid, err := renderStrings(header, rows, numeric, markdown)
	if err != nil {
		return err
	}
	writeHeading(b, title, markdown)
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

// hasClasses reports whether any cell has the request classes of a mix.
func hasClasses(cells []Cell) bool {
	for i := range cells {
		if len(cells[i].Classes) > 0 {
			return true
		}
	}
	return false
}

// writeClasses writes the table of request classes: per cell of a mix,
// each class's latency beside the others', so that the fast requests'
// tail can be read next to the slow ones'.
func writeClasses(b *bytes.Buffer, cells []Cell, markdown bool) error {
	header := []string{"target", "scenario", "load", "class", "requests", "errors", "p50 µs", "p90 µs", "p99 µs", "p99.9 µs", "max µs"}
	numeric := []bool{false, false, false, false, true, true, true, true, true, true, true}
	var rows [][]string
	for i := range cells {
		c := &cells[i]
		for _, cl := range c.Classes {
			l := cl.Latency
			row := []string{TargetLabel(c), c.Scenario, loadWithDelay(c.Load), cl.Name, fmtCount(cl.Requests), fmtCount(cl.ErrorsTotal)}
			for _, v := range []int64{l.P50, l.P90, l.P99, l.P999, l.Max} {
				row = append(row, fmtSummaryMicros(l, float64(v)))
			}
			rows = append(rows, row)
		}
	}
	return writeTable(b, "Request classes (µs, latency from due time)", header, rows, numeric, markdown)
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

// writeAgents writes, per merged cell, each agent's own figures beside
// the merged ones: its requests, rate, p50 and p99, and how late it
// started.
func writeAgents(b *bytes.Buffer, cells []Cell, markdown bool) error {
	header := []string{"cell", "agent", "host", "requests", "errors", "achieved", "p50 µs", "p99 µs", "start skew µs"}
	numeric := []bool{false, true, false, true, true, true, true, true, true}
	var rows [][]string
	for i := range cells {
		c := &cells[i]
		if len(c.Agents) == 0 {
			continue
		}
		for _, a := range c.Agents {
			rows = append(rows, []string{c.ID, fmt.Sprint(a.Index), a.Host, fmtCount(a.Requests), fmtCount(a.Errors),
				fmtRate(a.AchievedRPS), fmtMicros(float64(a.LatencyP50)), fmtMicros(float64(a.LatencyP99)), fmtMicros(float64(a.StartSkew))})
		}
		l := c.Stats.Latency
		rows = append(rows, []string{c.ID, "merged", noValue, fmtCount(c.Stats.Requests), fmtCount(c.Stats.ErrorsTotal),
			fmtRate(c.Stats.AchievedRPS), fmtMicros(float64(l.P50)), fmtMicros(float64(l.P99)), noValue})
	}
	return writeTable(b, "Agents (their histograms merged exactly)", header, rows, numeric, markdown)
}
