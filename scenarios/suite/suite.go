// Package suite reads suite files: which targets to run, which scenarios,
// and at which loads. A suite expands into a plan of cells, one per
// target × scenario × load.
package suite

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Suite is one parsed suite file.
type Suite struct {
	// Name names the suite; it defaults to the file name without ".yaml".
	Name string `yaml:"name,omitempty"`
	// Description says what the suite is for.
	Description string `yaml:"description,omitempty"`
	// Targets are target names from the manifest.
	Targets []string `yaml:"targets,omitempty"`
	// Defaults apply to every load that does not say otherwise.
	Defaults Load `yaml:"defaults,omitempty"`
	// Scenarios are the workloads.
	Scenarios []Scenario `yaml:"scenarios,omitempty"`
	// Loads apply to every scenario that has no loads of its own.
	Loads []Load `yaml:"loads,omitempty"`
	// Machines fit the suite to the machine it runs on: the first entry
	// whose CPU count the machine has (the CPUs latbench may use) applies.
	Machines []Machine `yaml:"machines,omitempty"`
	// Published names published figures the report sets beside the run's
	// ("study": the reference study's tables).
	Published string `yaml:"published,omitempty"`
	// Source is the file the suite came from.
	Source string `yaml:"-"`
}

// Machine is how a suite runs on machines of at least CPUs CPUs: the
// cpusets of the load generator, the target and a proxy's backend, and a
// factor on every rate (a smaller machine gets proportionally less load).
// Command-line cpusets win over it.
type Machine struct {
	CPUs      int     `yaml:"cpus,omitempty"`
	Client    string  `yaml:"client,omitempty"`
	Target    string  `yaml:"target,omitempty"`
	Backend   string  `yaml:"backend,omitempty"`
	RateScale float64 `yaml:"rate_scale,omitempty"`
	// Note says in words how this machine differs from the suite's
	// reference (recorded with the run and shown in its report).
	Note string `yaml:"note,omitempty"`
	Line int    `yaml:"-"`
}

// UnmarshalYAML decodes a machine strictly and remembers its line.
func (m *Machine) UnmarshalYAML(n *yaml.Node) error {
	type plain Machine
	if err := decodeStrict(n, (*plain)(m)); err != nil {
		return err
	}
	m.Line = n.Line
	return nil
}

// MachineFor returns the first machine entry whose CPU count cpus meets,
// nil when none does (or the suite has none).
func (s *Suite) MachineFor(cpus int) *Machine {
	for i := range s.Machines {
		if cpus >= s.Machines[i].CPUs {
			return &s.Machines[i]
		}
	}
	return nil
}

// ScaleRates multiplies every rate of the suite by f (rounded to whole
// requests per second, at least 1); closed-loop loads stay closed.
func (s *Suite) ScaleRates(f float64) {
	scale := func(l *Load) {
		if l.Rate.Set && l.Rate.PerSecond > 0 {
			l.Rate.PerSecond = max(1, math.Round(l.Rate.PerSecond*f))
		}
		if l.Steps != nil {
			l.Steps.Start = max(1, math.Round(l.Steps.Start*f))
			l.Steps.Step = max(1, math.Round(l.Steps.Step*f))
			l.Steps.Max = max(l.Steps.Start, math.Round(l.Steps.Max*f))
		}
	}
	scale(&s.Defaults)
	for i := range s.Loads {
		scale(&s.Loads[i])
	}
	for i := range s.Scenarios {
		for j := range s.Scenarios[i].Loads {
			scale(&s.Scenarios[i].Loads[j])
		}
	}
}

