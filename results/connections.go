package results

import "fmt"

// hasConnections reports whether any cell opened connections inside its
// window (a new connection per request, reconnects, TLS handshakes).
func hasConnections(cells []Cell) bool {
	for i := range cells {
		if cells[i].Stats.Connect != nil || cells[i].Stats.Handshake != nil {
			return true
		}
	}
	return false
}

// connectionsTable is how long the connections opened in each cell's
// window took to connect and to finish their TLS handshake: time that
// the latency of the requests that opened them includes.
func connectionsTable(cells []Cell) Table {
	t := Table{Title: "Connections opened in the window (µs)",
		Columns: columns("target", "scenario", "load", "#connects", "#connect p50", "#connect p99",
			"#handshakes", "#handshake p50", "#handshake p99"),
		Note: "Connect: from the connect call until the socket was connected. Handshake: the TLS handshake after it. " +
			"Both are inside the latency of the request that opened the connection, which counts from its due time."}
	for i := range cells {
		c := &cells[i]
		if c.Stats.Connect == nil && c.Stats.Handshake == nil {
			continue
		}
		row := []string{TargetLabel(c), c.Scenario, loadWithDelay(c.Load)}
		for _, s := range []*Summary{c.Stats.Connect, c.Stats.Handshake} {
			if s == nil {
				row = append(row, "0", noValue, noValue)
				continue
			}
			row = append(row, fmt.Sprint(s.Count), fmtMicros(float64(s.P50)), fmtMicros(float64(s.P99)))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
