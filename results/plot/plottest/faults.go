package plottest

import (
	"math"
	"testing"
	"time"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios"
)

// faultSecond is one second of the fault cell: how much slower than usual
// its requests were (growth), how many ms the slow backend added, and how
// many of its 1,000 requests failed.
type faultSecond struct {
	growth  float64
	addedMs float64
	errors  int64
}

// faultSeconds returns the 25 seconds of the fault cell's window: a slow
// backend from 8 s to 12 s, one second to recover, then a killed backend
// from 16 s, restarted at 19 s, after which the tail stays high until the
// window ends.
func faultSeconds() []faultSecond {
	out := make([]faultSecond, 25)
	for i := range out {
		out[i] = faultSecond{growth: 1 + 0.1*float64(i%3)}
	}
	for i := 8; i < 12; i++ {
		out[i] = faultSecond{growth: 1, addedMs: 200}
	}
	out[12].growth = 4
	for i, e := range []int64{950, 1000, 1000, 300, 20, 5} {
		out[16+i] = faultSecond{growth: 6 - 0.5*float64(i), errors: e}
	}
	for i := 22; i < 25; i++ {
		out[i].growth = 3
	}
	return out
}

// faultCell builds a go proxy cell in front of nginx with two faults:
// "at 8s: slow-backend 200ms for 4s", from which it recovered a second
// after the fault's end, and "at 16s: kill-backend restart after 3s",
// from which it did not recover within the window.
func faultCell(tb testing.TB) results.Cell {
	tb.Helper()
	c := results.Cell{
		ID: "go-http-proxy-faults-1000rps-c300", Target: "go", Scenario: "http-proxy", Backend: "nginx", Status: results.StatusOK,
		Load: results.LoadConfig{
			Loop: "open", Name: "faults", Connections: 300, TargetRPS: 1000, Arrival: "uniform", Wait: "spin", Loops: 1,
			Warmup: 2 * time.Second, Duration: 25 * time.Second, Timeout: 2 * time.Second,
			Scenario:   map[string]string{"size": "100", "keepalive": "true"},
			ClientCPUs: "0-3", TargetCPUs: "4-5", BackendCPUs: "6-7", TargetAddr: "127.0.0.1:9000",
		},
		Stats: results.CellStats{Counts: engine.Counts{Measured: 25 * time.Second, LoopBusyPct: 12}, ServerCPUPct: 30, ServerPeakRSS: 14 << 20, ClientCPUPct: 25},
	}
	base := shape{fromUs: 150, toUs: 400, tailToUs: 2500, count: 990, tailCount: 10}
	total := engine.NewHistogram()
	for i, s := range faultSeconds() {
		iv := results.Interval{StartNs: int64(i) * int64(time.Second), EndNs: int64(i+1) * int64(time.Second), Completed: 1000, Errors: s.errors}
		if ok := 1000 - s.errors; ok > 0 {
			sh := base.scaled(s.growth).shifted(s.addedMs * 1000)
			sh.count, sh.tailCount = int(ok)*99/100, int(ok)-int(ok)*99/100
			h := sh.record(tb)
			total.Merge(h)
			iv.Latency, _ = encodeHist(tb, h)
		}
		c.Stats.FellDue += 1000
		c.Stats.ErrorsTotal += s.errors
		c.Intervals = append(c.Intervals, iv)
	}
	c.Histograms.Latency, c.Stats.Latency = encodeHist(tb, total)
	c.Histograms.ServiceTime, c.Stats.ServiceTime = c.Histograms.Latency, c.Stats.Latency
	c.Stats.Requests = c.Stats.Latency.Count
	c.Stats.Errors = engine.ErrorCounts{scenarios.ErrConnect: c.Stats.ErrorsTotal}
	c.Stats.Availability = float64(c.Stats.Requests) / float64(c.Stats.FellDue)
	c.Stats.AchievedRPS = math.Round(float64(c.Stats.Requests) / 25)
	baseline := int64(base.toUs * 1.1 * µs)
	c.Faults = []results.FaultResult{
		{
			Fault: "at 8s: slow-backend 200ms for 4s", Kind: "slow-backend", At: 8 * time.Second, For: 4 * time.Second,
			FellDue: 4000, Succeeded: 4000, Availability: 1, BaselineP99: baseline, Recovered: true, Recovery: time.Second,
		},
		{
			Fault: "at 16s: kill-backend restart after 3s", Kind: "kill-backend", At: 16 * time.Second, For: 3 * time.Second,
			FellDue: 3000, Succeeded: 50, Availability: 50.0 / 3000, BaselineP99: baseline,
		},
	}
	return c
}
