package results

import (
	"strings"
	"testing"
)

// Each protocol's cell is set beside plain HTTP/1.1 on the same server
// and load; a protocol without such a cell gets no row.
func TestProtocolsTable(t *testing.T) {
	cell := func(target, scenario, load string, tls bool, p50Us, p99Us int64, rps float64, extra map[string]string) Cell {
		c := Cell{Target: target, Scenario: scenario, Status: StatusOK, Load: LoadConfig{Name: load, Scenario: map[string]string{}}}
		if tls {
			c.Load.Scenario["tls"] = "true"
		}
		for k, v := range extra {
			c.Load.Scenario[k] = v
		}
		c.Stats.Latency.P50, c.Stats.Latency.P99, c.Stats.AchievedRPS = p50Us*µs, p99Us*µs, rps
		return c
	}
	cells := []Cell{
		cell("go", "http", "moderate", false, 100, 1000, 2000, nil),
		cell("go", "http", "moderate", true, 150, 1500, 2000, nil),
		cell("go", "h2", "moderate", false, 120, 900, 2000, nil),
		cell("go", "grpc", "moderate", false, 200, 2000, 2000, map[string]string{"method": "stream"}),
		cell("rust", "grpc", "moderate", false, 90, 800, 2000, nil), // no plain HTTP/1.1 cell of rust
	}
	if !hasProtocols(cells) {
		t.Fatal("no protocols table for a server measured over several protocols")
	}
	var got []string
	for _, r := range protocolsTable(cells).Rows {
		got = append(got, strings.Join(r, " | "))
	}
	want := []string{
		"go | moderate | https | 150 | 1.50 | 1,500 | 1.50 | 2,000 | 1.00",
		"go | moderate | h2c | 120 | 1.20 | 900 | 0.90 | 2,000 | 1.00",
		"go | moderate | grpc-stream | 200 | 2.00 | 2,000 | 2.00 | 2,000 | 1.00",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if hasProtocols(cells[:1]) || hasProtocols(cells[4:]) {
		t.Error("a protocols table without two protocols of one server")
	}
}
