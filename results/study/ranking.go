package study

import (
	"cmp"
	"math"
	"slices"
)

// Ranking orders the study's proxies (the baseline left out) by one
// figure, as published and as measured.
type Ranking struct {
	// By says what orders them, e.g. "overhead at p50, moderate load".
	By string
	// Published is every proxy, best first, by the published figure;
	// Measured the proxies latbench measured, best first, by its figure.
	Published, Measured []System
	// Swaps are the pairs of measured proxies that the measured order
	// reverses, each pair in the published order.
	Swaps [][2]System
	// Missing are the proxies latbench did not measure.
	Missing []System
	// Tied[i] says that Measured[i] and Measured[i+1] cannot be told
	// apart: their 95% intervals overlap. A pair that cannot be told
	// apart is never a swap.
	Tied []bool
}

// Agree reports whether the measured order keeps the published order of
// the proxies it has, and has at least two of them.
func (r Ranking) Agree() bool { return len(r.Swaps) == 0 && len(r.Measured) > 1 }

// rankKey reads one figure of a system, published and measured.
type rankKey func(SystemResult) (published, measured float64)

// rankInterval reads the 95% interval of a system's measured figure; ok
// is false when it has none.
type rankInterval func(SystemResult) (lo, hi float64, ok bool)

// rankings are the study's three orders of the proxies: by overhead at
// p50 and at p99 under moderate load, and by throughput at max load.
// Overhead orders the proxies as their latency does (the baseline is the
// same for all), so a run without a baseline still ranks them.
func rankings(c *Comparison) []Ranking {
	var out []Ranking
	if m, ok := c.Shape(LoadModerate); ok {
		for _, p := range []Percentile{P50, P99} {
			key := func(s SystemResult) (float64, float64) { return s.Published.At(p), s.Latency.At(p) }
			if pairedRun(m.Systems) { // paired overheads, each with its interval
				key = func(s SystemResult) (float64, float64) { return s.Published.At(p), s.Overhead.At(p) }
			}
			interval := func(s SystemResult) (float64, float64, bool) {
				if !s.Paired.Interval() {
					return 0, 0, false
				}
				return s.Paired.Low.At(p), s.Paired.High.At(p), true
			}
			out = append(out, rank("overhead at "+p.String()+", moderate load", m.Systems, key, interval, false))
		}
	}
	if x, ok := c.Shape(LoadMax); ok {
		key := func(s SystemResult) (float64, float64) { return s.PublishedRPS, s.RPS }
		none := func(SystemResult) (float64, float64, bool) { return 0, 0, false }
		out = append(out, rank("throughput, max load", x.Systems, key, none, true))
	}
	return out
}

// rank orders the proxies among systems by key, the lowest first unless
// highestFirst. Equal values keep the published order of the systems.
func rank(by string, systems []SystemResult, key rankKey, interval rankInterval, highestFirst bool) Ranking {
	r := Ranking{By: by}
	var published, measured []SystemResult
	for _, s := range systems {
		if s.System.Baseline {
			continue
		}
		published = append(published, s)
		if _, m := key(s); math.IsNaN(m) {
			r.Missing = append(r.Missing, s.System)
		} else {
			measured = append(measured, s)
		}
	}
	order := func(pick func(SystemResult) float64) func(a, b SystemResult) int {
		return func(a, b SystemResult) int {
			if highestFirst {
				return cmp.Compare(pick(b), pick(a))
			}
			return cmp.Compare(pick(a), pick(b))
		}
	}
	slices.SortStableFunc(published, order(func(s SystemResult) float64 { p, _ := key(s); return p }))
	slices.SortStableFunc(measured, order(func(s SystemResult) float64 { _, m := key(s); return m }))
	r.Published, r.Measured = systemsOf(published), systemsOf(measured)
	apart := func(a, b System) bool { return !overlap(find(measured, a), find(measured, b), interval) }
	r.Swaps = swaps(r.Published, r.Measured, apart)
	for i := 1; i < len(measured); i++ {
		r.Tied = append(r.Tied, overlap(measured[i-1], measured[i], interval))
	}
	return r
}

// overlap reports whether two systems' intervals overlap; systems
// without intervals never do.
func overlap(a, b SystemResult, interval rankInterval) bool {
	alo, ahi, aok := interval(a)
	blo, bhi, bok := interval(b)
	return aok && bok && alo <= bhi && blo <= ahi
}

// find returns the result of sys among rs.
func find(rs []SystemResult, sys System) SystemResult {
	for _, r := range rs {
		if r.System.Name == sys.Name {
			return r
		}
	}
	return SystemResult{}
}

// pairedRun reports whether any proxy of the shape was measured paired
// with its backend.
func pairedRun(systems []SystemResult) bool {
	for _, s := range systems {
		if s.Paired != nil {
			return true
		}
	}
	return false
}

// swaps returns the pairs of systems that appear in both orders, whose
// order measured reverses and that are apart, each pair as published
// orders it.
func swaps(published, measured []System, apart func(a, b System) bool) [][2]System {
	pos := map[string]int{}
	for i, s := range measured {
		pos[s.Name] = i
	}
	var out [][2]System
	for i, a := range published {
		for _, b := range published[i+1:] {
			pa, okA := pos[a.Name]
			pb, okB := pos[b.Name]
			if okA && okB && pa > pb && apart(a, b) {
				out = append(out, [2]System{a, b})
			}
		}
	}
	return out
}

// systemsOf returns the systems of results, in order.
func systemsOf(rs []SystemResult) []System {
	out := make([]System, len(rs))
	for i, r := range rs {
		out[i] = r.System
	}
	return out
}
