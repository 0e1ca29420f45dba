package bench

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/scenarios/catalog"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

func TestNagleWarning(t *testing.T) {
	tests := []struct {
		name   string
		values map[time.Duration]int64 // service time → how many
		want   bool
	}{
		{name: "fast server", values: map[time.Duration]int64{60 * time.Microsecond: 10000, 2 * time.Millisecond: 50}},
		{name: "Nagle and delayed ACKs", values: map[time.Duration]int64{80 * time.Microsecond: 300, 41 * time.Millisecond: 500, 45 * time.Millisecond: 200}, want: true},
		{name: "a few stalls are not a mode", values: map[time.Duration]int64{60 * time.Microsecond: 10000, 42 * time.Millisecond: 30}},
		{name: "a slow server smears over the band", values: map[time.Duration]int64{25 * time.Millisecond: 400, 30 * time.Millisecond: 400, 40 * time.Millisecond: 150}},
		{name: "too few requests", values: map[time.Duration]int64{41 * time.Millisecond: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := engine.NewHistogram()
			for v, n := range tt.values {
				if err := h.RecordValues(int64(v), n); err != nil {
					t.Fatal(err)
				}
			}
			if got := nagleWarning(h); (got != "") != tt.want {
				t.Errorf("warning %q, want one: %v", got, tt.want)
			}
		})
	}
}

// A server that leaves Nagle's algorithm on and answers in two writes
// holds the second until the first is acknowledged, which the client's
// kernel delays by 40 ms: the warning names the cause.
func TestNagleIsRecognised(t *testing.T) {
	srv := scenariotest.Start(t, func(c net.Conn) {
		_ = c.(*net.TCPConn).SetNoDelay(false)
		buf := make([]byte, 64)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if _, err := c.Write(buf[:1]); err != nil {
				return
			}
			if _, err := c.Write(buf[1:n]); err != nil {
				return
			}
		}
	})
	sc, err := catalog.New(catalog.Spec{Name: "echo", Size: 64})
	if err != nil {
		t.Fatal(err)
	}
	pacer, err := engine.NewPacer("uniform", 200, 1)
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Run(context.Background(), engine.Options{Scenario: sc, Addrs: []string{srv.Addr()}, Connections: 4,
		Pacer: pacer, Duration: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if w := nagleWarning(res.Service); !strings.Contains(w, "TCP_NODELAY") {
		t.Errorf("no Nagle warning; service p50 %v p90 %v", time.Duration(res.Service.ValueAtQuantile(50)), time.Duration(res.Service.ValueAtQuantile(90)))
	}
}
