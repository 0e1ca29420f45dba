// Package studytest builds a deterministic run of latbench's study suite
// for the tests of the study and report packages: nginx as the baseline
// and five of the study's six proxies (draft-http-tunnel is not
// installed), three rounds of two moderate steps, max load and two
// no-keep-alive steps, a failed cell or two, and a cell warned about
// TCP_NODELAY.
package studytest

import (
	"fmt"
	"math"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
)

// Machine is the fixture run's description of its machine.
const Machine = "2 CPUs: client on CPU 0, proxy and nginx share CPU 1; rates scaled by 0.4 " +
	"(the study: 8 CPUs, nginx 0-1, proxy 2-3, load 4-7)"

// Rounds is the number of rounds of the fixture run.
const Rounds = 3

// NagleWarning is latbench's warning about Nagle's algorithm, as the
// engine writes it for a cell with 15% of its service times in the band.
const NagleWarning = "15% of service times sit between 36 and 60 ms, the mark of Nagle's algorithm meeting delayed ACKs: " +
	"the target (or its link to its backend) looks like it does not set TCP_NODELAY; latbench's own sockets do"

// Point is Count values of Us microseconds.
type Point struct {
	Us    float64
	Count int64
}

// Dist is a latency distribution of a thousand values: 600 at P50Us,
// 300 at 1.3 × P50Us, then 90, 9 and 1 at the three tail values. Its
// p50, p90, p99 and p99.9 are P50Us, 1.3 × P50Us, P99Us and P999Us.
type Dist struct {
	P50Us, P99Us, P999Us, MaxUs float64
}

// Points returns the distribution's values.
func (d Dist) Points() []Point {
	return []Point{{d.P50Us, 600}, {1.3 * d.P50Us, 300}, {d.P99Us, 90}, {d.P999Us, 9}, {d.MaxUs, 1}}
}

// Scaled returns d with every value multiplied by f.
func (d Dist) Scaled(f float64) Dist {
	return Dist{P50Us: d.P50Us * f, P99Us: d.P99Us * f, P999Us: d.P999Us * f, MaxUs: d.MaxUs * f}
}

// Service returns the service times of d: what remains once the
// queueing behind a slow request is taken out, which is most of the tail.
func (d Dist) Service() Dist {
	return Dist{P50Us: 0.97 * d.P50Us, P99Us: 0.8 * d.P99Us, P999Us: 0.6 * d.P999Us, MaxUs: 0.5 * d.MaxUs}
}

// Histogram records points into a latbench histogram.
func Histogram(tb testing.TB, points ...Point) *hdrhistogram.Histogram {
	tb.Helper()
	h := engine.NewHistogram()
	for _, p := range points {
		if err := h.RecordValues(int64(math.Round(p.Us*1000)), p.Count); err != nil {
			tb.Fatal(err)
		}
	}
	return h
}

// Encode records points and returns the histogram's encoding and Summary.
func Encode(tb testing.TB, points ...Point) (string, results.Summary) {
	tb.Helper()
	h := Histogram(tb, points...)
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		tb.Fatal(err)
	}
	return enc, results.Summarize(h)
}

// Cell is the part of a fixture cell that differs between cells.
type Cell struct {
	Target, Load string
	// Connect makes a no-keep-alive cell (scenario connect); Baseline a
	// cell that talks to nginx directly.
	Connect, Baseline bool
	Step, Round       int
	RateRPS, Achieved float64
	Latency           Dist
	// Extra are values added to both latency and service time.
	Extra    []Point
	CPUPct   float64
	RSSMiB   int64
	Failure  string
	Warnings []string
}

