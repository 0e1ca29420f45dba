package plot

import (
	"fmt"
	"testing"
	"time"

	"github.com/latbench/latbench/results"
)

// step is one delay step of one target, for the finding tests.
type step struct {
	target  string
	delayMs int
	// fastP99Us is the fast class's p99; 0 means no fast request
	// succeeded.
	fastP99Us float64
	// availability is the cell's; 0 means 1.
	availability float64
	failed       bool
	// classes overrides the class names: nil means a fast /bytes/100 and
	// a slow /delay/Nms/bytes/100 class, empty means no classes.
	classes []string
	round   int
}

// cell builds the step's cell.
func (s step) cell() results.Cell {
	c := results.Cell{
		ID: fmt.Sprintf("%s-http-dep%dms-r%d", s.target, s.delayMs, s.round), Target: s.target, Scenario: "http",
		Status: results.StatusOK, Round: s.round,
		Load: results.LoadConfig{
			Loop: "open", Name: "moderate", TargetRPS: 1000,
			DependencyDelay: time.Duration(s.delayMs) * time.Millisecond, HasDependencyDelay: true,
		},
		Stats: results.CellStats{Availability: 1},
	}
	if s.availability > 0 {
		c.Stats.Availability = s.availability
	}
	if s.failed {
		c.Status, c.Failure = results.StatusFailed, "target not ready"
		return c
	}
	names := s.classes
	if names == nil {
		names = []string{"/bytes/100", fmt.Sprintf("/delay/%dms/bytes/100", s.delayMs)}
	}
	for i, n := range names {
		cl := results.ClassStats{Name: n}
		if i == 0 && s.fastP99Us > 0 {
			cl.Latency = results.Summary{Count: 900, P99: int64(s.fastP99Us * nsPerMicro)}
		} else if i > 0 {
			cl.Latency = results.Summary{Count: 100, P99: int64(s.delayMs+1) * 1e6}
		}
		c.Classes = append(c.Classes, cl)
	}
	return c
}

// steps returns a target's steps at 0, 10, 50 and 200 ms with the given
// fast-class p99s.
func steps(target string, p99s ...float64) []step {
	var out []step
	for i, ms := range []int{0, 10, 50, 200} {
		if i < len(p99s) {
			out = append(out, step{target: target, delayMs: ms, fastP99Us: p99s[i]})
		}
	}
	return out
}

// groupOf returns the dependency group of the steps' cells.
func groupOf(t *testing.T, all ...[]step) depGroup {
	t.Helper()
	var cells []results.Cell
	for _, ss := range all {
		for _, s := range ss {
			cells = append(cells, s.cell())
		}
	}
	groups := dependencyGroups(cells)
	if len(groups) != 1 {
		t.Fatalf("%d dependency groups, want 1", len(groups))
	}
	return groups[0]
}

