package suite

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseQuickSuite(t *testing.T) {
	s, err := ReadFile(filepath.Join("..", "suites", "quick.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "quick" || len(s.Targets) != 1 || len(s.Scenarios) != 2 || len(s.Loads) != 2 {
		t.Fatalf("unexpected suite: %+v", s)
	}
	if s.Loads[1].Rate.Set != true || s.Loads[1].Rate.PerSecond != 0 {
		t.Errorf("max rate parsed as %+v", s.Loads[1].Rate)
	}
	if time.Duration(s.Defaults.Duration) != 10*time.Second {
		t.Errorf("duration %v", time.Duration(s.Defaults.Duration))
	}
}

func TestEverySuiteFileParses(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "suites", "*.yaml"))
	if len(files) == 0 {
		t.Fatal("no suite files found")
	}
	for _, f := range files {
		if _, err := ReadFile(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const head = "targets: [go]\nscenarios:\n  - scenario: echo\n"
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{name: "empty", yaml: "", want: []string{"empty"}},
		{name: "syntax", yaml: "targets: [go\n", want: []string{"line"}},
		{name: "unknown top-level key", yaml: "targts: [go]\n", want: []string{"line 1", "targts"}},
		{name: "no targets", yaml: "scenarios:\n  - scenario: echo\nloads: [{rate: 1}]\n", want: []string{"no targets"}},
		{name: "no scenarios", yaml: "targets: [go]\n", want: []string{"no scenarios"}},
		{name: "unknown scenario suggests", yaml: "targets: [go]\nscenarios:\n  - scenario: ehco\nloads: [{rate: 1}]\n", want: []string{"line 3", `"echo"`}},
		{name: "unknown scenario key", yaml: head + "    sise: 3\nloads: [{rate: 1}]\n", want: []string{"line 4", "sise", `"size"`}},
		{name: "unknown load key", yaml: head + "loads:\n  - rate: 1\n    conections: 3\n", want: []string{"line 6", "conections", `"connections"`}},
		{name: "negative rate", yaml: head + "loads:\n  - rate: -5\n", want: []string{"line 5", "positive"}},
		{name: "zero rate", yaml: head + "loads:\n  - rate: 0\n", want: []string{"line 5", "max"}},
		{name: "bad duration", yaml: head + "loads:\n  - rate: 1\n    duration: 10\n", want: []string{"line 6", "10s"}},
		{name: "no loads", yaml: head, want: []string{"line 3", "no loads"}},
		{name: "bad arrival", yaml: head + "loads:\n  - rate: 1\n    arrival: bursty\n", want: []string{"line 5", "poisson"}},
		{name: "size too big", yaml: head + "    size: 99999999\nloads: [{rate: 1}]\n", want: []string{"line 3", "size"}},
		{name: "proxy without backend", yaml: head + "    proxy: true\nloads: [{rate: 1}]\n", want: []string{"line 3", "backend"}},
		{name: "negative connections", yaml: head + "loads:\n  - rate: 1\n    connections: -2\n", want: []string{"line 5", "connections"}},
		{name: "wrong type", yaml: "targets: go\n", want: []string{"line 1"}},
		{name: "baseline without proxy", yaml: head + "    baseline: true\nloads: [{rate: 1}]\n", want: []string{"line 3", "proxy: true"}},
		{name: "backend not a name", yaml: head + "    proxy: true\n    backend: {a: b}\nloads: [{rate: 1}]\n", want: []string{"line 5", "[nginx, go]"}},
		{name: "rate and steps", yaml: head + "loads:\n  - rate: 1\n    steps: {start: 1, step: 1, max: 2}\n", want: []string{"line 5", "not both"}},
		{name: "steps without step", yaml: head + "loads:\n  - steps: {start: 1, max: 2}\n", want: []string{"line 5", "positive"}},
		{name: "steps max below start", yaml: head + "loads:\n  - steps: {start: 5, step: 1, max: 2}\n", want: []string{"line 5", "below start"}},
		{name: "steps unknown key", yaml: head + "loads:\n  - steps: {start: 5, stepp: 1, max: 2}\n", want: []string{"line 5", `"step"`}},
		{name: "too many steps", yaml: head + "loads:\n  - steps: {start: 1, step: 1, max: 5000}\n", want: []string{"line 5", "more than 1000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", "s", []byte(tt.yaml))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "s.yaml: ") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

func TestStepsRates(t *testing.T) {
	tests := []struct {
		name  string
		steps Steps
		want  []float64
	}{
		{name: "inclusive max", steps: Steps{Start: 1000, Step: 1000, Max: 3000}, want: []float64{1000, 2000, 3000}},
		{name: "max not on a step", steps: Steps{Start: 1000, Step: 1500, Max: 3000}, want: []float64{1000, 2500}},
		{name: "extra steps at max", steps: Steps{Start: 10, Step: 5, Max: 15, Extra: 2}, want: []float64{10, 15, 15, 15}},
		{name: "fractional steps do not drift", steps: Steps{Start: 0.1, Step: 0.1, Max: 0.3}, want: []float64{0.1, 0.2, 0.3}},
		{name: "one step", steps: Steps{Start: 7, Step: 1, Max: 7}, want: []float64{7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.steps.Rates(); !slices.Equal(got, tt.want) {
				t.Errorf("Rates() = %v, want %v", got, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	seed, _ := os.ReadFile(filepath.Join("..", "suites", "quick.yaml"))
	f.Add(seed)
	f.Add([]byte("targets: [go]\nscenarios:\n  - scenario: echo\nloads:\n  - rate: max\n"))
	f.Add([]byte("loads: [{rate: 1e9, duration: 1h}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", "f", data)
		if err == nil && (len(s.Targets) == 0 || len(s.Scenarios) == 0) {
			t.Fatalf("accepted a suite without targets or scenarios")
		}
	})
}

func TestMixErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{name: "mix on echo", yaml: "  - scenario: echo\n    mix: \"1:/a\"\n", want: "mix only applies to the http scenario"},
		{name: "weight that does not parse", yaml: "  - scenario: http\n    mix: \"x:/a\"\n", want: `line 3: mix: mix class "x:/a": weight "x"`},
		{name: "delays without placeholder", yaml: "  - scenario: http\n    mix: \"1:/a\"\n    delays: [1ms]\n", want: `delays need a mix with "{delay}"`},
		{name: "placeholder without delays", yaml: "  - scenario: http\n    mix: \"1:/delay/{delay}/a\"\n", want: "give the delays"},
		{name: "bad delay", yaml: "  - scenario: http\n    mix: \"1:/delay/{delay}/a\"\n    delays: [soon]\n", want: `"soon" is not a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", "t", []byte("targets: [go]\nscenarios:\n"+tt.yaml+"loads:\n  - rate: 10\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
