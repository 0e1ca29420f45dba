package bench

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/latbench/latbench/bench/engine"
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
	// Search, when set, makes the plan a max-throughput search: its one
	// cell is the template of the steps, which the search decides as it
	// goes.
	Search *SearchSpec
	// Options are facts of the plan to record with the run, such as the
	// machine entry a suite applied.
	Options map[string]string
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
	// Baseline marks the cell that sends a proxy scenario's load to its
	// backend directly, the reference for the proxies' overhead.
	Baseline bool
	// Round is the 1-based round of a repeated plan (Repeat), 0 otherwise.
	Round int
	// Load is how hard and how long.
	Load LoadSpec
	// Delay is the slow dependency's delay of this cell's mix, when the
	// suite steps through delays ("{delay}" in the mix); 0 otherwise, and
	// HasDelay tells a 0 ms step from none.
	Delay    time.Duration
	HasDelay bool
	// Faults is the cell's timeline of faults during the measured window.
	Faults []Fault
	// Netem is the tc netem impairment of the link to the target (e.g.
	// "delay 2ms 500us loss 0.1%"); the target then runs in a network
	// namespace of its own.
	Netem string
	// Paired, when set, makes the cell a paired (duet) cell: a second arm
	// measured at once, on the same schedule. It is another target's
	// name (started beside the target, on the same CPUs, in the same
	// mode: a proxy in front of the same backend) or PairedBackend (a
	// proxy cell's own backend, addressed directly).
	Paired string
}

// PairedBackend is the Paired arm that is a proxy cell's own backend: the
// reference study's baseline, measured at the same time as the proxy.
const PairedBackend = "backend"

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
	// Wait is the loops' wait strategy: spin, hybrid, block, or auto
	// (or empty) to let the executor choose.
	Wait string
	// SpinWindow is the hybrid strategy's spin stretch (0:
	// DefaultSpinWindow in an open loop, ClosedSpinWindow in the closed
	// loop).
	SpinWindow time.Duration
	// Step is the 1-based index of this load in a series of rate steps of
	// Steps loads; both are 0 for a single load.
	Step, Steps int
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

// PlanSuite expands a suite into its cells: targets × scenarios × loads
// (a load with steps is one load per step), targets varying fastest so
// that neighbouring cells compare targets under the same conditions. A
// baseline scenario puts its backend's own cell before the proxies of
// each load. A backend given as candidates is the first one runnable
// says can run here, or else the first.
func PlanSuite(s *suite.Suite, runnable func(target string) bool) *Plan {
	p := &Plan{Name: s.Name}
	for _, sc := range s.Scenarios {
		loads := sc.Loads
		if len(loads) == 0 {
			loads = s.Loads
		}
		backend := pickBackend(sc.Backend, runnable)
		targets := sc.Targets
		if len(targets) == 0 {
			targets = s.Targets
		}
		for i, mix := range sc.Mixes() {
			spec := scenarioSpec(sc)
			spec.Mix = mix
			for _, l := range loads {
				for _, load := range loadSpecs(l, s.Defaults) {
					cell := CellSpec{Scenario: spec, Proxy: sc.Proxy, Backend: backend, Load: load,
						Faults: mustFaults(sc.Faults), Netem: sc.Netem, Paired: sc.Paired}
					if len(sc.Delays) > 0 {
						cell.Delay, cell.HasDelay = time.Duration(sc.Delays[i]), true
					}
					p.addCells(cell, sc.Baseline, targets)
				}
			}
		}
	}
	p.assignIDs()
	return p
}

// CheckSuite checks what a suite file holds that only the engine
// understands: each scenario's faults parse, and fit the measured window
// of each of its loads. Errors name the scenario's line.
func CheckSuite(s *suite.Suite) error {
	for _, sc := range s.Scenarios {
		faults, err := ParseFaults(sc.Faults)
		if err != nil {
			return fmt.Errorf("%s: line %d: %w", s.Source, sc.Line, err)
		}
		loads := sc.Loads
		if len(loads) == 0 {
			loads = s.Loads
		}
		for _, l := range loads {
			d := loadSpec(l, s.Defaults).Duration
			if err := CheckFaults(faults, d, sc.Proxy); err != nil {
				return fmt.Errorf("%s: line %d: %w", s.Source, sc.Line, err)
			}
		}
	}
	return nil
}

