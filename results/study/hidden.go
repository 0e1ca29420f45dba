package study

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/results"
)

// IntervalRow is one system at one moderate step over the run's rounds:
// the median and 95% confidence interval of its p50 and p99 (ns), beside
// the published figures of its whole stepped run.
type IntervalRow struct {
	System System
	// Step is the load step, RateRPS its offered rate.
	Step    int
	RateRPS float64
	// Failed counts the step's rounds that failed; P50.N and P99.N the
	// rounds the estimates are made from.
	Failed                     int
	P50, P99                   results.Estimate
	PublishedP50, PublishedP99 float64
}

// Inside reports whether the published figure at p (P50 or P99) falls
// inside the measured 95% confidence interval.
func (r IntervalRow) Inside(p Percentile) bool {
	e, pub := r.P50, r.PublishedP50
	if p == P99 {
		e, pub = r.P99, r.PublishedP99
	}
	return e.N > 0 && pub >= e.Low && pub <= e.High
}

// intervals estimates, per system and moderate step, the median over
// rounds of p50 and p99 with its confidence interval. A system without
// cells gets one row with no estimates (N 0, NaN).
func intervals(cells []results.Cell, systems []System, t Table) []IntervalRow {
	var out []IntervalRow
	for _, sys := range systems {
		var own []results.Cell
		for i := range cells {
			if belongs(&cells[i], sys, t.Latbench) {
				own = append(own, cells[i])
			}
		}
		row, _ := t.Row(sys.Name)
		var rows []IntervalRow
		for _, g := range results.GroupRounds(own) {
			rows = append(rows, IntervalRow{
				System: sys, Step: g.First.Load.Step, RateRPS: g.First.Load.TargetRPS, Failed: g.Failed,
				P50:          g.Estimate(func(c *results.Cell) float64 { return float64(c.Stats.Latency.P50) }),
				P99:          g.Estimate(func(c *results.Cell) float64 { return float64(c.Stats.Latency.P99) }),
				PublishedP50: t.Ns(row.P50), PublishedP99: t.Ns(row.P99),
			})
		}
		slices.SortStableFunc(rows, func(a, b IntervalRow) int {
			return cmp.Or(cmp.Compare(a.Step, b.Step), cmp.Compare(a.RateRPS, b.RateRPS))
		})
		if len(rows) == 0 {
			none := results.EstimateMedian(nil)
			rows = append(rows, IntervalRow{System: sys, P50: none, P99: none, PublishedP50: t.Ns(row.P50), PublishedP99: t.Ns(row.P99)})
		}
		out = append(out, rows...)
	}
	return out
}

// nagleMark is the text of latbench's warning that a target looks like it
// leaves Nagle's algorithm on.
const nagleMark = "TCP_NODELAY"

// NagleRow is a cell that latbench warned looks like Nagle's algorithm
// meeting delayed ACKs.
type NagleRow struct {
	// System is the study's name of the cell's system, or the cell's
	// target when it is none of the study's.
	System string
	Cell   string
	// Load is the latbench load name of the cell.
	Load string
	// BandShare is the share of the cell's service times between 36 and
	// 60 ms; NaN when the cell has no service-time histogram.
	BandShare float64
}

// nagleRows finds the cells warned about TCP_NODELAY and recovers the
// share of their service times in the delayed-ACK band.
func nagleRows(cells []results.Cell, d *Data) ([]NagleRow, error) {
	var out []NagleRow
	for i := range cells {
		c := &cells[i]
		if !slices.ContainsFunc(c.Warnings, func(w string) bool { return strings.Contains(w, nagleMark) }) {
			continue
		}
		row := NagleRow{System: systemName(c, d.Systems), Cell: c.ID, Load: c.Load.Name, BandShare: nan()}
		if c.Histograms.ServiceTime != "" {
			h, err := results.DecodeHistogram(c.Histograms.ServiceTime)
			if err != nil {
				return nil, fmt.Errorf("study: cell %s: service time: %w", c.ID, err)
			}
			row.BandShare = bandShare(h, results.NagleLowNs, results.NagleHighNs)
		}
		out = append(out, row)
	}
	return out, nil
}

// systemName returns the study's name of the cell's system, or its target.
func systemName(c *results.Cell, systems []System) string {
	for _, s := range systems {
		if s.Baseline == c.Baseline && (s.Baseline || s.Target == c.Target) {
			return s.Name
		}
	}
	return c.Target
}

// bandShare returns the share of h's values in buckets that lie within
// [lowNs, highNs], counted as latbench's warning counts them; NaN when h
// is empty.
func bandShare(h *hdrhistogram.Histogram, lowNs, highNs int64) float64 {
	total := h.TotalCount()
	if total == 0 {
		return math.NaN()
	}
	in := results.BandCount(h, lowNs, highNs)
	return float64(in) / float64(total)
}
