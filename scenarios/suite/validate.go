package suite

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/catalog"
	"github.com/latbench/latbench/scenarios/http"
)

// validate checks what YAML types cannot: required fields, ranges and names.
func (s *Suite) validate() error {
	if len(s.Targets) == 0 && !everyScenarioHasTargets(s.Scenarios) {
		return fmt.Errorf("no targets: add a list such as `targets: [go]`")
	}
	if len(s.Scenarios) == 0 {
		return fmt.Errorf("no scenarios: add a list such as `scenarios: [{scenario: echo}]`")
	}
	if err := s.Defaults.validate("defaults"); err != nil {
		return err
	}
	for _, sc := range s.Scenarios {
		if err := sc.validate(); err != nil {
			return err
		}
		if len(sc.Loads) == 0 && len(s.Loads) == 0 {
			return fmt.Errorf("line %d: scenario %s has no loads, and the suite has no `loads:` list", sc.Line, sc.Name)
		}
	}
	for _, l := range s.Loads {
		if err := l.validate(fmt.Sprintf("line %d", l.Line)); err != nil {
			return err
		}
	}
	for _, m := range s.Machines {
		if err := m.validate(); err != nil {
			return err
		}
	}
	if s.Published != "" && s.Published != "study" {
		return fmt.Errorf("published %q: the figures latbench knows are study's (the reference study)", s.Published)
	}
	return nil
}

// validate checks one machine entry.
func (m *Machine) validate() error {
	at := fmt.Sprintf("line %d", m.Line)
	switch {
	case m.CPUs < 1:
		return fmt.Errorf("%s: machine needs cpus: the least number of CPUs it applies to, e.g. cpus: 8", at)
	case m.RateScale < 0 || m.RateScale > 100:
		return fmt.Errorf("%s: rate_scale %g: use a factor above 0, e.g. 0.4", at, m.RateScale)
	case m.Client == "" || m.Target == "":
		return fmt.Errorf("%s: a machine entry gives the client's and the target's cpusets, e.g. client: 4-7 and target: 2-3", at)
	}
	return nil
}

// everyScenarioHasTargets reports whether each scenario names its own
// targets, so the suite needs none.
func everyScenarioHasTargets(scs []Scenario) bool {
	for _, sc := range scs {
		if len(sc.Targets) == 0 {
			return false
		}
	}
	return len(scs) > 0
}

// validateMix checks the scenario's mix, with every delay put in.
func (sc *Scenario) validateMix(at string) error {
	if sc.Mix == "" {
		return nil
	}
	for _, mix := range sc.Mixes() {
		if _, err := http.ParseMix(mix); err != nil {
			return fmt.Errorf("%s: mix: %w", at, err)
		}
	}
	return nil
}

// validate checks one scenario entry.
func (sc *Scenario) validate() error {
	at := fmt.Sprintf("line %d", sc.Line)
	if names := catalog.Names(); !contains(names, sc.Name) {
		return fmt.Errorf("%s: unknown scenario %q%s; valid: %s", at, sc.Name, suggest(sc.Name, names), strings.Join(names, ", "))
	}
	switch {
	case sc.Size < 0 || sc.Size > 16<<20:
		return fmt.Errorf("%s: size %d out of range: use 0 to 16777216 bytes", at, sc.Size)
	case sc.ReconnectEvery < 0:
		return fmt.Errorf("%s: reconnect_every must be 0 (never) or more", at)
	case sc.Protocol != "" && sc.Name != "connect":
		return fmt.Errorf("%s: protocol only applies to the connect scenario", at)
	case sc.Protocol != "" && sc.Protocol != "echo" && sc.Protocol != "http":
		return fmt.Errorf("%s: protocol %q: use echo or http", at, sc.Protocol)
	case sc.Proxy && len(sc.Backend) == 0:
		return fmt.Errorf("%s: proxy: true needs a backend: target name, e.g. backend: go", at)
	case !sc.Proxy && len(sc.Backend) > 0:
		return fmt.Errorf("%s: backend is only used with proxy: true", at)
	case sc.Baseline && !sc.Proxy:
		return fmt.Errorf("%s: baseline: true compares proxies with their backend; it needs proxy: true and a backend", at)
	case slices.Contains(sc.Backend, ""):
		return fmt.Errorf("%s: backend has an empty target name", at)
	case sc.Mix != "" && sc.Name != "http":
		return fmt.Errorf("%s: mix only applies to the http scenario", at)
	case sc.Streams < 0:
		return fmt.Errorf("%s: streams %d: give 1 or more", at, sc.Streams)
	case sc.Streams != 0 && sc.Name != "h2" && sc.Name != "grpc":
		return fmt.Errorf("%s: streams only applies to the h2 and grpc scenarios", at)
	case sc.GRPCMethod != "" && sc.Name != "grpc":
		return fmt.Errorf("%s: grpc_method only applies to the grpc scenario", at)
	case sc.GRPCMethod != "" && sc.GRPCMethod != "unary" && sc.GRPCMethod != "stream":
		return fmt.Errorf("%s: grpc_method %q: use unary or stream", at, sc.GRPCMethod)
	case sc.Mix != "" && sc.Path != "":
		return fmt.Errorf("%s: a mix sets its own paths: drop path", at)
	case len(sc.Delays) > 0 && !strings.Contains(sc.Mix, "{delay}"):
		return fmt.Errorf(`%s: delays need a mix with "{delay}" in a path, e.g. mix: "90:/bytes/100,10:/delay/{delay}/bytes/100"`, at)
	case len(sc.Delays) == 0 && strings.Contains(sc.Mix, "{delay}"):
		return fmt.Errorf(`%s: the mix has "{delay}": give the delays to step through, e.g. delays: [0ms, 10ms, 50ms]`, at)
	}
	if err := sc.validateMix(at); err != nil {
		return err
	}
	for _, l := range sc.Loads {
		if err := l.validate(fmt.Sprintf("line %d", l.Line)); err != nil {
			return err
		}
	}
	return nil
}

