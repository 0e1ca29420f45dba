package plottest

import (
	"math"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
)

// The paired fixture's window: blocks of a quarter second, each arm
// answering perBlock requests in each.
const (
	pairedBlocks   = 40
	pairedBlockNs  = int64(250 * time.Millisecond)
	pairedPerBlock = 250
	// pairedResamples is how many resamples the fixture's bootstrap draws.
	pairedResamples = results.BootstrapResamples
)

// pairedSpec is one paired cell of the fixture: its target (arm B) and
// reference (arm A), and what B adds to each request: diffUs, and extra
// times the request's own service time.
type pairedSpec struct {
	id, target, scenario, backend, reference string
	diffUs, extra                            float64
	seed                                     uint64
}

// PairedRun returns the fixture run of paired (duet) cells, both arms
// measured at once on one schedule: haproxy in front of its nginx
// backend, about 30 µs slower and more in the tail; and go paired with
// itself (an A/A cell), whose difference is not separable. Each cell has
// 40 blocks of a quarter second, a host stall in about one block of
// three that both arms meet, and arm B's intervals. It is the same on
// every call.
func PairedRun(tb testing.TB) *results.Run {
	tb.Helper()
	run := &results.Run{
		Schema: results.SchemaVersion, Suite: "paired", Complete: true,
		StartedAt: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC),
		EndedAt:   time.Date(2026, 12, 2, 10, 5, 0, 0, time.UTC),
		Env: results.Environment{
			Hostname: "bench1", CPUModel: "Fake CPU @ 3.0GHz", CPUCount: 8, Kernel: "6.1.0-fake",
			GoVersion: "go1.26.8", GitRevision: "0123456789ab",
			ClientCPUs: "0-3", TargetCPUs: "4-5", BackendCPUs: "6-7",
		},
		Config: results.RunConfig{Command: "suite", Args: []string{"suite", "scenarios/suites/paired.yaml"}},
	}
	for _, s := range []pairedSpec{
		{id: "haproxy-http-proxy-vs-backend-2000rps-c10", target: "haproxy", scenario: "http-proxy", backend: "nginx",
			reference: "nginx (backend)", diffUs: 30, extra: 0.15, seed: 7},
		{id: "go-http-vs-go-2000rps-c10", target: "go", scenario: "http", reference: "go", seed: 11},
	} {
		run.Cells = append(run.Cells, pairedCell(tb, s))
	}
	return run
}

// pairedCell simulates the window of s and builds its cell.
func pairedCell(tb testing.TB, s pairedSpec) results.Cell {
	tb.Helper()
	c := results.Cell{
		ID: s.id, Target: s.target, Scenario: s.scenario, Backend: s.backend, Status: results.StatusOK,
		Load: results.LoadConfig{
			Loop: "open", Connections: 10, TargetRPS: 2000, Arrival: "uniform", Wait: "spin", Loops: 1,
			Warmup: 2 * time.Second, Duration: 10 * time.Second, Timeout: 2 * time.Second,
			Scenario:   map[string]string{"size": "10000", "keepalive": "true"},
			ClientCPUs: "0-3", TargetCPUs: "4-5", BackendCPUs: "6-7", TargetAddr: "127.0.0.1:9000",
		},
		Stats: results.CellStats{Counts: engine.Counts{Measured: 10 * time.Second, LoopBusyPct: 20},
			AchievedRPS: 1999.6, ServerCPUPct: 20.5, ServerPeakRSS: 8 << 20, ClientCPUPct: 40},
	}
	pb, whole, intervals := simulatePaired(tb, s)
	p, err := pb.Result(whole[0], whole[1], pairedResamples, s.seed)
	if err != nil {
		tb.Fatal(err)
	}
	p.Arms = [2]string{s.reference, s.target}
	p.Reference = results.ArmFigures{Target: s.reference, Addr: "127.0.0.1:9001"}
	p.Reference.Histograms.Latency, p.Reference.Stats.Latency = encodeHist(tb, whole[0])
	p.Reference.Stats.Requests, p.Reference.Stats.AchievedRPS = p.Reference.Stats.Latency.Count, 1999.7
	c.Histograms.Latency, c.Stats.Latency = encodeHist(tb, whole[1])
	c.Histograms.ServiceTime, c.Stats.ServiceTime = c.Histograms.Latency, c.Stats.Latency
	c.Stats.Requests = c.Stats.Latency.Count
	c.Intervals = intervals
	c.Paired = &p
	return c
}

// simulatePaired returns the blocks of s's window, its arms' whole
// histograms and arm B's intervals, one a block.
func simulatePaired(tb testing.TB, s pairedSpec) (*results.PairedBlocks, [2]*hdrhistogram.Histogram, []results.Interval) {
	tb.Helper()
	rng := splitMix(s.seed)
	pb := results.NewPairedBlocks(pairedBlockNs)
	whole := [2]*hdrhistogram.Histogram{engine.NewHistogram(), engine.NewHistogram()}
	var intervals []results.Interval
	for b := range pairedBlocks {
		// The host's mood of this block: mostly quiet, at times a stall
		// that both arms meet.
		noiseUs := 0.0
		if rng.float() < 0.3 {
			noiseUs = rng.exp() * 250
		}
		startNs := int64(b) * pairedBlockNs
		for arm := range 2 {
			h := engine.NewHistogram()
			for range pairedPerBlock {
				serviceUs := 120 + rng.exp()*40
				v := serviceUs + noiseUs*rng.float()
				if arm == 1 {
					v += s.diffUs + s.extra*serviceUs
				}
				if err := h.RecordValue(int64(v * µs)); err != nil {
					tb.Fatal(err)
				}
			}
			pb.Add(arm, startNs, h)
			whole[arm].Merge(h)
			if arm == 1 {
				enc, err := results.EncodeHistogram(h)
				if err != nil {
					tb.Fatal(err)
				}
				intervals = append(intervals, results.Interval{StartNs: startNs, EndNs: startNs + pairedBlockNs,
					Latency: enc, Completed: pairedPerBlock})
			}
		}
	}
	return pb, whole, intervals
}

// splitMix is a SplitMix64 generator: the fixture's random numbers are
// the same on every Go release.
type splitMix uint64

// next returns the next 64 random bits.
func (s *splitMix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// float returns a number in [0, 1).
func (s *splitMix) float() float64 {
	return float64(s.next()>>11) / (1 << 53)
}

// exp returns an exponentially distributed number of mean 1.
func (s *splitMix) exp() float64 {
	return -math.Log(1 - s.float())
}
