package results

import "fmt"

// A run that measures one server over several protocols (the protocols
// suite) gets a table that sets each protocol beside plain HTTP/1.1 on
// the same server and load: how much TLS, HTTP/2 or gRPC costs there.

// protocolOf names the protocol a cell speaks: http, https, h2c, h2,
// grpc or grpc-stream (with tls).
func protocolOf(c *Cell) string {
	tls := c.Load.Scenario["tls"] == "true"
	switch c.Scenario {
	case "http":
		if tls {
			return "https"
		}
		return "http"
	case "h2":
		if tls {
			return "h2"
		}
		return "h2c"
	case "grpc":
		p := "grpc"
		if c.Load.Scenario["method"] == "stream" {
			p += "-stream"
		}
		if tls {
			p += " (tls)"
		}
		return p
	}
	return ""
}

// protocolKey is a server and load whose cells compare across protocols.
type protocolKey struct{ target, load string }

// plainHTTP returns, per server and load, its plain HTTP/1.1 cell.
func plainHTTP(cells []Cell) map[protocolKey]*Cell {
	out := map[protocolKey]*Cell{}
	for i := range cells {
		c := &cells[i]
		if protocolOf(c) == "http" && c.Status == StatusOK && c.Paired == nil {
			out[protocolKey{c.Target, LoadLabel(c.Load)}] = c
		}
	}
	return out
}

// hasProtocols reports whether some server was measured over plain
// HTTP/1.1 and another protocol at the same load.
func hasProtocols(cells []Cell) bool {
	base := plainHTTP(cells)
	for i := range cells {
		c := &cells[i]
		if p := protocolOf(c); p != "" && p != "http" && base[protocolKey{c.Target, LoadLabel(c.Load)}] != nil {
			return true
		}
	}
	return false
}

// protocolsTable sets each protocol's cell beside plain HTTP/1.1 on the
// same server and load: its p50 and p99 and their ratios, and at a load
// without a rate (closed loop) the throughput's.
func protocolsTable(cells []Cell) Table {
	t := Table{Title: "Protocols against HTTP/1.1 on the same server",
		Columns: columns("target", "load", "protocol", "#p50 µs", "#× http p50", "#p99 µs", "#× http p99", "#achieved", "#× http rps"),
		Note: "Each protocol's cell beside the same server's plain HTTP/1.1 cell at the same load (× is protocol ÷ HTTP/1.1), " +
			"measured one after the other: a single run says nothing of how certain a ratio is (run it with --rounds). " +
			"In the closed loop (no rate) a multiplexed protocol keeps connections × streams requests in flight, HTTP/1.1 one per connection: " +
			"compare their throughput there, and their latency at a fixed rate."}
	base := plainHTTP(cells)
	for i := range cells {
		c := &cells[i]
		p := protocolOf(c)
		b := base[protocolKey{c.Target, LoadLabel(c.Load)}]
		if p == "" || p == "http" || b == nil || c.Status != StatusOK {
			continue
		}
		t.Rows = append(t.Rows, []string{c.Target, LoadLabel(c.Load), p,
			fmtMicros(float64(c.Stats.Latency.P50)), protocolRatio(float64(c.Stats.Latency.P50), float64(b.Stats.Latency.P50)),
			fmtMicros(float64(c.Stats.Latency.P99)), protocolRatio(float64(c.Stats.Latency.P99), float64(b.Stats.Latency.P99)),
			fmtRate(c.Stats.AchievedRPS), protocolRatio(c.Stats.AchievedRPS, b.Stats.AchievedRPS)})
	}
	return t
}

// protocolRatio formats a ÷ b with two decimals; noValue without b.
func protocolRatio(a, b float64) string {
	if b <= 0 {
		return noValue
	}
	return fmt.Sprintf("%.2f", a/b)
}
