package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestThousands(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want string
	}{
		{name: "small", n: 10, want: "10"},
		{name: "three digits", n: 100, want: "100"},
		{name: "four digits", n: 1000, want: "1,000"},
		{name: "five digits", n: 10000, want: "10,000"},
		{name: "seven digits", n: 1234567, want: "1,234,567"},
		{name: "negative", n: -20000, want: "-20,000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := thousands(tt.n); got != tt.want {
				t.Errorf("thousands(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		name   string
		v      float64
		limit  float64
		atMost bool
		want   string
	}{
		{name: "below at most", v: 1.05, limit: 1.1, atMost: true, want: "met"},
		{name: "equal at most", v: 1.1, limit: 1.1, atMost: true, want: "met"},
		{name: "above at most", v: 1.2, limit: 1.1, atMost: true, want: "missed"},
		{name: "above at least", v: 1.2, limit: 1.0, atMost: false, want: "met"},
		{name: "below at least", v: 0.8, limit: 1.0, atMost: false, want: "missed"},
		{name: "not measured", v: math.NaN(), limit: 1.0, atMost: true, want: "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := verdict(tt.v, tt.limit, tt.atMost); got != tt.want {
				t.Errorf("verdict(%v, %v, %v) = %q, want %q", tt.v, tt.limit, tt.atMost, got, tt.want)
			}
		})
	}
}

