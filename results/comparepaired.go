package results

import "fmt"

// A paired cell compares with a paired cell of the other run by its
// difference too: B − A of run A's cell against that of run B's, at each
// reported percentile. One cell each is judged by its paired interval
// (the same block bootstrap as the tables); several rounds by the median
// difference over them and its interval over the rounds.

// pairedRows returns the rows of the difference of two matching paired
// groups; none unless both are paired.
func pairedRows(id string, a, b Group) []CompareRow {
	if a.First.Paired == nil || b.First.Paired == nil {
		return nil
	}
	var rows []CompareRow
	for _, p := range pairedPercentiles() {
		r := CompareRow{Cell: id, Metric: "Δ " + p.Label + " vs " + a.First.Paired.Reference.Target,
			A: pairedEstimate(a, p.Key), B: pairedEstimate(b, p.Key), Difference: true}
		r.ChangePct = r.B.Median - r.A.Median
		apart := r.A.High < r.B.Low || r.B.High < r.A.Low
		r.Significant = apart
		method := "paired intervals"
		if r.A.N > 1 || r.B.N > 1 {
			method = "intervals over rounds"
		}
		r.Test = fmt.Sprintf("%s %s", method, map[bool]string{true: "apart", false: "overlap"}[apart])
		rows = append(rows, r)
	}
	return rows
}

// pairedEstimate is a group's difference at key, in ns: its one cell's
// paired estimate, or the median over its rounds with its interval.
func pairedEstimate(g Group, key string) Estimate {
	if len(g.Cells) == 1 {
		e := g.Cells[0].Paired.DiffUs.at(key)
		return Estimate{Median: e.Value * nsPerMicro, Low: e.CILow * nsPerMicro, High: e.CIHigh * nsPerMicro, N: 1}
	}
	vs := make([]float64, 0, len(g.Cells))
	for _, c := range g.Cells {
		if c.Paired != nil {
			vs = append(vs, c.Paired.DiffUs.at(key).Value*nsPerMicro)
		}
	}
	return EstimateMedian(vs)
}

// fmtDiffEstimate formats a difference in ns with its interval, in µs.
func fmtDiffEstimate(e Estimate) string {
	return fmt.Sprintf("%s [%s, %s]", signedMicros(e.Median/nsPerMicro), signedMicros(e.Low/nsPerMicro), signedMicros(e.High/nsPerMicro))
}