func TestP99Finding(t *testing.T) {
	tests := []struct {
		name  string
		steps [][]step
		want  string
	}{
		{
			name: "non-blocking kept, blocking did not",
			steps: [][]step{
				steps("go", 400, 408, 420, 440), steps("go-blocking", 440, 2400, 24000, 360000),
				steps("rust", 340, 344, 352, 360), steps("rust-blocking", 400, 1600, 16000, 240000),
			},
			want: "At 200 ms, go and rust kept the fast class's p99 within 2× of its value at 0 ms; " +
				"go-blocking and rust-blocking did not (p99 ×600 to ×820).",
		},
		{
			name:  "every server kept",
			steps: [][]step{steps("go", 400, 410, 420, 440), steps("rust", 340, 340, 340, 340)},
			want:  "At 200 ms, every server kept the fast class's p99 within 2× of its value at 0 ms (×1 to ×1.1).",
		},
		{
			name:  "exactly twice counts as kept",
			steps: [][]step{steps("go", 400, 500, 600, 800)},
			want:  "At 200 ms, go kept the fast class's p99 within 2× of its value at 0 ms (×2).",
		},
		{
			name:  "no server kept",
			steps: [][]step{steps("go-blocking", 400, 800, 4000, 360000), steps("rust-blocking", 400, 500, 700, 1200)},
			want:  "At 200 ms, no server kept the fast class's p99 within 2× of its value at 0 ms (p99 ×3 to ×900).",
		},
		{
			name:  "one target that did not",
			steps: [][]step{steps("go-blocking", 400, 800, 4000, 360000)},
			want:  "At 200 ms, go-blocking did not keep the fast class's p99 within 2× of its value at 0 ms (p99 ×900).",
		},
		{
			name: "missing 0 ms step",
			steps: [][]step{
				steps("go", 400, 410, 420, 440),
				steps("rust", 340, 344, 352, 360)[1:],
			},
			want: "At 200 ms, every server kept the fast class's p99 within 2× of its value at 0 ms (×1 to ×1.1); " +
				"rust is compared with its smallest delay, 10 ms.",
		},
		{
			name:  "no target has a 0 ms step",
			steps: [][]step{steps("go", 400, 410, 420, 440)[1:], steps("rust", 340, 344, 352, 900)[1:]},
			want: "At 200 ms, go kept the fast class's p99 within 2× of its value at 10 ms, its smallest delay; " +
				"rust did not (p99 ×2.6).",
		},
		{
			name: "a failed cell at the largest delay",
			steps: [][]step{
				steps("go", 400, 410, 420, 440),
				append(steps("rust-blocking", 400, 1600, 16000), step{target: "rust-blocking", delayMs: 200, failed: true}),
			},
			want: "At 200 ms, go kept the fast class's p99 within 2× of its value at 0 ms (×1.1); no verdict for rust-blocking (its cell failed).",
		},
		{
			name: "every cell at the largest delay failed",
			steps: [][]step{
				append(steps("go", 400, 410, 420), step{target: "go", delayMs: 200, failed: true}),
			},
			want: "At 50 ms, go kept the fast class's p99 within 2× of its value at 0 ms (×1.1).",
		},
		{
			name: "no fast class",
			steps: [][]step{
				steps("go", 400, 410, 420, 440),
				{{target: "python", delayMs: 0, classes: []string{}}, {target: "python", delayMs: 200, classes: []string{}}},
			},
			want: "At 200 ms, go kept the fast class's p99 within 2× of its value at 0 ms (×1.1); no verdict for python (no request classes).",
		},
		{
			name:  "every class waits: the first is judged",
			steps: [][]step{{{target: "go", delayMs: 0, fastP99Us: 400, classes: []string{"/delay/0ms/a", "/delay/0ms/b"}}, {target: "go", delayMs: 200, fastP99Us: 200400, classes: []string{"/delay/200ms/a", "/delay/200ms/b"}}}},
			want:  "At 200 ms, go did not keep the fast class's p99 within 2× of its value at 0 ms (p99 ×500).",
		},
		{
			name: "no fast request succeeded",
			steps: [][]step{
				steps("go", 400, 410, 420, 440),
				append(steps("go-blocking", 400, 2400, 24000), step{target: "go-blocking", delayMs: 200}),
			},
			want: "At 200 ms, go kept the fast class's p99 within 2× of its value at 0 ms; go-blocking did not (no fast request of go-blocking succeeded).",
		},
		{
			name:  "a target that ran only the largest delay",
			steps: [][]step{steps("go", 400, 410, 420, 440), steps("java", 400, 410, 420, 440)[3:]},
			want:  "At 200 ms, go kept the fast class's p99 within 2× of its value at 0 ms (×1.1); no verdict for java (no smaller delay to compare with).",
		},
		{
			name:  "a target that did not run the largest delay",
			steps: [][]step{steps("go", 400, 410, 420, 440), steps("java", 400, 410)},
			want:  "At 200 ms, go kept the fast class's p99 within 2× of its value at 0 ms (×1.1); no verdict for java (not run at that delay).",
		},
		{
			name: "rounds are reduced to their median",
			steps: [][]step{{
				{target: "go", delayMs: 0, fastP99Us: 400, round: 1}, {target: "go", delayMs: 0, fastP99Us: 420, round: 2}, {target: "go", delayMs: 0, fastP99Us: 380, round: 3},
				{target: "go", delayMs: 200, fastP99Us: 1200, round: 1}, {target: "go", delayMs: 200, fastP99Us: 1000, round: 2}, {target: "go", delayMs: 200, fastP99Us: 100, round: 3},
			}},
			want: "At 200 ms, go did not keep the fast class's p99 within 2× of its value at 0 ms (p99 ×2.5).",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p99Finding(groupOf(t, tt.steps...)); got != tt.want {
				t.Errorf("p99Finding =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestAvailabilityFinding(t *testing.T) {
	at := func(target string, availability ...float64) []step {
		var out []step
		for i, ms := range []int{0, 10, 50, 200} {
			if i < len(availability) {
				out = append(out, step{target: target, delayMs: ms, fastP99Us: 400, availability: availability[i]})
			}
		}
		return out
	}
	tests := []struct {
		name  string
		steps [][]step
		want  string
	}{
		{
			name:  "every server answered",
			steps: [][]step{at("go", 1, 1, 1, 1), at("rust", 1, 1, 0.9995, 0.999)},
			want:  "Every server answered ≥ 99.9% of requests at every delay.",
		},
		{
			name:  "one target answered",
			steps: [][]step{at("go", 1, 1, 1, 1)},
			want:  "go answered ≥ 99.9% of requests at every delay.",
		},
		{
			name: "blocking servers did not",
			steps: [][]step{
				at("go", 1, 1, 1, 1), at("go-blocking", 1, 1, 0.9995, 0.975),
				at("rust", 1, 1, 1, 1), at("rust-blocking", 1, 0.99, 1, 0.982),
			},
			want: "go-blocking (97.5% at 200 ms) and rust-blocking (98.2% at 200 ms) answered fewer than 99.9% of requests at some delay; " +
				"go and rust answered ≥ 99.9% at every delay.",
		},
		{
			name:  "no server answered",
			steps: [][]step{at("go-blocking", 0.5, 1, 1, 0.975), at("rust-blocking", 1, 0.99, 1, 1)},
			want:  "go-blocking (50% at 0 ms) and rust-blocking (99% at 10 ms) answered fewer than 99.9% of requests at some delay.",
		},
		{
			name: "a failed cell is not counted",
			steps: [][]step{
				at("go", 1, 1, 1, 1),
				append(at("rust-blocking", 1, 1, 1), step{target: "rust-blocking", delayMs: 200, failed: true}),
			},
			want: "Every server answered ≥ 99.9% of requests at every delay; failed cells, not counted: rust-blocking at 200 ms.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := availabilityFinding(groupOf(t, tt.steps...)); got != tt.want {
				t.Errorf("availabilityFinding =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestDependencyGroups(t *testing.T) {
	cell := func(scenario, load string, ms int, has bool) results.Cell {
		c := step{target: "go", delayMs: ms, fastP99Us: 400}.cell()
		c.Scenario, c.Load.Name, c.Load.HasDependencyDelay = scenario, load, has
		return c
	}
	tests := []struct {
		name  string
		cells []results.Cell
		want  []string
	}{
		{name: "no delay steps", cells: []results.Cell{cell("http", "a", 0, false), cell("http", "a", 0, false)}},
		{name: "one delay only", cells: []results.Cell{cell("http", "a", 10, true), cell("http", "a", 10, true)}},
		{
			name: "two loads, sorted",
			cells: []results.Cell{
				cell("http", "b", 0, true), cell("http", "b", 10, true),
				cell("http", "a", 0, true), cell("http", "a", 50, true), cell("http", "a", 0, false),
			},
			want: []string{"http, load a", "http, load b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, g := range dependencyGroups(tt.cells) {
				got = append(got, g.key.String())
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("groups %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFindingFormats(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{name: "availability rounds down", got: results.FormatAvailability(0.99999), want: "99.99%"},
		{name: "availability two decimals", got: results.FormatAvailability(0.9995), want: "99.95%"},
		{name: "availability one decimal", got: results.FormatAvailability(0.975), want: "97.5%"},
		{name: "availability whole", got: results.FormatAvailability(1), want: "100%"},
		{name: "availability none", got: results.FormatAvailability(0), want: "0%"},
		{name: "large ratio", got: fmtRatio(183), want: "×180"},
		{name: "small ratio", got: fmtRatio(1.06), want: "×1.1"},
		{name: "ratio below one", got: fmtRatio(0.947), want: "×0.95"},
		{name: "one name", got: joinAnd([]string{"go"}), want: "go"},
		{name: "three names", got: joinAnd([]string{"go", "rust", "java"}), want: "go, rust and java"},
		{name: "delay", got: fmtDelay(0.5), want: "0.5 ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
