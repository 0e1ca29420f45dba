package plottest

import (
	"fmt"
	"math"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios"
)

// delaysMs are the dependency's delays of SlowDependencyRun, in ms.
func delaysMs() []int { return []int{0, 10, 50, 200} }

// depTarget is one server of the slow-dependency fixture: how much its
// fast class's latency grows at each delay of delaysMs, and the share of
// the requests it answers there.
type depTarget struct {
	name         string
	growth       []float64
	availability []float64
	// intervalsAt is the delay (ms) of the cell that records per-second
	// intervals; -1 for none.
	intervalsAt int
}

// depTargets returns the servers of the fixture: two non-blocking ones
// that keep the fast requests fast, and two blocking ones whose threads
// the slow requests take.
func depTargets() []depTarget {
	return []depTarget{
		{name: "go", growth: []float64{1, 1.02, 1.05, 1.1}, availability: []float64{1, 1, 1, 1}, intervalsAt: -1},
		{name: "go-blocking", growth: []float64{1.1, 6, 60, 900}, availability: []float64{1, 1, 0.9995, 0.975}, intervalsAt: 200},
		{name: "rust", growth: []float64{0.85, 0.86, 0.88, 0.9}, availability: []float64{1, 1, 1, 1}, intervalsAt: -1},
		{name: "rust-blocking", growth: []float64{1, 4, 40, 600}, availability: []float64{1, 1, 1, 0.982}, intervalsAt: -1},
	}
}

// fastShape is the latency of the mix's fast class (90% of requests)
// with a dependency that does not wait.
func fastShape() shape {
	return shape{fromUs: 150, toUs: 400, tailToUs: 2500, count: 1782, tailCount: 18}
}

// slowShape is the latency of the mix's slow class (10% of requests)
// before the dependency's delay is added.
func slowShape() shape {
	return shape{fromUs: 150, toUs: 400, tailToUs: 2500, count: 198, tailCount: 2}
}

// SlowDependencyRun returns the fixture run of the slow-dependency
// experiment: http with a request mix of 90% GET /bytes/100 and 10% GET
// /delay/{delay}/bytes/100 at 1,000 rps, the dependency's delay stepped
// through delaysMs, against two non-blocking servers (go, rust) and two
// blocking ones (go-blocking, rust-blocking), every cell with its two
// request classes; then a go proxy cell with two faults, a slow backend
// and a killed one, whose intervals count errors. It is the same on every
// call.
func SlowDependencyRun(tb testing.TB) *results.Run {
	tb.Helper()
	run := &results.Run{
		Schema: results.SchemaVersion, Suite: "slow-dependency", Complete: true,
		StartedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
		EndedAt:   time.Date(2026, 12, 1, 9, 20, 0, 0, time.UTC),
		Env: results.Environment{
			Hostname: "bench1", CPUModel: "Fake CPU @ 3.0GHz", CPUCount: 8, Kernel: "6.1.0-fake",
			GoVersion: "go1.26.8", GitRevision: "0123456789ab",
			Toolchains: map[string]string{"rustc": "rustc 1.95.0"},
			ClientCPUs: "0-3", TargetCPUs: "4-5", BackendCPUs: "6-7",
		},
		Config: results.RunConfig{Command: "suite", Args: []string{"suite", "scenarios/suites/slow-dependency.yaml"}},
	}
	for i, ms := range delaysMs() {
		for _, t := range depTargets() {
			run.Cells = append(run.Cells, depCell(tb, t, i, ms))
		}
	}
	run.Cells = append(run.Cells, faultCell(tb))
	return run
}