// Scenario is one workload of a suite and its settings.
type Scenario struct {
	// Name is the scenario: echo, http or connect.
	Name string `yaml:"scenario,omitempty"`
	// Size is the payload: echo bytes, or N of GET /bytes/N.
	Size int `yaml:"size,omitempty"`
	// Path overrides the HTTP path.
	Path string `yaml:"path,omitempty"`
	// KeepAlive is the HTTP keep-alive policy (default true).
	KeepAlive *bool `yaml:"keepalive,omitempty"`
	// ReconnectEvery closes and reopens a connection after K requests.
	ReconnectEvery int `yaml:"reconnect_every,omitempty"`
	// Protocol is what the connect scenario speaks: echo or http.
	Protocol string `yaml:"protocol,omitempty"`
	// TLS makes every connection speak TLS; launched targets serve a
	// certificate made for the run.
	TLS bool `yaml:"tls,omitempty"`
	// Streams is how many requests an h2 or grpc connection carries at
	// once.
	Streams int `yaml:"streams,omitempty"`
	// GRPCMethod is the grpc scenario's call: unary or stream.
	GRPCMethod string `yaml:"grpc_method,omitempty"`
	// Mix is an http request mix of weighted paths,
	// "90:/bytes/100,10:/delay/100ms/bytes/100". With Delays, "{delay}"
	// in it stands for each delay in turn.
	Mix string `yaml:"mix,omitempty"`
	// Delays makes one scenario per delay of a slow dependency: each
	// replaces "{delay}" in Mix, and the cells record it, so that reports
	// can draw latency against the dependency's delay.
	Delays []Duration `yaml:"delays,omitempty"`
	// Faults is the timeline of faults of every cell of the scenario,
	// e.g. "at 10s: slow-backend 200ms for 5s" (latbench run --help).
	Faults []string `yaml:"faults,omitempty"`
	// Netem impairs the link to the target with tc netem, e.g.
	// "delay 2ms 500us loss 0.1%": the target runs in a network namespace
	// of its own (root and iproute2 needed).
	Netem string `yaml:"netem,omitempty"`
	// Proxy runs each target in proxy mode in front of Backend.
	Proxy bool `yaml:"proxy,omitempty"`
	// Backend names the proxy's backend target: one name, or a list of
	// candidates of which the first one that can run here is used.
	Backend Names `yaml:"backend,omitempty"`
	// Baseline adds, before the proxies of each load, a cell that sends the
	// same load to the backend directly; reports show every proxy's
	// overhead over it.
	Baseline bool `yaml:"baseline,omitempty"`
	// Paired makes every cell of the scenario a paired (duet) cell: a
	// second arm measured at the same time on one schedule, another
	// target's name or "backend" (a proxy's own backend, addressed
	// directly); the cells report the difference, target minus paired,
	// with its 95% interval.
	Paired string `yaml:"paired,omitempty"`
	// Targets replace the suite's targets for this scenario.
	Targets []string `yaml:"targets,omitempty"`
	// Loads replace the suite's loads for this scenario.
	Loads []Load `yaml:"loads,omitempty"`
	// Line is where the scenario starts in the suite file.
	Line int `yaml:"-"`
}

// Load is one load level.
type Load struct {
	// Name labels the load in cell ids, e.g. "fixed" or "max".
	Name string `yaml:"name,omitempty"`
	// Rate is requests per second, or "max" for closed loop.
	Rate Rate `yaml:"rate,omitempty"`
	// Steps replaces Rate with a series of fixed rates, one cell each.
	Steps *Steps `yaml:"steps,omitempty"`
	// Connections is the connection pool size.
	Connections int `yaml:"connections,omitempty"`
	// Warmup, Duration and Timeout are Go durations such as "2s".
	Warmup   Duration `yaml:"warmup,omitempty"`
	Duration Duration `yaml:"duration,omitempty"`
	Timeout  Duration `yaml:"timeout,omitempty"`
	// Requests bounds the measured requests.
	Requests int64 `yaml:"requests,omitempty"`
	// Arrival is uniform or poisson.
	Arrival string `yaml:"arrival,omitempty"`
	// Wait is the event loops' wait strategy: auto (the default), spin,
	// hybrid or block.
	Wait string `yaml:"wait,omitempty"`
	// Line is where the load starts in the suite file.
	Line int `yaml:"-"`
}

// UnmarshalYAML decodes a load strictly and remembers its line.
func (l *Load) UnmarshalYAML(n *yaml.Node) error {
	type plain Load
	if err := decodeStrict(n, (*plain)(l)); err != nil {
		return err
	}
	l.Line = n.Line
	return nil
}

// Mixes returns the scenario's mix once per delay, with "{delay}" put
// in (e.g. 0ms, 10ms); the mix alone without delays.
func (sc *Scenario) Mixes() []string {
	if len(sc.Delays) == 0 {
		return []string{sc.Mix}
	}
	out := make([]string, len(sc.Delays))
	for i, d := range sc.Delays {
		out[i] = strings.ReplaceAll(sc.Mix, "{delay}", FormatDelay(time.Duration(d)))
	}
	return out
}

// FormatDelay writes a delay the way the reference servers' /delay/D
// reads it: a whole number of s, ms or us.
func FormatDelay(d time.Duration) string {
	switch {
	case d%time.Second == 0 && d > 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	}
	return strconv.FormatInt(int64(d/time.Microsecond), 10) + "us"
}