func TestRatio(t *testing.T) {
	tests := []struct {
		name     string
		num, den stat
		want     float64 // NaN: missing
	}{
		{name: "both", num: stat{med: 3}, den: stat{med: 2}, want: 1.5},
		{name: "no denominator", num: stat{med: 3}, want: math.NaN()},
		{name: "no numerator", den: stat{med: 2}, want: math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ratio(tt.num, tt.den)
			if math.IsNaN(tt.want) != math.IsNaN(got) || (!math.IsNaN(got) && got != tt.want) {
				t.Errorf("ratio = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFmtCount(t *testing.T) {
	tests := []struct {
		name string
		s    stat
		want string
	}{
		{name: "nothing measured", s: stat{}, want: "-"},
		{name: "zero is a value", s: stat{n: 3}, want: "0 [0–0]"},
		{name: "spread", s: stat{med: 12, lo: 10, hi: 15, n: 3}, want: "12 [10–15]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmtCount(tt.s); got != tt.want {
				t.Errorf("fmtCount(%+v) = %q, want %q", tt.s, got, tt.want)
			}
		})
	}
}

// fakeSample is a sample of tool on workload with every metric set.
func fakeSample(tool, workload string) sample {
	p := map[float64]time.Duration{50: 50 * time.Microsecond, 90: 90 * time.Microsecond, 99: 99 * time.Microsecond, 99.9: time.Millisecond}
	return sample{job: job{Tool: tool, Workload: workload, Wall: time.Second},
		peerResult: peerResult{Requests: 1000, Percentiles: p, Service: map[float64]time.Duration{50: 40 * time.Microsecond, 99: 80 * time.Microsecond}},
		CPU:        10 * time.Millisecond, MaxRSS: 30e6}
}

// TestRenderFillsEveryGoal renders a report with every experiment measured
// and checks that every goal has a verdict.
func TestRenderFillsEveryGoal(t *testing.T) {
	r := &report{cfg: config{rounds: 1, duration: 10 * time.Second, before: "91f1895"}}
	for _, w := range openWorkloads {
		for _, rate := range openRates {
			for _, tool := range openTools() {
				r.reference = append(r.reference, fakeSample(tool, openLoad(w, rate)))
			}
		}
	}
	for _, c := range closedConns {
		r.throughput = append(r.throughput, fakeSample("wrk", closedLoad(c)), fakeSample("latbench", closedLoad(c)))
	}
	for _, c := range beforeConns {
		r.before = append(r.before, fakeSample(toolBefore, beforeLoad(c)), fakeSample(toolAfter, beforeLoad(c)))
	}
	for _, m := range memoryRuns(r.cfg.duration) {
		r.memory = append(r.memory, fakeSample("latbench", m.name))
	}
	r.addProtocolSamples()
	out := r.render()
	want := len(openWorkloads)*len(openRates)*len(latbenchOpenConns)*2 + len(closedConns)*2 + 2 + protocolVerdicts
	if got := strings.Count(out, "| met |") + strings.Count(out, "| missed |"); got != want {
		t.Errorf("%d verdicts, want %d:\n%s", got, want, out)
	}
	if strings.Contains(out, "Not measured") {
		t.Errorf("a section says it was not measured:\n%s", out)
	}
}

// protocolVerdicts is the number of goals of the protocol sections: two
// per HTTPS load, one per h2 and gRPC load, one per client and rate over
// TLS.
var protocolVerdicts = 2*len(tlsConns) + len(h2Loads()) + len(grpcLoads) + len(openRates)*len(latbenchOpenConns)

// addProtocolSamples gives every protocol experiment one sample of each
// tool and load, as round 1.
func (r *report) addProtocolSamples() {
	add := func(samples *[]sample, loads, tools []string) {
		for _, load := range loads {
			for _, tool := range tools {
				s := fakeSample(tool, load)
				s.Round, s.argv, s.StealPct = 1, []string{tool, "--load", load}, 2.5
				*samples = append(*samples, s)
			}
		}
	}
	add(&r.tls, tlsLoads(), []string{"wrk", "latbench"})
	add(&r.h2, h2LoadNames(), []string{"h2load", "latbench"})
	add(&r.grpc, grpcLoadNames(), []string{grpcPeerID, "latbench"})
	add(&r.tlsRef, tlsOpenLoads(), openTools())
	for i := range r.tlsRef {
		r.tlsRef[i].peerResult.RPS = float64(openRates[len(openRates)-1]) // every rate reached
	}
}

// TestRenderOnly renders the report of --only protocols: only the
// protocol sections, each with its goals and its commands.
func TestRenderOnly(t *testing.T) {
	only, err := parseOnly(protocolsGroup)
	if err != nil {
		t.Fatal(err)
	}
	r := &report{cfg: config{rounds: 1, duration: 10 * time.Second, clientCPUs: "0", only: only}}
	r.addProtocolSamples()
	out := r.render()
	if got := strings.Count(out, "| met |") + strings.Count(out, "| missed |"); got != protocolVerdicts {
		t.Errorf("%d verdicts, want %d:\n%s", got, protocolVerdicts, out)
	}
	for _, want := range []string{"Only these experiments ran (--only): tls, h2, grpc, tls-reference.", "## HTTPS", "## HTTP/2", "## gRPC unary",
		"## Open-loop latency over TLS", "taskset -c 0 h2load --load", "taskset -c 0 reference --load", "median 2.5% [2.5–2.5]"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"## Open-loop latency against the reference client", "## Client memory", "Not measured", "rate not reached"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("%q in the report of --only protocols:\n%s", unwanted, out)
		}
	}
}

// TestRenderRateNotReached checks that an open-loop load over TLS whose
// rate was not reached gets no verdict.
func TestRenderRateNotReached(t *testing.T) {
	r := &report{cfg: config{rounds: 1, duration: 10 * time.Second, only: map[string]bool{expTLSRef: true}}}
	r.addProtocolSamples()
	for i := range r.tlsRef {
		r.tlsRef[i].peerResult.RPS = float64(openRates[0]) // only the lowest rate reached
	}
	out := r.render()
	want := len(latbenchOpenConns) * (len(openRates) - 1)
	if got := strings.Count(out, "rate not reached"); got != want {
		t.Errorf("%d loads without a verdict, want %d:\n%s", got, want, out)
	}
}

// TestRenderProtocolsNotMeasured renders protocol sections that did not
// run: each says so, with no table.
func TestRenderProtocolsNotMeasured(t *testing.T) {
	only, err := parseOnly(protocolsGroup)
	if err != nil {
		t.Fatal(err)
	}
	r := &report{cfg: config{rounds: 1, duration: 10 * time.Second, only: only}}
	out := r.render()
	if got := strings.Count(out, "Not measured"); got != len(protocolIDs()) {
		t.Errorf("%d sections not measured, want %d:\n%s", got, len(protocolIDs()), out)
	}
	if strings.Contains(out, "|---") {
		t.Errorf("a table in a report with nothing measured:\n%s", out)
	}
}

func TestParseOnly(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // nil: all
		wantErr bool
	}{
		{name: "empty runs all", in: "", want: nil},
		{name: "one", in: "h2", want: []string{"h2"}},
		{name: "group", in: "protocols", want: []string{"tls", "h2", "grpc", "tls-reference"}},
		{name: "list with spaces", in: "memory, co", want: []string{"memory", "co"}},
		{name: "group and one", in: "protocols,reference", want: []string{"tls", "h2", "grpc", "tls-reference", "reference"}},
		{name: "unknown", in: "h3", wantErr: true},
		{name: "empty item", in: "h2,,grpc", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOnly(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tt.want == nil) || len(got) != len(tt.want) {
				t.Fatalf("parseOnly(%q) = %v, want %v", tt.in, got, tt.want)
			}
			for _, id := range tt.want {
				if !got[id] {
					t.Errorf("parseOnly(%q) = %v, want %v", tt.in, got, tt.want)
				}
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct {
		name string
		argv []string
		want string
	}{
		{name: "plain", argv: []string{"wrk", "-t1", "-c10", "https://127.0.0.1:40000/bytes/10000"}, want: "wrk -t1 -c10 https://127.0.0.1:40000/bytes/10000"},
		{name: "JSON", argv: []string{"ghz", "-d", `{"payload":"YWJj"}`}, want: `ghz -d '{"payload":"YWJj"}'`},
		{name: "quote inside", argv: []string{"echo", "it's"}, want: `echo 'it'\''s'`},
		{name: "empty argument", argv: []string{"x", ""}, want: "x ''"},
		{name: "spaces", argv: []string{"a b"}, want: "'a b'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shellQuote(tt.argv); got != tt.want {
				t.Errorf("shellQuote(%q) = %s, want %s", tt.argv, got, tt.want)
			}
		})
	}
}

func TestRateReached(t *testing.T) {
	at := func(tool string, requests int64) sample {
		return sample{job: job{Tool: tool, Workload: "w", Wall: time.Second}, peerResult: peerResult{Requests: requests}}
	}
	tests := []struct {
		name    string
		samples []sample
		want    string
	}{
		{name: "both", samples: []sample{at("a", 1000), at("b", 995)}, want: "yes"},
		{name: "one short", samples: []sample{at("a", 1000), at("b", 500)}, want: "no: b 500 rps"},
		{name: "median of rounds", samples: []sample{at("a", 1000), at("a", 400), at("a", 999), at("b", 1000)}, want: "yes"},
		{name: "not measured", samples: []sample{at("a", 1000)}, want: "no: b 0 rps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rateReached(tt.samples, "w", []string{"a", "b"}, 1000); got != tt.want {
				t.Errorf("rateReached = %q, want %q", got, tt.want)
			}
		})
	}
}