// validate checks one load; at says where it is.
func (l *Load) validate(at string) error {
	switch {
	case l.Connections < 0:
		return fmt.Errorf("%s: connections must be at least 1", at)
	case l.Requests < 0:
		return fmt.Errorf("%s: requests cannot be negative", at)
	case l.Arrival != "" && l.Arrival != "uniform" && l.Arrival != "poisson":
		return fmt.Errorf("%s: arrival %q: use uniform or poisson", at, l.Arrival)
	case l.Wait != "" && l.Wait != "auto" && l.Wait != "hybrid" && l.Wait != "spin" && l.Wait != "block":
		return fmt.Errorf("%s: wait %q: use auto, spin, hybrid or block", at, l.Wait)
	case l.Steps != nil && l.Rate.Set:
		return fmt.Errorf("%s: a load has either rate or steps, not both", at)
	case l.Steps != nil:
		return l.Steps.validate()
	}
	return nil
}

// validate checks a steps entry.
func (st *Steps) validate() error {
	at := fmt.Sprintf("line %d", st.Line)
	switch {
	case st.Start <= 0 || st.Step <= 0 || st.Max <= 0:
		return fmt.Errorf("%s: steps need start, step and max, all positive rates in requests per second, e.g. {start: 1000, step: 1000, max: 5000}", at)
	case st.Max < st.Start:
		return fmt.Errorf("%s: steps max %g is below start %g", at, st.Max, st.Start)
	case st.Extra < 0:
		return fmt.Errorf("%s: steps extra must be 0 or more", at)
	case (st.Max-st.Start)/st.Step+float64(st.Extra) >= maxSteps:
		return fmt.Errorf("%s: steps expand to more than %d cells; raise step or lower max", at, maxSteps)
	}
	return nil
}

// checkKeys rejects mapping keys that the struct behind v has no yaml tag
// for, naming the closest valid key.
func checkKeys(n *yaml.Node, v any) error {
	valid := yamlKeys(reflect.TypeOf(v).Elem())
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !contains(valid, k.Value) {
			return fmt.Errorf("line %d: unknown key %q%s; valid keys: %s", k.Line, k.Value, suggest(k.Value, valid), strings.Join(valid, ", "))
		}
	}
	return nil
}

// yamlKeys lists the yaml tag names of struct type t.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

// cleanYAMLError rewords yaml.v3's errors: it drops the "yaml: " prefix and
// the Go type names of "field x not found in type y".
func cleanYAMLError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	if i := strings.Index(msg, " not found in type "); i >= 0 {
		msg = strings.Replace(msg[:i], "field ", "unknown key ", 1) + " (check the spelling: see scenarios/suites/quick.yaml for the keys)"
	}
	return fmt.Errorf("%s", msg)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns ` (did you mean "x"?)` when a name in valid is close to s.
func suggest(s string, valid []string) string {
	if best := scenarios.Closest(s, valid); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}
