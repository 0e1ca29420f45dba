package results

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// A noise check (latbench selftest noise) measures the same difference
// again and again, by two methods: sequential (the two systems in cells
// of their own, one after the other) and paired (both at once). How far
// each method's estimate moves between repeats is how much of the host's
// noise it lets through.

// CheckEstimate is one repeat's estimate of a difference, B − A, in µs.
type CheckEstimate struct {
	// Condition is the host's condition ("quiet", "frozen"); Comparison
	// what is compared ("A/A go", "haproxy − nginx"); Method
	// "sequential" or "paired".
	Condition, Comparison, Method string
	P50Us, P99Us                  float64
	// Interval is set for a paired estimate: whether its 95% interval
	// held zero at p50 and at p99.
	Interval       bool
	Zero50, Zero99 bool
}

// CheckEstimates returns the estimates of a noise check's run: for each
// comparison, round and method, the difference B − A. A
// cell's role is looked up by its ID in roles; a failed cell, or a
// sequential arm whose partner of the same round failed, gives none.
func CheckEstimates(cells []Cell, roles map[string]CheckRole) []CheckEstimate {
	type key struct {
		condition, comparison string
		round                 int
	}
	seqA, seqB := map[key]*Cell{}, map[key]*Cell{}
	var out []CheckEstimate
	for i := range cells {
		c := &cells[i]
		r, ok := roles[c.ID]
		if !ok || c.Status != StatusOK {
			continue
		}
		k := key{r.Condition, r.Comparison, c.Round}
		switch r.Arm {
		case "A":
			seqA[k] = c
		case "B":
			seqB[k] = c
		default:
			if c.Paired == nil || c.Paired.Blocks < 2 {
				continue
			}
			d := c.Paired.DiffUs
			out = append(out, CheckEstimate{Condition: r.Condition, Comparison: r.Comparison, Method: "paired",
				P50Us: d.P50.Value, P99Us: d.P99.Value, Interval: true,
				Zero50: !d.P50.Separable(false), Zero99: !d.P99.Separable(false)})
		}
	}
	for k, b := range seqB {
		a := seqA[k]
		if a == nil {
			continue
		}
		out = append(out, CheckEstimate{Condition: k.condition, Comparison: k.comparison, Method: "sequential",
			P50Us: float64(b.Stats.Latency.P50-a.Stats.Latency.P50) / 1e3,
			P99Us: float64(b.Stats.Latency.P99-a.Stats.Latency.P99) / 1e3})
	}
	return out
}

// CheckRole is what a cell of a noise check measures: a sequential
// comparison's arm "A" or "B", or (Arm "") a paired cell.
type CheckRole struct {
	Condition, Comparison, Arm string
}

// NoiseCheckTable sums up the estimates: per condition, comparison and
// method, the range and spread (max − min) of the p50 and p99
// differences over the repeats, and for paired estimates how often the
// interval held 0.
func NoiseCheckTable(ests []CheckEstimate) Table {
	t := Table{Title: "How far each method's estimate of B − A moves between repeats (µs)",
		Columns: columns("condition", "comparison", "method", "#repeats", "#p50 diff, min to max", "#p50 spread",
			"#p99 diff, min to max", "#p99 spread", "#0 inside (p50, p99)"),
		Note: "Sequential: A and B in cells of their own, one after the other, in a new shuffled order each repeat. " +
			"Paired: A and B at once, on one schedule (" + PairedMethod + "). Spread is max − min over the repeats: " +
			"how much of the host's noise the method lets through."}
	type group struct{ condition, comparison, method string }
	var order []group
	byGroup := map[group][]CheckEstimate{}
	conditionRank := map[string]int{}
	for _, e := range ests {
		g := group{e.Condition, e.Comparison, e.Method}
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		if _, ok := conditionRank[e.Condition]; !ok {
			conditionRank[e.Condition] = len(conditionRank)
		}
		byGroup[g] = append(byGroup[g], e)
	}
	slices.SortStableFunc(order, func(a, b group) int { // conditions as they came; sequential before paired
		return cmp.Or(cmp.Compare(conditionRank[a.condition], conditionRank[b.condition]),
			cmp.Compare(a.comparison, b.comparison), -cmp.Compare(a.method, b.method))
	})
	for _, g := range order {
		es := byGroup[g]
		p50, p99 := valuesOf(es, func(e CheckEstimate) float64 { return e.P50Us }), valuesOf(es, func(e CheckEstimate) float64 { return e.P99Us })
		zeros := noValue
		if es[0].Interval {
			var z50, z99 int
			for _, e := range es {
				z50 += boolInt(e.Zero50)
				z99 += boolInt(e.Zero99)
			}
			zeros = fmt.Sprintf("%d/%d, %d/%d", z50, len(es), z99, len(es))
		}
		t.Rows = append(t.Rows, []string{g.condition, g.comparison, g.method, fmt.Sprint(len(es)),
			rangeText(p50), fmtSpread(p50), rangeText(p99), fmtSpread(p99), zeros})
	}
	return t
}

// valuesOf returns f of every estimate, sorted.
func valuesOf(es []CheckEstimate, f func(CheckEstimate) float64) []float64 {
	v := make([]float64, len(es))
	for i, e := range es {
		v[i] = f(e)
	}
	slices.Sort(v)
	return v
}

// rangeText is "min to max" of sorted values.
func rangeText(v []float64) string {
	return signedMicros(v[0]) + " to " + signedMicros(v[len(v)-1])
}

// fmtSpread is max − min of sorted values.
func fmtSpread(v []float64) string {
	return fmtMicros(math.Abs(v[len(v)-1]-v[0]) * nsPerMicro)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