// Build turns the spec into a results.Cell as latbench's engine writes it.
func (s Cell) Build(tb testing.TB) results.Cell {
	tb.Helper()
	c := results.Cell{
		Target: s.Target, Scenario: "http", Baseline: s.Baseline, Status: results.StatusOK, Round: s.Round, Warnings: s.Warnings,
		Load: results.LoadConfig{
			Loop: "closed", Name: s.Load, Step: s.Step, Connections: 10, TargetRPS: s.RateRPS,
			Warmup: 2 * time.Second, Duration: 8 * time.Second, Timeout: 5 * time.Second,
			Scenario:   map[string]string{"size": "10000", "reconnect_every": "50"},
			ClientCPUs: "0", TargetCPUs: "1", BackendCPUs: "1", TargetAddr: "127.0.0.1:9000",
		},
		Stats: results.CellStats{
			Counts: engine.Counts{Measured: 8 * time.Second}, AchievedRPS: s.Achieved,
			ServerCPUPct: s.CPUPct, ServerPeakRSS: s.RSSMiB << 20,
		},
	}
	s.shape(&c)
	c.ID = s.id(c)
	if s.Failure != "" {
		c.Status, c.Failure = results.StatusFailed, s.Failure
		return c
	}
	c.Histograms.Latency, c.Stats.Latency = Encode(tb, append(s.Latency.Points(), s.Extra...)...)
	c.Histograms.ServiceTime, c.Stats.ServiceTime = Encode(tb, append(s.Latency.Service().Points(), s.Extra...)...)
	c.Stats.Requests, c.Stats.FellDue, c.Stats.Availability = c.Stats.Latency.Count, c.Stats.Latency.Count, 1
	return c
}

// shape sets the scenario and load of the cell's shape.
func (s Cell) shape(c *results.Cell) {
	if s.RateRPS > 0 {
		c.Load.Loop, c.Load.Arrival, c.Load.Wait = "open", "uniform", "spin"
	}
	if s.Load == "max" {
		c.Load.Connections = 100
	}
	if s.Connect {
		c.Scenario = "connect"
		c.Load.Scenario = map[string]string{"size": "10000", "protocol": "http"}
	}
	if !s.Baseline {
		c.Scenario += "-proxy"
		c.Backend = "nginx"
	}
}

// id names the cell as latbench's plan does.
func (s Cell) id(c results.Cell) string {
	id := fmt.Sprintf("%s-%s-%s", s.Target, c.Scenario, s.Load)
	if s.Baseline {
		id = fmt.Sprintf("%s-%s-baseline-%s", s.Target, c.Scenario, s.Load)
	}
	if s.Step > 0 {
		id += fmt.Sprintf("-s%02d", s.Step)
	}
	rate := "max"
	if s.RateRPS > 0 {
		rate = fmt.Sprintf("%grps", s.RateRPS)
	}
	return fmt.Sprintf("%s-%s-c%d-r%d", id, rate, c.Load.Connections, s.Round)
}

// Run returns the fixture run. It is the same on every call.
func Run(tb testing.TB) *results.Run {
	tb.Helper()
	run := &results.Run{
		Schema: results.SchemaVersion, Suite: "study", Complete: true,
		StartedAt: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
		EndedAt:   time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
		Env: results.Environment{
			Hostname: "bench2", CPUModel: "Fake CPU @ 3.0GHz", CPUCount: 2, Kernel: "6.1.0-fake", GoVersion: "go1.26.8",
			GitRevision: "0123456789ab", ClientCPUs: "0", TargetCPUs: "1", BackendCPUs: "1",
		},
		Config: results.RunConfig{
			Command: "suite", Args: []string{"suite", "scenarios/suites/study.yaml", "--rounds", "3"},
			Options: map[string]string{"published": "study", "machine": Machine, "rounds": "3", "seed": "7"},
		},
	}
	for _, s := range Cells() {
		run.Cells = append(run.Cells, s.Build(tb))
	}
	return run
}

// Cells returns the specs of the fixture run's cells, in run order.
func Cells() []Cell {
	var out []Cell
	for round := 1; round <= Rounds; round++ {
		out = append(out, moderateCells(round)...)
		out = append(out, maxCells(round)...)
		out = append(out, noKeepAliveCells(round)...)
	}
	return out
}
