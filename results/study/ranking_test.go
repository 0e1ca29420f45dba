package study

import (
	"math"
	"slices"
	"testing"
)

func TestRank(t *testing.T) {
	tests := []struct {
		name         string
		published    map[string]float64
		measured     map[string]float64
		highestFirst bool
		intervals    map[string][2]float64 // 95% intervals of the measured figures, where there are any
		wantTied     []bool
		wantPub      []string
		wantMeasured []string
		wantSwaps    [][2]string
		wantMissing  []string
		wantAgree    bool
	}{
		{
			name:      "same order",
			published: map[string]float64{"a": 1, "b": 2, "c": 3},
			measured:  map[string]float64{"a": 10, "b": 20, "c": 30},
			wantPub:   []string{"a", "b", "c"}, wantMeasured: []string{"a", "b", "c"}, wantAgree: true,
		},
		{
			name:      "one swap",
			published: map[string]float64{"a": 1, "b": 2, "c": 3},
			measured:  map[string]float64{"a": 20, "b": 10, "c": 30},
			wantPub:   []string{"a", "b", "c"}, wantMeasured: []string{"b", "a", "c"}, wantSwaps: [][2]string{{"a", "b"}},
		},
		{
			name:      "reversed",
			published: map[string]float64{"a": 1, "b": 2, "c": 3},
			measured:  map[string]float64{"a": 30, "b": 20, "c": 10},
			wantPub:   []string{"a", "b", "c"}, wantMeasured: []string{"c", "b", "a"},
			wantSwaps: [][2]string{{"a", "b"}, {"a", "c"}, {"b", "c"}},
		},
		{
			name:      "missing proxies are left out of the swaps",
			published: map[string]float64{"a": 1, "b": 2, "c": 3},
			measured:  map[string]float64{"a": 30, "b": math.NaN(), "c": 10},
			wantPub:   []string{"a", "b", "c"}, wantMeasured: []string{"c", "a"}, wantSwaps: [][2]string{{"a", "c"}}, wantMissing: []string{"b"},
		},
		{
			name:         "highest first",
			published:    map[string]float64{"a": 48.8, "b": 46, "c": 45.3},
			measured:     map[string]float64{"a": 18000, "b": 18500, "c": 17000},
			highestFirst: true,
			wantPub:      []string{"a", "b", "c"}, wantMeasured: []string{"b", "a", "c"}, wantSwaps: [][2]string{{"a", "b"}},
		},
		{
			name:      "a reversed pair whose intervals overlap is not a swap",
			published: map[string]float64{"a": 1, "b": 2, "c": 3},
			measured:  map[string]float64{"a": 20, "b": 10, "c": 30},
			intervals: map[string][2]float64{"a": {15, 25}, "b": {5, 16}, "c": {28, 32}},
			wantPub:   []string{"a", "b", "c"}, wantMeasured: []string{"b", "a", "c"}, wantTied: []bool{true, false}, wantAgree: true,
		},
		{
			name:      "a reversed pair whose intervals are apart is a swap",
			published: map[string]float64{"a": 1, "b": 2},
			measured:  map[string]float64{"a": 20, "b": 10},
			intervals: map[string][2]float64{"a": {18, 22}, "b": {8, 12}},
			wantPub:   []string{"a", "b"}, wantMeasured: []string{"b", "a"}, wantTied: []bool{false}, wantSwaps: [][2]string{{"a", "b"}},
		},
		{
			name:      "ties keep the published order",
			published: map[string]float64{"a": 1, "b": 2},
			measured:  map[string]float64{"a": 5, "b": 5},
			wantPub:   []string{"a", "b"}, wantMeasured: []string{"a", "b"}, wantAgree: true,
		},
		{
			name:      "one measured cannot agree",
			published: map[string]float64{"a": 1, "b": 2},
			measured:  map[string]float64{"a": 5, "b": math.NaN()},
			wantPub:   []string{"a", "b"}, wantMeasured: []string{"a"}, wantMissing: []string{"b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			systems := []SystemResult{{System: System{Name: "base", Baseline: true}, RPS: 1, PublishedRPS: 1}}
			for _, name := range []string{"a", "b", "c"} {
				if pub, ok := tt.published[name]; ok {
					systems = append(systems, SystemResult{System: System{Name: name}, PublishedRPS: pub, RPS: tt.measured[name]})
				}
			}
			key := func(s SystemResult) (float64, float64) { return s.PublishedRPS, s.RPS }
			interval := func(s SystemResult) (float64, float64, bool) {
				iv, ok := tt.intervals[s.System.Name]
				return iv[0], iv[1], ok
			}
			got := rank("test", systems, key, interval, tt.highestFirst)
			if tt.wantTied != nil && !slices.Equal(got.Tied, tt.wantTied) {
				t.Errorf("tied %v, want %v", got.Tied, tt.wantTied)
			}
			if names := namesOf(got.Published); !slices.Equal(names, tt.wantPub) {
				t.Errorf("published %v, want %v", names, tt.wantPub)
			}
			if names := namesOf(got.Measured); !slices.Equal(names, tt.wantMeasured) {
				t.Errorf("measured %v, want %v", names, tt.wantMeasured)
			}
			var swaps [][2]string
			for _, s := range got.Swaps {
				swaps = append(swaps, [2]string{s[0].Name, s[1].Name})
			}
			if !slices.Equal(swaps, tt.wantSwaps) {
				t.Errorf("swaps %v, want %v", swaps, tt.wantSwaps)
			}
			if names := namesOf(got.Missing); !slices.Equal(names, tt.wantMissing) {
				t.Errorf("missing %v, want %v", names, tt.wantMissing)
			}
			if got.Agree() != tt.wantAgree {
				t.Errorf("Agree() = %t, want %t", got.Agree(), tt.wantAgree)
			}
		})
	}
}

