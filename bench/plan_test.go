package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/scenarios/suite"
)

func TestPlanSuite(t *testing.T) {
	s, err := suite.Parse("t.yaml", "t", []byte(`targets: [a, b]
defaults: {duration: 3s, connections: 4}
scenarios:
  - scenario: echo
  - scenario: http
    loads: [{name: slow, rate: 10, connections: 1, wait: spin}]
loads:
  - {name: fixed, rate: 1000}
  - {name: max, rate: max}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := PlanSuite(s, nil)
	var ids []string
	for _, c := range p.Cells {
		ids = append(ids, c.ID)
	}
	want := []string{
		"a-echo-fixed-1000rps-c4", "b-echo-fixed-1000rps-c4",
		"a-echo-max-max-c4", "b-echo-max-max-c4",
		"a-http-slow-10rps-c1", "b-http-slow-10rps-c1",
	}
	if !slices.Equal(ids, want) {
		t.Errorf("cell IDs\n got %q\nwant %q", ids, want)
	}
	tests := []struct {
		name string
		cell int
		want LoadSpec
	}{
		{name: "suite defaults over latbench's", cell: 0, want: LoadSpec{Name: "fixed", Rate: 1000, Connections: 4,
			Warmup: DefaultWarmup, Duration: 3 * time.Second, Timeout: engine.DefaultTimeout, Arrival: "uniform", Wait: "auto"}},
		{name: "max is rate 0", cell: 2, want: LoadSpec{Name: "max", Connections: 4,
			Warmup: DefaultWarmup, Duration: 3 * time.Second, Timeout: engine.DefaultTimeout, Arrival: "uniform", Wait: "auto"}},
		{name: "scenario loads override", cell: 4, want: LoadSpec{Name: "slow", Rate: 10, Connections: 1,
			Warmup: DefaultWarmup, Duration: 3 * time.Second, Timeout: engine.DefaultTimeout, Arrival: "uniform", Wait: "spin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Cells[tt.cell].Load; got != tt.want {
				t.Errorf("load\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestNewPlanUniqueIDs(t *testing.T) {
	p := NewPlan("x", []CellSpec{echoCell(5), echoCell(5), echoCell(5)})
	want := []string{"ext-echo-5rps-c2", "ext-echo-5rps-c2-2", "ext-echo-5rps-c2-3"}
	for i, c := range p.Cells {
		if c.ID != want[i] {
			t.Errorf("cell %d ID %q, want %q", i, c.ID, want[i])
		}
	}
}

// planIDs parses a suite and returns the IDs of its plan's cells, with
// runnable deciding which backend candidates can run.
func planIDs(t *testing.T, yaml string, runnable func(string) bool, quick bool) []string {
	t.Helper()
	s, err := suite.Parse("t.yaml", "t", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	p := PlanSuite(s, runnable)
	if quick {
		p.Quick()
	}
	var ids []string
	for _, c := range p.Cells {
		ids = append(ids, c.ID)
	}
	return ids
}

func TestPlanSuiteProxyShapes(t *testing.T) {
	const proxySuite = `targets: [p, q]
defaults: {connections: 10}
scenarios:
  - {scenario: http, proxy: true, backend: [nginx, go], baseline: true}
  - {scenario: echo, targets: [r]}
loads:
  - {name: moderate, steps: {start: 1000, step: 1000, max: 3000, extra: 1}}
  - {name: max, rate: max}
`
	onlyGo := func(name string) bool { return name == "go" }
	tests := []struct {
		name     string
		runnable func(string) bool
		quick    bool
		want     []string
	}{
		{
			name:     "first runnable backend, baseline before the proxies, one cell per step, scenario targets",
			runnable: onlyGo,
			want: []string{
				"go-http-baseline-moderate-s01-1000rps-c10", "p-http-proxy-moderate-s01-1000rps-c10", "q-http-proxy-moderate-s01-1000rps-c10",
				"go-http-baseline-moderate-s02-2000rps-c10", "p-http-proxy-moderate-s02-2000rps-c10", "q-http-proxy-moderate-s02-2000rps-c10",
				"go-http-baseline-moderate-s03-3000rps-c10", "p-http-proxy-moderate-s03-3000rps-c10", "q-http-proxy-moderate-s03-3000rps-c10",
				"go-http-baseline-moderate-s04-3000rps-c10", "p-http-proxy-moderate-s04-3000rps-c10", "q-http-proxy-moderate-s04-3000rps-c10",
				"go-http-baseline-max-max-c10", "p-http-proxy-max-max-c10", "q-http-proxy-max-max-c10",
				"r-echo-moderate-s01-1000rps-c10", "r-echo-moderate-s02-2000rps-c10", "r-echo-moderate-s03-3000rps-c10",
				"r-echo-moderate-s04-3000rps-c10", "r-echo-max-max-c10",
			},
		},
		{
			name:     "no candidate runnable: the first one",
			runnable: func(string) bool { return false },
			quick:    true,
			want: []string{
				"nginx-http-baseline-moderate-s01-1000rps-c10", "p-http-proxy-moderate-s01-1000rps-c10", "q-http-proxy-moderate-s01-1000rps-c10",
				"nginx-http-baseline-moderate-s04-3000rps-c10", "p-http-proxy-moderate-s04-3000rps-c10", "q-http-proxy-moderate-s04-3000rps-c10",
				"nginx-http-baseline-max-max-c10", "p-http-proxy-max-max-c10", "q-http-proxy-max-max-c10",
				"r-echo-moderate-s01-1000rps-c10", "r-echo-moderate-s04-3000rps-c10", "r-echo-max-max-c10",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := planIDs(t, proxySuite, tt.runnable, tt.quick); !slices.Equal(got, tt.want) {
				t.Errorf("cell IDs\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestPlanQuickShortensLoads(t *testing.T) {
	s, err := suite.Parse("t.yaml", "t", []byte("targets: [a]\nscenarios: [{scenario: echo}]\nloads: [{rate: 10, duration: 1m, warmup: 10s}, {rate: 10, duration: 1s, warmup: 100ms}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := PlanSuite(s, nil)
	p.Quick()
	tests := []struct {
		name           string
		cell           int
		duration, warm time.Duration
	}{
		{name: "long load capped", cell: 0, duration: QuickDuration, warm: QuickWarmup},
		{name: "short load kept", cell: 1, duration: time.Second, warm: 100 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := p.Cells[tt.cell].Load; got.Duration != tt.duration || got.Warmup != tt.warm {
			t.Errorf("%s: duration %v warm-up %v, want %v and %v", tt.name, got.Duration, got.Warmup, tt.duration, tt.warm)
		}
	}
}

func TestPlanRepeat(t *testing.T) {
	s, err := suite.Parse("t.yaml", "t", []byte("targets: [a, b, c]\nscenarios: [{scenario: echo}]\nloads: [{rate: 10}, {rate: 20}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := PlanSuite(s, nil)
	p.Repeat(4, rand.New(rand.NewPCG(1, 2)))
	if len(p.Cells) != 4*6 {
		t.Fatalf("%d cells, want 24", len(p.Cells))
	}
	orders := map[string]bool{}
	seen := map[string]bool{}
	for i := 0; i < len(p.Cells); i += 3 {
		slot := p.Cells[i : i+3]
		var order string
		for _, c := range slot {
			if c.Load.Rate != slot[0].Load.Rate || c.Round != slot[0].Round {
				t.Fatalf("slot at %d mixes loads or rounds: %+v", i, slot)
			}
			order += c.Target
			if seen[c.ID] {
				t.Fatalf("duplicate ID %s", c.ID)
			}
			seen[c.ID] = true
		}
		if !strings.Contains(slot[0].ID, fmt.Sprintf("-r%d", slot[0].Round)) {
			t.Errorf("ID %s does not name its round", slot[0].ID)
		}
		orders[order] = true
	}
	if p.Cells[0].Round != 1 || p.Cells[23].Round != 4 {
		t.Errorf("rounds run in order, got first %d last %d", p.Cells[0].Round, p.Cells[23].Round)
	}
	if len(orders) < 2 {
		t.Errorf("the targets ran in the same order in all 8 slots: %v", orders)
	}
}

// A scenario with delays becomes one scenario per delay of the slow
// dependency, "{delay}" put into its mix.
func TestPlanSuiteDelays(t *testing.T) {
	s, err := suite.Parse("t.yaml", "t", []byte(`targets: [go, go-blocking]
scenarios:
  - scenario: http
    mix: "9:/bytes/100,1:/delay/{delay}/bytes/100"
    delays: [0ms, 50ms, 2s]
loads:
  - {name: fixed, rate: 500}
`))
	if err != nil {
		t.Fatal(err)
	}
	p := PlanSuite(s, nil)
	tests := []struct {
		cell    int
		id, mix string
		delay   time.Duration
	}{
		{0, "go-http-dep0ms-fixed-500rps-c10", "9:/bytes/100,1:/delay/0ms/bytes/100", 0},
		{1, "go-blocking-http-dep0ms-fixed-500rps-c10", "9:/bytes/100,1:/delay/0ms/bytes/100", 0},
		{2, "go-http-dep50ms-fixed-500rps-c10", "9:/bytes/100,1:/delay/50ms/bytes/100", 50 * time.Millisecond},
		{5, "go-blocking-http-dep2s-fixed-500rps-c10", "9:/bytes/100,1:/delay/2s/bytes/100", 2 * time.Second},
	}
	if len(p.Cells) != 6 {
		t.Fatalf("%d cells, want 6", len(p.Cells))
	}
	for _, tt := range tests {
		c := p.Cells[tt.cell]
		if c.ID != tt.id || c.Scenario.Mix != tt.mix || c.Delay != tt.delay || !c.HasDelay {
			t.Errorf("cell %d: %s, mix %q, delay %v (%v); want %s, %q, %v", tt.cell, c.ID, c.Scenario.Mix, c.Delay, c.HasDelay, tt.id, tt.mix, tt.delay)
		}
	}
}

// A scenario paired with its backend measures the baseline in each proxy
// cell, so it has no baseline cell of its own; Sequential turns it back
// into the sequential method, baseline cell first.
func TestPlanSuitePairedAndSequential(t *testing.T) {
	const pairedSuite = `targets: [p, q]
defaults: {connections: 10}
scenarios:
  - {scenario: http, proxy: true, backend: nginx, baseline: true, paired: backend}
loads:
  - {name: moderate, rate: 1000}
`
	for _, tc := range []struct {
		name       string
		sequential bool
		want       []string
	}{
		{name: "paired", want: []string{"p-http-proxy-vs-backend-moderate-1000rps-c10", "q-http-proxy-vs-backend-moderate-1000rps-c10"}},
		{name: "sequential", sequential: true, want: []string{"nginx-http-baseline-moderate-1000rps-c10",
			"p-http-proxy-moderate-1000rps-c10", "q-http-proxy-moderate-1000rps-c10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := suite.Parse("paired.yaml", "suite", []byte(pairedSuite))
			if err != nil {
				t.Fatal(err)
			}
			if tc.sequential {
				Sequential(s)
			}
			var got []string
			for _, c := range PlanSuite(s, nil).Cells {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("cell IDs\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}
