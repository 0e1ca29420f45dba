// Package plottest builds deterministic fixture runs for the tests of the
// chart and report packages. Run has several targets, rate steps, rounds,
// a max-throughput search, per-second intervals, a proxy with its
// baseline, warnings and a failed cell; SlowDependencyRun has a slow
// dependency's delay steps with request classes, and a cell with faults;
// PairedRun has paired (duet) cells, both arms measured at once.
package plottest

import (
	"fmt"
	"math"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
)

// µs is one microsecond in ns.
const µs = 1000

// shape describes a deterministic latency distribution: count values from
// fromUs to toUs, denser at the low end (power curve), then a tail of
// tailCount values from toUs to tailToUs.
type shape struct {
	fromUs, toUs, tailToUs float64
	count, tailCount       int
}

// encode records the distribution and returns its encoding and Summary.
func (s shape) encode(tb testing.TB) (string, results.Summary) {
	tb.Helper()
	return encodeHist(tb, s.record(tb))
}

// record returns a histogram of the distribution.
func (s shape) record(tb testing.TB) *hdrhistogram.Histogram {
	tb.Helper()
	h := engine.NewHistogram()
	record := func(n int, from, to, power float64) {
		for i := 0; i < n; i++ {
			q := float64(i) / float64(max(n-1, 1))
			if err := h.RecordValue(int64((from + (to-from)*math.Pow(q, power)) * µs)); err != nil {
				tb.Fatal(err)
			}
		}
	}
	record(s.count, s.fromUs, s.toUs, 2)
	record(s.tailCount, s.toUs, s.tailToUs, 3)
	return h
}

// shifted returns s with us added to every value.
func (s shape) shifted(us float64) shape {
	return shape{fromUs: s.fromUs + us, toUs: s.toUs + us, tailToUs: s.tailToUs + us, count: s.count, tailCount: s.tailCount}
}

// scaled returns s with every value multiplied by f.
func (s shape) scaled(f float64) shape {
	return shape{fromUs: s.fromUs * f, toUs: s.toUs * f, tailToUs: s.tailToUs * f, count: s.count, tailCount: s.tailCount}
}

// cellSpec is the part of a fixture cell that differs between cells.
type cellSpec struct {
	target, scenario, load, loop, backend string
	baseline                              bool
	step, round, conns                    int
	rate, achieved                        float64
	latency                               shape
	cpuPct                                float64
	rssMiB                                int64
	clientCPU                             float64
	failure                               string
	warnings                              []string
	intervals                             int
	keepalive                             string
}

// id names a fixture cell like the engine does.
func (s cellSpec) id() string {
	id := fmt.Sprintf("%s-%s-%s", s.target, s.scenario, s.load)
	if s.baseline {
		id += "-baseline"
	}
	if s.step > 0 {
		id += fmt.Sprintf("-s%d", s.step)
	}
	if s.round > 0 {
		id += fmt.Sprintf("-r%d", s.round)
	}
	return id
}

// build turns a cellSpec into a Cell.
func (s cellSpec) build(tb testing.TB) results.Cell {
	tb.Helper()
	keepalive := s.keepalive
	if keepalive == "" {
		keepalive = "true"
	}
	c := results.Cell{
		ID: s.id(), Target: s.target, Scenario: s.scenario, Backend: s.backend, Baseline: s.baseline,
		Status: results.StatusOK, Round: s.round, Warnings: s.warnings,
		Load: results.LoadConfig{
			Loop: s.loop, Name: s.load, Step: s.step, Connections: s.conns, TargetRPS: s.rate,
			Warmup: 2 * time.Second, Duration: 10 * time.Second, Timeout: 5 * time.Second,
			Scenario:   map[string]string{"size": "10000", "keepalive": keepalive},
			ClientCPUs: "0", TargetCPUs: "1", TargetAddr: "127.0.0.1:9000",
		},
		Stats: results.CellStats{
			Counts:      engine.Counts{Measured: 10 * time.Second, LoopBusyPct: s.clientCPU / 2},
			AchievedRPS: s.achieved, ServerCPUPct: s.cpuPct, ServerPeakRSS: s.rssMiB << 20, ClientCPUPct: s.clientCPU,
		},
	}
	if s.loop == "open" {
		c.Load.Arrival, c.Load.Wait = "uniform", "spin"
	}
	if s.failure != "" {
		c.Status, c.Failure = results.StatusFailed, s.failure
		return c
	}
	c.Histograms.Latency, c.Stats.Latency = s.latency.encode(tb)
	c.Histograms.ServiceTime, c.Stats.ServiceTime = s.latency.scaled(0.9).encode(tb)
	c.Stats.Requests = c.Stats.Latency.Count
	for i := 0; i < s.intervals; i++ {
		iv := results.Interval{StartNs: int64(i) * int64(time.Second), EndNs: int64(i+1) * int64(time.Second)}
		if i != 2 { // the third second recorded nothing
			iv.Latency, _ = s.latency.scaled(1 + 0.15*float64(i%4)).encode(tb)
			iv.Completed = int64(math.Round(s.achieved))
		}
		c.Intervals = append(c.Intervals, iv)
	}
	return c
}