// TestRankingsFixture checks the three rankings of the studytest run.
func TestRankingsFixture(t *testing.T) {
	c := mustCompare(t)
	tests := []struct {
		by        string
		measured  []string
		swaps     [][2]string
		wantAgree bool
	}{
		{
			by:       "overhead at p50, moderate load",
			measured: []string{"tcp-proxy", "HAProxy", "http-tunnel", "NetCrusher", "pproxy"},
			swaps:    [][2]string{{"HAProxy", "tcp-proxy"}, {"http-tunnel", "tcp-proxy"}},
		},
		{
			by:       "overhead at p99, moderate load",
			measured: []string{"http-tunnel", "HAProxy", "tcp-proxy", "NetCrusher", "pproxy"},
			swaps:    [][2]string{{"HAProxy", "http-tunnel"}},
		},
		{
			by:        "throughput, max load",
			measured:  []string{"http-tunnel", "HAProxy", "tcp-proxy", "NetCrusher", "pproxy"},
			wantAgree: true,
		},
	}
	if len(c.Rankings) != len(tests) {
		t.Fatalf("%d rankings, want %d", len(c.Rankings), len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.by, func(t *testing.T) {
			r := c.Rankings[i]
			if r.By != tt.by {
				t.Fatalf("ranking %d is by %q", i, r.By)
			}
			if got := softwareOf(r.Measured); !slices.Equal(got, tt.measured) {
				t.Errorf("measured %v, want %v", got, tt.measured)
			}
			var swaps [][2]string
			for _, s := range r.Swaps {
				swaps = append(swaps, [2]string{s[0].Software, s[1].Software})
			}
			if !slices.Equal(swaps, tt.swaps) || r.Agree() != tt.wantAgree {
				t.Errorf("swaps %v (agree %t), want %v", swaps, r.Agree(), tt.swaps)
			}
			if got := softwareOf(r.Missing); !slices.Equal(got, []string{"draft-http-tunnel"}) {
				t.Errorf("missing %v", got)
			}
		})
	}
}

// namesOf returns the systems' names.
func namesOf(systems []System) []string {
	var out []string
	for _, s := range systems {
		out = append(out, s.Name)
	}
	return out
}

// softwareOf returns the systems' software names.
func softwareOf(systems []System) []string {
	var out []string
	for _, s := range systems {
		out = append(out, s.Software)
	}
	return out
}
