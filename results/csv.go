package results

import (
	"bytes"
	"strconv"
)

// renderCSV renders the figures table as CSV.
func renderCSV(run *Run) ([]byte, error) {
	var b bytes.Buffer
	t := FiguresTable(run)
	err := t.WriteCSV(&b)
	return b.Bytes(), err
}

// FiguresTable is one row per cell with every figure of the latency and
// cost tables as plain numbers (µs, rps, %, MiB), for spreadsheets. Rounds
// and baselines are columns, so every table can be rebuilt from it.
func FiguresTable(run *Run) Table {
	t := Table{Columns: columns("id", "target", "scenario", "backend", "baseline", "#round", "load", "#step", "loop",
		"#connections", "#target_rps", "#achieved_rps", "#requests", "#errors", "#unsent", "status",
		"#p50_us", "#p90_us", "#p99_us", "#p999_us", "#p9999_us", "#max_us", "#mean_us", "#stddev_us", "#tm999_us",
		"#service_p50_us", "#service_p99_us", "#lag_p50_us", "#lag_p99_us",
		"#server_cpu_pct", "#server_rss_mib", "#client_cpu_pct", "#loop_busy_pct", "#steal_pct")}
	t.Columns = append(t.Columns, columns(pairedCSVHeaders()...)...)
	for i := range run.Cells {
		t.Rows = append(t.Rows, append(csvRow(&run.Cells[i]), pairedCSV(run.Cells[i].Paired)...))
	}
	return t
}

// pairedCSVHeaders are the paired columns: the reference arm, and each
// difference (µs) and ratio with its interval.
func pairedCSVHeaders() []string {
	h := []string{"paired_with"}
	for _, kind := range []string{"diff", "ratio"} {
		for _, key := range []string{"p50", "p90", "p99", "p999"} {
			unit := ""
			if kind == "diff" {
				unit = "_us"
			}
			h = append(h, "#"+kind+"_"+key+unit, "#"+kind+"_"+key+"_ci_low"+unit, "#"+kind+"_"+key+"_ci_high"+unit)
		}
	}
	return h
}

// pairedCSV is a cell's paired columns; empty for a cell of one arm.
func pairedCSV(p *Paired) []string {
	out := make([]string, len(pairedCSVHeaders()))
	if p == nil || p.Blocks < 2 {
		if p != nil {
			out[0] = p.Reference.Target
		}
		return out
	}
	out = out[:0]
	out = append(out, p.Reference.Target)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, est := range []*PercentileEstimates{&p.DiffUs, &p.Ratio} {
		for _, key := range []string{"p50", "p90", "p99", "p999"} {
			e := est.at(key)
			out = append(out, f(e.Value), f(e.CILow), f(e.CIHigh))
		}
	}
	return out
}

// csvRow is one cell's row of the CSV table.
func csvRow(c *Cell) []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	us := func(ns int64) string { return f(float64(ns) / nsPerMicro) }
	usf := func(ns float64) string { return f(float64(int64(ns+0.5)) / nsPerMicro) }
	l, st := c.Stats.Latency, c.Stats
	return []string{c.ID, c.Target, c.Scenario, c.Backend, strconv.FormatBool(c.Baseline), strconv.Itoa(c.Round),
		c.Load.Name, strconv.Itoa(c.Load.Step), c.Load.Loop,
		strconv.Itoa(c.Load.Connections), f(c.Load.TargetRPS), f(st.AchievedRPS),
		strconv.FormatInt(st.Requests, 10), strconv.FormatInt(st.ErrorsTotal, 10), strconv.FormatInt(st.Unsent, 10), c.Status,
		us(l.P50), us(l.P90), us(l.P99), us(l.P999), us(l.P9999), us(l.Max), usf(l.Mean), usf(l.StdDev), usf(l.TrimMean),
		us(st.ServiceTime.P50), us(st.ServiceTime.P99), us(st.Lag.P50), us(st.Lag.P99),
		f(st.ServerCPUPct), f(float64(st.ServerPeakRSS) / bytesPerMiB), f(st.ClientCPUPct), f(st.LoopBusyPct), f(st.StealPct)}
}