// depCell builds the cell of target t at the i-th delay, ms long.
func depCell(tb testing.TB, t depTarget, i, ms int) results.Cell {
	tb.Helper()
	delay := time.Duration(ms) * time.Millisecond
	slowPath := fmt.Sprintf("/delay/%dms/bytes/100", ms)
	c := results.Cell{
		ID:     fmt.Sprintf("%s-http-dep%dms-moderate-1000rps-c50", t.name, ms),
		Target: t.name, Scenario: "http", Status: results.StatusOK,
		Load: results.LoadConfig{
			Loop: "open", Name: "moderate", Connections: 50, TargetRPS: 1000, Arrival: "uniform", Wait: "spin", Loops: 1,
			Warmup: 2 * time.Second, Duration: 10 * time.Second, Timeout: 2 * time.Second,
			Scenario:        map[string]string{"mix": "90:/bytes/100,10:" + slowPath, "keepalive": "true"},
			DependencyDelay: delay, HasDependencyDelay: true,
			ClientCPUs: "0-3", TargetCPUs: "4-5", TargetAddr: "127.0.0.1:9000",
		},
		Stats: results.CellStats{
			Counts:      engine.Counts{Measured: 10 * time.Second, LoopBusyPct: 12},
			AchievedRPS: 1000 * t.availability[i], ServerCPUPct: 20, ServerPeakRSS: 16 << 20, ClientCPUPct: 25,
		},
	}
	fast := fastShape().scaled(t.growth[i])
	slow := slowShape().scaled(t.growth[i]).shifted(float64(ms) * 1000)
	fh, fs := fast.record(tb), slow.record(tb)
	c.Classes = []results.ClassStats{classOf(tb, "/bytes/100", fh), classOf(tb, slowPath, fs)}
	total := engine.NewHistogram()
	total.Merge(fh)
	total.Merge(fs)
	c.Histograms.Latency, c.Stats.Latency = encodeHist(tb, total)
	c.Histograms.ServiceTime, c.Stats.ServiceTime = encodeHist(tb, total)
	c.Stats.Requests = c.Stats.Latency.Count
	c.Stats.FellDue = int64(math.Round(float64(c.Stats.Requests) / t.availability[i]))
	failed := c.Stats.FellDue - c.Stats.Requests
	c.Stats.Errors = engine.ErrorCounts{scenarios.ErrTimeout: failed}
	c.Stats.ErrorsTotal = failed
	c.Stats.Availability = t.availability[i]
	if failed > 0 {
		// The timeouts are the fast requests queued behind slow ones.
		c.Classes[0].Errors, c.Classes[0].ErrorsTotal = engine.ErrorCounts{scenarios.ErrTimeout: failed}, failed
	}
	if ms == t.intervalsAt {
		c.Intervals = depIntervals(tb, fast, t.availability[i])
	}
	return c
}

// classOf returns the figures of one request class.
func classOf(tb testing.TB, name string, h *hdrhistogram.Histogram) results.ClassStats {
	tb.Helper()
	cl := results.ClassStats{Name: name}
	cl.Histograms.Latency, cl.Latency = encodeHist(tb, h)
	cl.Histograms.ServiceTime, cl.ServiceTime = cl.Histograms.Latency, cl.Latency
	cl.Requests = cl.Latency.Count
	return cl
}

// depIntervals returns ten seconds of intervals whose latency follows s
// and of whose 1,000 completed requests the share 1-availability failed.
func depIntervals(tb testing.TB, s shape, availability float64) []results.Interval {
	tb.Helper()
	var out []results.Interval
	for i := range 10 {
		iv := results.Interval{StartNs: int64(i) * int64(time.Second), EndNs: int64(i+1) * int64(time.Second), Completed: 1000}
		iv.Errors = int64(math.Round(1000 * (1 - availability) * (0.5 + 0.1*float64(i%5))))
		iv.Latency, _ = s.scaled(0.9 + 0.05*float64(i%3)).encode(tb)
		out = append(out, iv)
	}
	return out
}

// encodeHist encodes h and summarises it.
func encodeHist(tb testing.TB, h *hdrhistogram.Histogram) (string, results.Summary) {
	tb.Helper()
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		tb.Fatal(err)
	}
	return enc, results.Summarize(h)
}
