package bench

import (
	"fmt"
	"strings"
	"time"

	"github.com/latbench/latbench/scenarios/catalog"
	"github.com/latbench/latbench/scenarios/suite"
)

// Defaults for a load that does not say otherwise.
const (
	DefaultWarmup      = 2 * time.Second
	DefaultDuration    = 10 * time.Second
	DefaultConnections = 10
)

// Plan is an ordered list of cells to measure.
type Plan struct {
	// Name names the plan: the suite's name, or "run".
	Name  string
	Cells []CellSpec
}

// CellSpec is one planned measurement: a target, a scenario and a load.
type CellSpec struct {
	// ID is unique within a plan and safe as a file name.
	ID string
	// Target is the manifest name of the target.
	Target string
	// Scenario is the workload and its settings.
	Scenario catalog.Spec
	// Proxy runs the target in proxy mode in front of Backend, a manifest
	// target started in the scenario's server mode.
	Proxy   bool
	Backend string
	// Load is how hard and how long.
	Load LoadSpec
}

// LoadSpec is one load level.
type LoadSpec struct {
	// Name labels the load in the cell id ("fixed", "max", ...).
	Name string
	// Rate is requests per second; 0 means closed loop (max).
	Rate        float64
	Connections int
	Warmup      time.Duration
	Duration    time.Duration
	Requests    int64
	Timeout     time.Duration
	Arrival     string
	Timer       string
}

// ServerMode returns the mode the target runs in for this cell.
func (c CellSpec) ServerMode() string {
	if c.Proxy {
		return "proxy"
	}
	return catalog.ServerMode(c.Scenario)
}

// NewPlan returns a plan of cells in the given order and gives each a
// readable, unique ID.
func NewPlan(name string, cells []CellSpec) *Plan {
	p := &Plan{Name: name, Cells: cells}
	p.assignIDs()
	return p
}

// PlanSuite expands a suite into its cells: targets × scenarios × loads,
// targets varying fastest so that neighbouring cells compare targets under
// the same conditions.
func PlanSuite(s *suite.Suite) *Plan {
	p := &Plan{Name: s.Name}
	for _, sc := range s.Scenarios {
		loads := sc.Loads
		if len(loads) == 0 {
			loads = s.Loads
		}
		for _, l := range loads {
			for _, t := range s.Targets {
				p.Cells = append(p.Cells, CellSpec{
					Target:   t,
					Scenario: scenarioSpec(sc),
					Proxy:    sc.Proxy,
					Backend:  sc.Backend,
					Load:     loadSpec(l, s.Defaults),
				})
			}
		}
	}
	p.assignIDs()
	return p
}

// scenarioSpec converts a suite scenario to a catalog spec.
func scenarioSpec(sc suite.Scenario) catalog.Spec {
	return catalog.Spec{
		Name:           sc.Name,
		Size:           sc.Size,
		Path:           sc.Path,
		NoKeepAlive:    sc.KeepAlive != nil && !*sc.KeepAlive,
		ReconnectEvery: sc.ReconnectEvery,
		Protocol:       sc.Protocol,
	}
}

// loadSpec merges a suite load over the suite defaults and latbench's.
func loadSpec(l, d suite.Load) LoadSpec {
	rate := l.Rate
	if !rate.Set {
		rate = d.Rate
	}
	return LoadSpec{
		Name:        l.Name,
		Rate:        rate.PerSecond,
		Connections: firstInt(l.Connections, d.Connections, DefaultConnections),
		Warmup:      firstDuration(l.Warmup, d.Warmup, DefaultWarmup),
		Duration:    firstDuration(l.Duration, d.Duration, DefaultDuration),
		Requests:    max(l.Requests, d.Requests),
		Timeout:     firstDuration(l.Timeout, d.Timeout, DefaultTimeout),
		Arrival:     firstString(l.Arrival, d.Arrival, "uniform"),
		Timer:       firstString(l.Timer, d.Timer, TimerHybrid.String()),
	}
}

// assignIDs gives every cell a readable, unique id such as
// "go-echo-fixed-1000rps-c10".
func (p *Plan) assignIDs() {
	seen := map[string]int{}
	for i := range p.Cells {
		c := &p.Cells[i]
		id := c.baseID()
		seen[id]++
		if n := seen[id]; n > 1 {
			id = fmt.Sprintf("%s-%d", id, n)
		}
		c.ID = id
	}
}

// baseID describes the cell in a file-name-safe string.
func (c CellSpec) baseID() string {
	parts := []string{c.Target, c.Scenario.Name}
	if c.Proxy {
		parts = append(parts, "proxy")
	}
	if c.Load.Name != "" {
		parts = append(parts, c.Load.Name)
	}
	rate := "max"
	if c.Load.Rate > 0 {
		rate = fmt.Sprintf("%grps", c.Load.Rate)
	}
	parts = append(parts, rate, fmt.Sprintf("c%d", c.Load.Connections))
	return sanitize(strings.Join(parts, "-"))
}

// sanitize keeps [a-zA-Z0-9._-] and replaces the rest with '_'.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}

func firstInt(vs ...int) int {
	for _, v := range vs {
		if v != 0 {
			return v
		}
	}
	return 0
}

func firstDuration(a, b suite.Duration, c time.Duration) time.Duration {
	return time.Duration(firstInt(int(a), int(b), int(c)))
}

func firstString(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
