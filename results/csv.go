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
	for i := range run.Cells {
		t.Rows = append(t.Rows, csvRow(&run.Cells[i]))
	}
	return t
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
