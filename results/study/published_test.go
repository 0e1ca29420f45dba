package study

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"
)

// TestPublishedFigures checks figures of every table against the
// published tables (/work/shared/study/published.md, from perf-gauge's
// examples/ folder).
func TestPublishedFigures(t *testing.T) {
	tests := []struct {
		name   string
		load   string
		system string
		figure func(Table, Row) float64
		want   float64
	}{
		{name: "Rust moderate p99 µs", load: LoadModerate, system: "Rust (http-tunnel)", figure: field(func(r Row) float64 { return r.P99 }), want: 594},
		{name: "baseline moderate p50 µs", load: LoadModerate, system: "Baseline (nginx)", figure: field(func(r Row) float64 { return r.P50 }), want: 190},
		{name: "Java moderate p99.99 µs", load: LoadModerate, system: "Java (NetCrusher)", figure: field(func(r Row) float64 { return r.P9999 }), want: 35100},
		{name: "Python moderate max µs", load: LoadModerate, system: "Python (pproxy)", figure: field(func(r Row) float64 { return r.Max }), want: 16630},
		{name: "nginx max rps", load: LoadMax, system: "Baseline (nginx)", figure: func(_ Table, r Row) float64 { return r.RPS() }, want: 60400},
		{name: "Go max rps", load: LoadMax, system: "Go (tcp-proxy)", figure: func(_ Table, r Row) float64 { return r.RPS() }, want: 42600},
		{name: "HAProxy max CPU %", load: LoadMax, system: "C (HAProxy)", figure: field(func(r Row) float64 { return r.CPUPct }), want: 90},
		{name: "C++ max p99.9 in ns", load: LoadMax, system: "C++ (draft-http-tunnel)", figure: func(t Table, r Row) float64 { return t.Ns(r.P999) }, want: 9.2e6},
		{name: "Java max max ms", load: LoadMax, system: "Java (NetCrusher)", figure: field(func(r Row) float64 { return r.Max }), want: 2850},
		{name: "Java no keep-alive p99 µs", load: LoadNoKeepAlive, system: "Java (NetCrusher)", figure: field(func(r Row) float64 { return r.P99 }), want: 52400},
		{name: "Java no keep-alive p99 in ns", load: LoadNoKeepAlive, system: "Java (NetCrusher)", figure: func(t Table, r Row) float64 { return t.Ns(r.P99) }, want: 52.4e6},
		{name: "Go no keep-alive stddev µs", load: LoadNoKeepAlive, system: "Go (tcp-proxy)", figure: field(func(r Row) float64 { return r.StdDev }), want: 634},
		{name: "Python no keep-alive tm99 µs", load: LoadNoKeepAlive, system: "Python (pproxy)", figure: field(func(r Row) float64 { return r.TM99 }), want: 4150},
	}
	d := mustPublished(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, ok := d.Table(tt.load)
			if !ok {
				t.Fatalf("no table for load %q", tt.load)
			}
			row, ok := table.Row(tt.system)
			if !ok {
				t.Fatalf("table %s has no row %q", table.Shape, tt.system)
			}
			if got := tt.figure(table, row); !near(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// field reads a figure of a row, ignoring the table.
func field(f func(Row) float64) func(Table, Row) float64 {
	return func(_ Table, r Row) float64 { return f(r) }
}

// TestPublishedRoundTrip checks that the typed data holds every field of
// the file: encoded again, it decodes to the same JSON values.
func TestPublishedRoundTrip(t *testing.T) {
	d := mustPublished(t)
	again, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal(publishedJSON, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("published.json does not round-trip:\n got %s\nwant %s", again, publishedJSON)
	}
	var d2 Data
	dec := json.NewDecoder(bytes.NewReader(again))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d2); err != nil || !reflect.DeepEqual(&d2, d) {
		t.Errorf("typed data does not round-trip (%v)", err)
	}
}

func TestSystems(t *testing.T) {
	d, err := Published()
	if err != nil {
		t.Fatal(err)
	}
	systems := d.Systems
	want := map[string]string{
		"Baseline (nginx)": "nginx", "C (HAProxy)": "haproxy", "C++ (draft-http-tunnel)": "draft-http-tunnel",
		"Rust (http-tunnel)": "http-tunnel", "Go (tcp-proxy)": "go-tcp-proxy", "Java (NetCrusher)": "netcrusher", "Python (pproxy)": "pproxy",
	}
	got := map[string]string{}
	for i, s := range systems {
		got[s.Name] = s.Target
		if s.Baseline != (i == 0) {
			t.Errorf("system %d %s: baseline %t", i, s.Name, s.Baseline)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("systems map to %v, want %v", got, want)
	}
}

func TestTables(t *testing.T) {
	tests := []struct {
		name              string
		load, shape, file string
		unit, scenario    string
		loop              string
		hasRPS            bool
	}{
		{name: "moderate", load: LoadModerate, shape: "moderate", file: "moderate-tps.md", unit: "µs", scenario: "http", loop: "open"},
		{name: "max", load: LoadMax, shape: "max", file: "max-tps.md", unit: "ms", scenario: "http", loop: "closed", hasRPS: true},
		{name: "no keep-alive", load: LoadNoKeepAlive, shape: "no keep-alive", file: "no-keepalive.md", unit: "µs", scenario: "connect", loop: "open"},
	}
	d := mustPublished(t)
	if len(d.Tables) != len(tests) {
		t.Errorf("%d tables, want %d", len(d.Tables), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, ok := d.Table(tt.load)
			if !ok {
				t.Fatal("no table")
			}
			if tb.Shape != tt.shape || tb.File != tt.file || tb.LatencyUnit != tt.unit || tb.Latbench.Scenario != tt.scenario ||
				tb.Latbench.Loop != tt.loop || !tb.Latbench.Proxy {
				t.Errorf("table %+v", tb)
			}
			if !slices.Contains(d.Source.Files, tt.file) {
				t.Errorf("source files %v lack %s", d.Source.Files, tt.file)
			}
			for _, r := range tb.Rows {
				if (r.RPSThousands > 0) != tt.hasRPS || (r.CPUPct > 0) != tt.hasRPS {
					t.Errorf("row %s: rps %v, cpu %v", r.System, r.RPSThousands, r.CPUPct)
				}
			}
		})
	}
}

func TestSetup(t *testing.T) {
	d := mustPublished(t)
	s := d.Setup
	if s.Cpusets != (Cpusets{Backend: "0-1", Proxy: "2-3", Load: "4-7"}) || s.CPUs != 8 {
		t.Errorf("cpusets %+v on %d CPUs", s.Cpusets, s.CPUs)
	}
	if s.Backend.KeepaliveRequests != 50 || s.Backend.FileBytes != 10000 || s.StepSeconds != 60 || s.RunsPerFigure != 1 {
		t.Errorf("setup %+v", s)
	}
	if d.Source.Repository != "github.com/xnuter/perf-gauge" || d.Source.Folder != "examples/" || d.Source.Series != "Network service performance, Part II" {
		t.Errorf("source %+v", d.Source)
	}
	if nt, ok := d.Table(LoadNoKeepAlive); !ok || nt.Latbench.Protocol != "http" {
		t.Errorf("no keep-alive maps to %+v", nt.Latbench)
	}
}

func TestPercentileString(t *testing.T) {
	tests := []struct {
		name string
		p    Percentile
		want string
	}{
		{name: "median", p: P50, want: "p50"},
		{name: "three nines", p: P999, want: "p99.9"},
		{name: "four nines", p: P9999, want: "p99.99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

// mustPublished returns the published data or fails the test.
func mustPublished(t *testing.T) *Data {
	t.Helper()
	d, err := Published()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// near reports whether got is within a millionth of want.
func near(got, want float64) bool {
	diff := got - want
	if diff < 0 {
		diff = -diff
	}
	return diff <= 1e-6*max(1, want, -want)
}
