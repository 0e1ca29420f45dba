package results

import (
	"fmt"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/scenarios"
)

// µs is one microsecond in ns, for readable fixtures.
const µs = int64(1000)

// spread describes a deterministic latency distribution: count values
// evenly spaced over [fromNs, toNs], plus tail values recorded once each.
type spread struct {
	fromNs, toNs int64
	count        int64
	tailNs       []int64
}

// record records the distribution into a new histogram.
func (s spread) record(t testing.TB) *hdrhistogram.Histogram {
	t.Helper()
	h := engine.NewHistogram()
	for i := int64(0); i < s.count; i++ {
		v := s.fromNs
		if s.count > 1 {
			v += (s.toNs - s.fromNs) * i / (s.count - 1)
		}
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range s.tailNs {
		if err := h.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// fakeCell is the part of a fixture cell that differs between cells.
type fakeCell struct {
	id, target, scenario, loop string
	conns                      int
	targetRPS, achievedRPS     float64
	latency, service, lag      *spread
	errors                     map[string]int64
	serverCPU, clientCPU       float64
	rssBytes                   int64
	failure                    string
	warnings                   []string
	baseline                   bool
	backend                    string
}

// build turns a fakeCell into a Cell with encoded histograms and the
// statistics Summarize computes from them.
func (f fakeCell) build(t testing.TB) Cell {
	t.Helper()
	c := Cell{
		ID: f.id, Target: f.target, Scenario: f.scenario, Status: StatusOK,
		Baseline: f.baseline, Backend: f.backend,
		Load: LoadConfig{
			Loop: f.loop, Connections: f.conns, TargetRPS: f.targetRPS,
			Warmup: 5 * time.Second, Duration: 60 * time.Second, Timeout: 2 * time.Second,
			Scenario: map[string]string{"size": "10000"}, TargetAddr: "127.0.0.1:9000",
		},
		Stats: CellStats{
			Counts:      engine.Counts{Errors: errorCounts(f.errors), Measured: 60 * time.Second, LoopBusyPct: f.clientCPU / 2},
			AchievedRPS: f.achievedRPS, ServerCPUPct: f.serverCPU, ServerPeakRSS: f.rssBytes, ClientCPUPct: f.clientCPU,
		},
		Warnings: f.warnings,
	}
	for _, n := range f.errors {
		c.Stats.ErrorsTotal += n
	}
	if f.failure != "" {
		c.Status, c.Failure = StatusFailed, f.failure
	}
	c.Histograms.Latency, c.Stats.Latency = encodeSpread(t, f.latency)
	c.Histograms.ServiceTime, c.Stats.ServiceTime = encodeSpread(t, f.service)
	c.Histograms.Lag, c.Stats.Lag = encodeSpread(t, f.lag)
	c.Stats.Requests = c.Stats.Latency.Count
	return c
}

// encodeSpread records s and returns its encoding and Summary; a nil
// spread gives neither.
func encodeSpread(t testing.TB, s *spread) (string, Summary) {
	t.Helper()
	if s == nil {
		return "", Summary{}
	}
	h := s.record(t)
	enc, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return enc, Summarize(h)
}

// errorCounts returns the counts of m, keyed by class name.
func errorCounts(m map[string]int64) engine.ErrorCounts {
	var e engine.ErrorCounts
	for c := scenarios.ErrorClass(1); c < scenarios.NumErrorClasses; c++ {
		e[c] = m[c.String()]
	}
	return e
}

// fakeRun returns a fixed Run: two open-loop cells (one with errors and
// warnings), a closed-loop cell and a failed cell.
func fakeRun(t testing.TB) *Run {
	t.Helper()
	cells := []fakeCell{
		{
			id: "nginx-http-baseline-25k-r1", target: "nginx", scenario: "http-10k", loop: "open", baseline: true,
			conns: 10, targetRPS: 25000, achievedRPS: 24998.7,
			latency: &spread{fromNs: 150 * µs, toNs: 460 * µs, count: 9990, tailNs: []int64{700 * µs, 712 * µs, 718 * µs, 720 * µs, 731 * µs, 740 * µs, 800 * µs, 850 * µs, 900 * µs, 1020 * µs}},
			service: &spread{fromNs: 140 * µs, toNs: 440 * µs, count: 10000},
			lag:     &spread{fromNs: 2 * µs, toNs: 30 * µs, count: 10000},
			errors:  map[string]int64{}, serverCPU: 141.5, rssBytes: 12 << 20, clientCPU: 38.2,
		},
		{
			id: "go-tcp-proxy-http-25k-r1", target: "go-tcp-proxy", scenario: "http-10k-proxy", loop: "open", backend: "nginx",
			conns: 10, targetRPS: 25000, achievedRPS: 24990.1,
			latency:   &spread{fromNs: 200 * µs, toNs: 1510 * µs, count: 9990, tailNs: []int64{4910 * µs, 5000 * µs, 6000 * µs, 7000 * µs, 8000 * µs, 9000 * µs, 10000 * µs, 20000 * µs, 40000 * µs, 61000 * µs}},
			service:   &spread{fromNs: 190 * µs, toNs: 1400 * µs, count: 10000},
			lag:       &spread{fromNs: 3 * µs, toNs: 80 * µs, count: 10000},
			errors:    map[string]int64{"timeout": 3, "reset": 12, "connect": 0},
			serverCPU: 187.0, rssBytes: 31 << 20, clientCPU: 41.0,
			warnings: []string{"client lag p99 80.0µs above the 50µs threshold", "achieved rate 0.04% below target"},
		},
		{
			id: "rust-http-tunnel-http-max-r1", target: "rust-http-tunnel", scenario: "http-10k", loop: "closed",
			conns: 100, targetRPS: 0, achievedRPS: 46012.4,
			latency: &spread{fromNs: 1200 * µs, toNs: 3100 * µs, count: 10000},
			service: &spread{fromNs: 1200 * µs, toNs: 3100 * µs, count: 10000},
			errors:  map[string]int64{}, serverCPU: 199.2, rssBytes: 9 << 20, clientCPU: 97.5,
			warnings: []string{"client CPU 97.5% near saturation: the client may be the bottleneck"},
		},
		{
			id: "python-pproxy-http-25k-r1", target: "python-pproxy", scenario: "http-10k-proxy", loop: "open", backend: "nginx",
			conns: 10, targetRPS: 25000,
			failure: "target not ready after 10s: dial tcp 127.0.0.1:9000: connect: connection refused",
		},
	}
	run := &Run{
		Schema: SchemaVersion, Suite: "proxy", Complete: true,
		StartedAt: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC),
		EndedAt:   time.Date(2024, 5, 6, 8, 9, 10, 0, time.UTC),
		Env:       Environment{Hostname: "bench1", CPUModel: "Fake CPU", CPUCount: 8, Kernel: "6.1.0", GoVersion: "go1.26.8", ClientCPUs: "4-7", TargetCPUs: "2-3", BackendCPUs: "0-1"},
		Config:    RunConfig{Command: "suite", Args: []string{"scenarios/suites/proxy.yaml"}},
	}
	for _, f := range cells {
		run.Cells = append(run.Cells, f.build(t))
	}
	run.Cells = append(run.Cells, fakePaired(t))
	run.Cells[0] = withAttempts(run.Cells[0])
	run.Cells[1].Stats.Connect = &Summary{Count: 180, P50: 62 * µs, P99: 240 * µs}
	run.Cells[1].Stats.Handshake = &Summary{Count: 180, P50: 410 * µs, P99: 1900 * µs}
	run.Cells[1].Classes = []ClassStats{
		fakeClass(t, "/bytes/10000", spread{fromNs: 200 * µs, toNs: 900 * µs, count: 8990}, nil),
		fakeClass(t, "/delay/100ms/bytes/10000", spread{fromNs: 100_200 * µs, toNs: 101_500 * µs, count: 1000, tailNs: []int64{61000 * µs}},
			map[string]int64{"timeout": 3}),
	}
	return run
}

// fakePaired returns a paired cell: HAProxy, measured at once with its
// backend, 40 blocks of simulated latency, the proxy 30 µs slower.
func fakePaired(t testing.TB) Cell {
	t.Helper()
	c := fakeCell{id: "haproxy-http-proxy-vs-backend-2000rps-c10", target: "haproxy", scenario: "http-10k-proxy", loop: "open",
		backend: "nginx", conns: 10, targetRPS: 2000, achievedRPS: 1999.6,
		latency: &spread{fromNs: 140 * µs, toNs: 600 * µs, count: 4000},
		service: &spread{fromNs: 130 * µs, toNs: 580 * µs, count: 4000},
		lag:     &spread{fromNs: 1 * µs, toNs: 9 * µs, count: 4000},
		errors:  map[string]int64{}, serverCPU: 20.5, rssBytes: 8 << 20, clientCPU: 99}.build(t)
	pb, whole := simCell{blocks: 40, perBlock: 50, diffNs: 30e3, seed: 77}.run(t)
	p, err := pb.Result(whole[0], whole[1], 200, 7)
	if err != nil {
		t.Fatal(err)
	}
	p.Arms = [2]string{"nginx (backend)", "haproxy"}
	ref := fakeCell{achievedRPS: 1999.7}.build(t)
	ref.Histograms.Latency, ref.Stats.Latency = encodeHist(t, whole[0])
	c.Histograms.Latency, c.Stats.Latency = encodeHist(t, whole[1])
	ref.Stats.Requests, c.Stats.Requests = ref.Stats.Latency.Count, c.Stats.Latency.Count
	p.Reference = ArmFigures{Target: "nginx (backend)", Addr: "127.0.0.1:9001", Stats: ref.Stats, Histograms: ref.Histograms}
	c.Paired = &p
	c.Stats.StealPct = 2.4
	c.Noise = &CellNoise{Intervals: 40, StealMaxPct: fptr(11.5), ClientRunQueueMsPerS: fptr(3.25), TargetRunQueueMsPerS: fptr(12.5),
		WakeMeanUs: fptr(62), WakeMaxUs: fptr(4210),
		Worst: &WorstInterval{StartNs: 2_300_000_000, EndNs: 2_400_000_000, P99Us: 1840,
			Noise: IntervalNoise{StealPct: fptr(11.5), WakeMaxUs: fptr(4210)}}}
	return c
}

// withAttempts marks c as measured twice under --max-steal 10: the
// first attempt had too much steal.
func withAttempts(c Cell) Cell {
	c.Attempts = []Attempt{
		{Attempt: 1, Why: "steal 23.0% above --max-steal 10%", Status: StatusOK, StealPct: 23, AchievedRPS: 1990,
			Latency: Summary{P50: 310 * µs, P99: 9800 * µs}},
		{Attempt: 2, Counts: true, Why: "steal 2.4% within --max-steal 10%", Status: StatusOK, StealPct: 2.4, AchievedRPS: 1999.6,
			Latency: c.Stats.Latency},
	}
	return c
}

// encodeHist returns h's encoding and Summary.
func encodeHist(t testing.TB, h *hdrhistogram.Histogram) (string, Summary) {
	t.Helper()
	enc, err := EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	return enc, Summarize(h)
}

// fakeClass returns one request class of a mix with latency l.
func fakeClass(t testing.TB, name string, l spread, errs map[string]int64) ClassStats {
	t.Helper()
	c := ClassStats{Name: name, Errors: errorCounts(errs)}
	c.Histograms.Latency, c.Latency = encodeSpread(t, &l)
	c.Histograms.ServiceTime, c.ServiceTime = encodeSpread(t, &l)
	c.Requests = c.Latency.Count
	for _, n := range errs {
		c.ErrorsTotal += n
	}
	return c
}

// fakeRoundsRun returns a run of two targets over three rounds (one round
// of rust failed) and a max-throughput search.
func fakeRoundsRun(t testing.TB) *Run {
	t.Helper()
	run := &Run{Schema: SchemaVersion, Suite: "languages", Complete: true,
		StartedAt: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
	for round := 1; round <= 3; round++ {
		for _, target := range []string{"go", "rust"} {
			shift := int64(round) * 3 * µs
			if target == "rust" {
				shift -= 10 * µs
			}
			f := fakeCell{
				id: fmt.Sprintf("%s-echo-1000rps-c10-r%d", target, round), target: target, scenario: "echo", loop: "open",
				conns: 10, targetRPS: 1000, achievedRPS: 999 + float64(round)/10,
				latency: &spread{fromNs: 50*µs + shift, toNs: 90*µs + shift, count: 1000, tailNs: []int64{400*µs + shift}},
				service: &spread{fromNs: 45 * µs, toNs: 80 * µs, count: 1001},
				lag:     &spread{fromNs: 2 * µs, toNs: 9 * µs, count: 1001},
				errors:  map[string]int64{},
			}
			if target == "rust" && round == 2 {
				f.failure = "target rust exited unexpectedly"
			}
			c := f.build(t)
			c.Round = round
			run.Cells = append(run.Cells, c)
		}
	}
	run.Searches = []Search{{
		Target: "go", Scenario: "http", SLO: "p99=2ms", MaxErrorRate: 0.001, KneeRPS: 7250,
		Stopped: "converged: the knee is within 5% (passed 7250 rps, failed 7500 rps)",
		Steps: []SearchStep{
			{CellID: "go-findmax-s01-4000rps", TargetRPS: 4000, AchievedRPS: 3999, Pass: true},
			{CellID: "go-findmax-s02-8000rps", TargetRPS: 8000, AchievedRPS: 7301, Reason: "achieved 7301 of 8000 rps"},
			{CellID: "go-findmax-s03-7250rps", TargetRPS: 7250, AchievedRPS: 7249, Pass: true},
		},
	}}
	return run
}