// Run returns the fixture run. It is the same on every call.
func Run(tb testing.TB) *results.Run {
	tb.Helper()
	base := shape{fromUs: 150, toUs: 700, tailToUs: 6000, count: 1980, tailCount: 20}
	run := &results.Run{
		Schema: results.SchemaVersion, Suite: "fixture <demo>", Complete: true,
		StartedAt: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC),
		EndedAt:   time.Date(2026, 11, 24, 12, 30, 0, 0, time.UTC),
		Env: results.Environment{
			Hostname: "bench1", CPUModel: "Fake CPU @ 3.0GHz", CPUCount: 2, Kernel: "6.1.0-fake",
			GoVersion: "go1.26.8", GitRevision: "0123456789ab",
			Toolchains: map[string]string{"rustc": "rustc 1.95.0", "java": "openjdk 17.0.15", "python3": "Python 3.11.7"},
			ClientCPUs: "0", TargetCPUs: "1", BackendCPUs: "1",
		},
		Config: results.RunConfig{Command: "suite", Args: []string{"suite", "scenarios/suites/fixture.yaml", "--rounds", "3"}},
	}
	var specs []cellSpec
	// Rate steps of http: go once per step, rust in three rounds.
	for step, rate := range []float64{10000, 15000, 20000} {
		f := 1 + 0.6*float64(step)
		specs = append(specs, cellSpec{
			target: "go", scenario: "http", load: "steps", loop: "open", step: step + 1, conns: 10,
			rate: rate, achieved: rate * 0.999, latency: base.scaled(f), cpuPct: 40 + 20*float64(step), rssMiB: 12, clientCPU: 30,
			intervals: map[bool]int{true: 6}[step == 2],
		})
		for round := 1; round <= 3; round++ {
			specs = append(specs, cellSpec{
				target: "rust", scenario: "http", load: "steps", loop: "open", step: step + 1, round: round, conns: 10,
				rate: rate, achieved: rate * (0.998 + 0.001*float64(round)), latency: base.scaled(0.8 * f * (0.95 + 0.05*float64(round))),
				cpuPct: 35 + 15*float64(step), rssMiB: 8, clientCPU: 30,
			})
		}
	}
	specs = append(specs,
		cellSpec{target: "java", scenario: "http", load: "steps", loop: "open", step: 1, conns: 10, rate: 10000, achieved: 9990,
			latency: base.scaled(1.3), cpuPct: 80, rssMiB: 160, clientCPU: 31,
			warnings: []string{"scheduling lag p99 250.0µs above 100µs: requests were sent late"}},
		cellSpec{target: "python", scenario: "http", load: "steps", loop: "open", step: 1, conns: 10, rate: 10000,
			failure: "target not ready after 10s: dial tcp 127.0.0.1:9000: connect: connection refused"},
		cellSpec{target: "go", scenario: "http", load: "max", loop: "closed", conns: 100, achieved: 42600,
			latency: base.scaled(4), cpuPct: 195, rssMiB: 14, clientCPU: 97.5, intervals: 5,
			warnings: []string{"client CPU 97.5% near saturation: the client may be the bottleneck"}},
		cellSpec{target: "rust", scenario: "http", load: "max", loop: "closed", conns: 100, achieved: 46000,
			latency: base.scaled(3.5), cpuPct: 198, rssMiB: 9, clientCPU: 95},
		cellSpec{target: "java", scenario: "http", load: "max", loop: "closed", conns: 50, achieved: 25900,
			latency: base.scaled(6), cpuPct: 199, rssMiB: 210, clientCPU: 70, keepalive: "false"},
		cellSpec{target: "nginx", scenario: "http", load: "proxied", loop: "open", baseline: true, conns: 10, rate: 10000, achieved: 10000,
			latency: base.scaled(0.7), cpuPct: 30, rssMiB: 5, clientCPU: 28},
		cellSpec{target: "go", scenario: "http-proxy", load: "proxied", loop: "open", backend: "nginx", conns: 10, rate: 10000, achieved: 9998,
			latency: base.scaled(1.1), cpuPct: 60, rssMiB: 11, clientCPU: 29},
		cellSpec{target: "rust", scenario: "http-proxy", load: "proxied", loop: "open", backend: "nginx", conns: 10, rate: 10000, achieved: 9999,
			latency: base.scaled(0.9), cpuPct: 50, rssMiB: 7, clientCPU: 29},
	)
	for _, s := range specs {
		run.Cells = append(run.Cells, s.build(tb))
	}
	run.Searches = []results.Search{{
		Target: "go", Scenario: "http", SLO: "p99=2ms", MaxErrorRate: 0.001, KneeRPS: 17500, Stopped: "converged within 5%",
		Steps: []results.SearchStep{
			{CellID: "go-http-steps-s1", TargetRPS: 10000, AchievedRPS: 9990, Pass: true},
			{CellID: "go-http-steps-s3", TargetRPS: 20000, AchievedRPS: 19980, Reason: "p99 above the SLO"},
		},
	}}
	return run
}
