package results

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Group is the cells of one configuration: the same cell run in several
// rounds (--rounds), or a single cell.
type Group struct {
	// Key identifies the configuration: everything but the round.
	Key string
	// Cells are the group's successful cells, in round order.
	Cells []*Cell
	// Failed counts the group's cells that failed.
	Failed int
	// First is the group's first cell, failed or not, for its labels.
	First *Cell
}

// GroupRounds groups cells by configuration, in order of first appearance.
func GroupRounds(cells []Cell) []Group {
	var groups []Group
	index := map[string]int{}
	for i := range cells {
		c := &cells[i]
		key := ConfigKey(c)
		gi, ok := index[key]
		if !ok {
			gi = len(groups)
			index[key] = gi
			groups = append(groups, Group{Key: key, First: c})
		}
		if c.Status == StatusOK {
			groups[gi].Cells = append(groups[gi].Cells, c)
		} else {
			groups[gi].Failed++
		}
	}
	return groups
}

// ConfigKey describes everything about a cell that decides what it
// measured, except its round and the addresses and cpusets of the run.
func ConfigKey(c *Cell) string {
	l := c.Load
	scenario := slices.Sorted(maps.Keys(l.Scenario))
	var sc strings.Builder
	for _, k := range scenario {
		fmt.Fprintf(&sc, "%s=%s,", k, l.Scenario[k])
	}
	return fmt.Sprintf("%s|%s|%s|%t|%s|%d|%s|%g|%d|%s|%s|%v|%v|%s|%s",
		c.Target, c.Scenario, c.Backend, c.Baseline, l.Name, l.Step, l.Loop, l.TargetRPS,
		l.Connections, l.Arrival, l.Wait, l.Duration, l.Timeout, sc.String(), l.Netem)
}

// Estimate is one statistic over rounds: its median and a 95% bootstrap
// confidence interval of the median. With one round, all three are that
// round's value.
type Estimate struct {
	Median, Low, High float64
	// N is the number of rounds the estimate is made from.
	N int
}

// bootstrapResamples is the number of bootstrap resamples per estimate.
const bootstrapResamples = 2000

// Estimate returns the median of metric over the group's cells with its
// 95% percentile-bootstrap confidence interval. The resampling is seeded
// from the values, so the same data always gives the same interval.
func (g Group) Estimate(metric func(*Cell) float64) Estimate {
	vs := make([]float64, len(g.Cells))
	for i, c := range g.Cells {
		vs[i] = metric(c)
	}
	return EstimateMedian(vs)
}

// EstimateMedian returns the median of vs and a 95% percentile-bootstrap
// confidence interval for it.
func EstimateMedian(vs []float64) Estimate {
	if len(vs) == 0 {
		return Estimate{Median: math.NaN(), Low: math.NaN(), High: math.NaN()}
	}
	med := Median(vs)
	if len(vs) == 1 {
		return Estimate{Median: med, Low: med, High: med, N: 1}
	}
	rng := rand.New(rand.NewPCG(seedOf(vs), 0x1a7be7c4))
	meds := make([]float64, bootstrapResamples)
	sample := make([]float64, len(vs))
	for i := range meds {
		for j := range sample {
			sample[j] = vs[rng.IntN(len(vs))]
		}
		meds[i] = medianInPlace(sample)
	}
	slices.Sort(meds)
	return Estimate{Median: med, Low: quantileSorted(meds, 0.025), High: quantileSorted(meds, 0.975), N: len(vs)}
}

// Median returns the median of vs (the mean of the middle two when
// even), or NaN when vs is empty; vs is not modified.
func Median(vs []float64) float64 {
	if len(vs) == 0 {
		return math.NaN()
	}
	return medianInPlace(slices.Clone(vs))
}

// medianInPlace returns the median of s, sorting s.
func medianInPlace(s []float64) float64 {
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// quantileSorted returns the q-quantile (0..1) of sorted values by linear
// interpolation.
func quantileSorted(s []float64, q float64) float64 {
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	return s[lo] + (s[hi]-s[lo])*(pos-float64(lo))
}

// seedOf derives a seed from the values.
func seedOf(vs []float64) uint64 {
	var h uint64 = 14695981039346656037
	for _, v := range vs {
		h ^= math.Float64bits(v)
		h *= 1099511628211
	}
	return h
}

// MannWhitney returns the two-sided p-value of the Mann-Whitney U test that
// a and b come from the same distribution. Small samples (up to 20,000
// ways to split them) get the exact permutation p-value, larger ones the
// normal approximation. Ties count half.
func MannWhitney(a, b []float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 1
	}
	u := uStatistic(a, b)
	mean := float64(len(a)*len(b)) / 2
	if binomial(len(a)+len(b), len(a)) <= 20000 {
		return exactP(a, b, math.Abs(u-mean), mean)
	}
	n1, n2 := float64(len(a)), float64(len(b))
	sd := math.Sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
	if sd == 0 {
		return 1
	}
	z := (math.Abs(u-mean) - 0.5) / sd
	return math.Min(1, math.Erfc(z/math.Sqrt2))
}

// uStatistic counts the pairs where a's value is larger, ties as half.
func uStatistic(a, b []float64) float64 {
	var u float64
	for _, x := range a {
		for _, y := range b {
			switch {
			case x > y:
				u++
			case x == y:
				u += 0.5
			}
		}
	}
	return u
}

// exactP enumerates every split of the pooled values into groups of
// len(a) and len(b) and returns the share whose U is at least as far from
// mean as the observed distance.
func exactP(a, b []float64, dist, mean float64) float64 {
	pool := append(slices.Clone(a), b...)
	n := len(a)
	var total, extreme int
	pick := make([]bool, len(pool))
	var walk func(i, chosen int)
	walk = func(i, chosen int) {
		if chosen == n {
			var x, y []float64
			for j, v := range pool {
				if pick[j] {
					x = append(x, v)
				} else {
					y = append(y, v)
				}
			}
			total++
			if math.Abs(uStatistic(x, y)-mean) >= dist-1e-9 {
				extreme++
			}
			return
		}
		if len(pool)-i < n-chosen {
			return
		}
		pick[i] = true
		walk(i+1, chosen+1)
		pick[i] = false
		walk(i+1, chosen)
	}
	walk(0, 0)
	return float64(extreme) / float64(total)
}

// binomial returns n choose k, saturating at a large value.
func binomial(n, k int) float64 {
	r := 1.0
	for i := 1; i <= k; i++ {
		r = r * float64(n-k+i) / float64(i)
		if r > 1e12 {
			return r
		}
	}
	return r
}