// UnmarshalYAML decodes a scenario strictly and remembers its line.
func (s *Scenario) UnmarshalYAML(n *yaml.Node) error {
	type plain Scenario
	if err := decodeStrict(n, (*plain)(s)); err != nil {
		return err
	}
	s.Line = n.Line
	return nil
}

// Steps is a series of fixed rates: Start, Start+Step, ... up to Max, then
// Extra more steps at Max (the reference study's "10 more steps at the
// max").
type Steps struct {
	Start float64 `yaml:"start,omitempty"`
	Step  float64 `yaml:"step,omitempty"`
	Max   float64 `yaml:"max,omitempty"`
	Extra int     `yaml:"extra,omitempty"`
	Line  int     `yaml:"-"`
}

// maxSteps bounds the cells one steps entry may expand to.
const maxSteps = 1000

// UnmarshalYAML decodes steps strictly and remembers their line.
func (st *Steps) UnmarshalYAML(n *yaml.Node) error {
	type plain Steps
	if err := decodeStrict(n, (*plain)(st)); err != nil {
		return err
	}
	st.Line = n.Line
	return nil
}

// Rates returns the rate of every step in order.
func (st Steps) Rates() []float64 {
	var rates []float64
	for i := 0; i < maxSteps; i++ {
		r := st.Start + float64(i)*st.Step
		if r > st.Max*(1+1e-9) {
			break
		}
		rates = append(rates, min(r, st.Max))
	}
	for range st.Extra {
		rates = append(rates, st.Max)
	}
	return rates
}

// Names is a list of target names, written as one name or a YAML list.
type Names []string

// UnmarshalYAML accepts `name` or `[a, b]`.
func (ns *Names) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*ns = Names{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return fmt.Errorf("line %d: write a target name or a list of them, e.g. [nginx, go]", n.Line)
	}
	*ns = list
	return nil
}

// Rate is a request rate; 0 means "max" (closed loop). Unset is -1.
type Rate struct {
	PerSecond float64
	Set       bool
}

// UnmarshalYAML accepts a positive number or the word max.
func (r *Rate) UnmarshalYAML(n *yaml.Node) error {
	if n.Value == "max" {
		*r = Rate{Set: true}
		return nil
	}
	var v float64
	if err := n.Decode(&v); err != nil || v <= 0 {
		return fmt.Errorf("line %d: rate %q must be a positive number of requests per second, or max", n.Line, n.Value)
	}
	*r = Rate{PerSecond: v, Set: true}
	return nil
}

// MarshalYAML writes the rate as UnmarshalYAML reads it.
func (r Rate) MarshalYAML() (any, error) {
	if r.PerSecond == 0 {
		return "max", nil
	}
	return r.PerSecond, nil
}

// IsZero reports whether the rate is unset, so that omitempty omits it.
func (r Rate) IsZero() bool { return !r.Set }

// String returns "max" or the rate in requests per second.
func (r Rate) String() string {
	if r.PerSecond == 0 {
		return "max"
	}
	return fmt.Sprintf("%g", r.PerSecond)
}

// Duration is a time.Duration written as "10s", "500ms".
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: %q is not a duration: write it like 10s, 500ms or 1m30s", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as UnmarshalYAML reads it.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// decodeStrict decodes n into v, rejecting keys v does not have: yaml.v3's
// KnownFields check does not reach into custom unmarshalers.
func decodeStrict(n *yaml.Node, v any) error {
	if n.Kind == yaml.MappingNode {
		if err := checkKeys(n, v); err != nil {
			return err
		}
	}
	return n.Decode(v)
}

// ReadFile reads and parses a suite file.
func ReadFile(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read suite: %w", err)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return Parse(path, name, data)
}

// Parse parses a suite from data. source names it in errors; name is the
// suite's default name.
func Parse(source, name string, data []byte) (*Suite, error) {
	s, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	s.Source = source
	if s.Name == "" {
		s.Name = name
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return s, nil
}

// decode parses the YAML strictly: unknown keys are errors at every level.
func decode(data []byte) (*Suite, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, cleanYAMLError(err)
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("the suite file is empty")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: a suite is a mapping with targets, scenarios and loads", root.Line)
	}
	var s Suite
	type plain Suite
	if err := decodeStrict(root, (*plain)(&s)); err != nil {
		return nil, cleanYAMLError(err)
	}
	return &s, nil
}