// ParseFaults parses a timeline of faults.
func ParseFaults(lines []string) ([]Fault, error) {
	var out []Fault
	for _, l := range lines {
		f, err := ParseFault(l)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// mustFaults parses faults CheckSuite has checked.
func mustFaults(lines []string) []Fault {
	f, _ := ParseFaults(lines)
	return f
}

// addCells adds cell for every target, after its baseline if asked for.
func (p *Plan) addCells(cell CellSpec, baseline bool, targets []string) {
	if baseline && cell.Paired != PairedBackend { // a paired cell measures its baseline at the same time
		p.Cells = append(p.Cells, cell.baseline())
	}
	for _, t := range targets {
		cell.Target = t
		p.Cells = append(p.Cells, cell)
	}
}

// Sequential turns a suite's paired scenarios back into the sequential
// method: no second arm, and a scenario with a baseline measures it in a
// cell of its own before the proxies.
func Sequential(s *suite.Suite) {
	for i := range s.Scenarios {
		s.Scenarios[i].Paired = ""
	}
}

// The loads of a quick pass (Plan.Quick).
const (
	QuickDuration = 2 * time.Second
	QuickWarmup   = 500 * time.Millisecond
)

// Quick shortens the plan to a quick pass: every cell measures at most
// QuickDuration (a cell with faults keeps its window) after at most
// QuickWarmup of warm-up, and a series of rate steps keeps only its first
// and last step.
func (p *Plan) Quick() {
	cells := p.Cells[:0]
	for _, c := range p.Cells {
		if c.Load.Steps > 1 && c.Load.Step != 1 && c.Load.Step != c.Load.Steps {
			continue
		}
		if len(c.Faults) == 0 {
			c.Load.Duration = min(c.Load.Duration, QuickDuration) // faults keep the window they need
		}
		c.Load.Warmup = min(c.Load.Warmup, QuickWarmup)
		cells = append(cells, c)
	}
	p.Cells = cells
}

// Repeat makes the plan run rounds times. Each round runs every cell
// once; within each slot of cells that differ only in their target (a
// scenario at one load), the targets run in a new shuffled order every
// round, so that a drifting machine favours no target.
func (p *Plan) Repeat(rounds int, rng *rand.Rand) {
	if rounds <= 1 {
		return
	}
	slots := p.slots()
	var cells []CellSpec
	for round := 1; round <= rounds; round++ {
		for _, slot := range slots {
			for _, i := range rng.Perm(len(slot)) {
				c := slot[i]
				c.Round = round
				cells = append(cells, c)
			}
		}
	}
	p.Cells = cells
	p.assignIDs()
}

// slots splits the cells into runs of neighbours that share scenario,
// proxy backend and load.
func (p *Plan) slots() [][]CellSpec {
	var slots [][]CellSpec
	for i, c := range p.Cells {
		if i > 0 && sameSlot(p.Cells[i-1], c) {
			slots[len(slots)-1] = append(slots[len(slots)-1], c)
			continue
		}
		slots = append(slots, []CellSpec{c})
	}
	return slots
}

// sameSlot reports whether two cells differ at most in their target.
func sameSlot(a, b CellSpec) bool {
	a.ID, b.ID = "", ""
	a.Target, b.Target = "", ""
	a.Baseline, b.Baseline = false, false
	a.Proxy, b.Proxy = false, false
	a.Backend, b.Backend = "", ""
	if !slices.Equal(a.Faults, b.Faults) {
		return false
	}
	a.Faults, b.Faults = nil, nil
	return reflect.DeepEqual(a, b)
}

// baseline returns the cell that sends c's load to c's backend directly.
func (c CellSpec) baseline() CellSpec {
	c.Target, c.Proxy, c.Backend, c.Baseline, c.Paired = c.Backend, false, "", true, ""
	return c
}

// pickBackend returns the first candidate that can run, or the first
// candidate when none can (Prepare then says why, or builds it).
func pickBackend(candidates []string, runnable func(string) bool) string {
	if len(candidates) == 0 {
		return ""
	}
	for _, name := range candidates {
		if runnable != nil && runnable(name) {
			return name
		}
	}
	return candidates[0]
}

// loadSpecs returns the load specs of one suite load: one, or one per
// step.
func loadSpecs(l, d suite.Load) []LoadSpec {
	base := loadSpec(l, d)
	if l.Steps == nil {
		return []LoadSpec{base}
	}
	rates := l.Steps.Rates()
	out := make([]LoadSpec, len(rates))
	for i, r := range rates {
		out[i] = base
		out[i].Rate, out[i].Step, out[i].Steps = r, i+1, len(rates)
	}
	return out
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
		Mix:            sc.Mix,
		TLS:            sc.TLS,
		Streams:        sc.Streams,
		GRPCMethod:     sc.GRPCMethod,
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
		Timeout:     firstDuration(l.Timeout, d.Timeout, engine.DefaultTimeout),
		Arrival:     firstString(l.Arrival, d.Arrival, "uniform"),
		Wait:        firstString(l.Wait, d.Wait, WaitAuto),
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
	if c.Scenario.GRPCMethod == "stream" {
		parts = append(parts, "stream")
	}
	if c.Scenario.TLS {
		parts = append(parts, "tls")
	}
	if c.Proxy {
		parts = append(parts, "proxy")
	}
	if c.Baseline {
		parts = append(parts, "baseline")
	}
	if c.Paired != "" {
		parts = append(parts, "vs", c.Paired)
	}
	if c.HasDelay {
		parts = append(parts, "dep"+suite.FormatDelay(c.Delay))
	}
	if c.Load.Name != "" {
		parts = append(parts, c.Load.Name)
	}
	if c.Load.Steps > 0 {
		parts = append(parts, fmt.Sprintf("s%02d", c.Load.Step))
	}
	rate := "max"
	if c.Load.Rate > 0 {
		rate = fmt.Sprintf("%grps", c.Load.Rate)
	}
	parts = append(parts, rate, fmt.Sprintf("c%d", c.Load.Connections))
	if c.Round > 0 {
		parts = append(parts, fmt.Sprintf("r%d", c.Round))
	}
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
