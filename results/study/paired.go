package study

import (
	"fmt"
	"math"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
)

// A study run measures each proxy paired with its own backend (paired:
// backend in study.yaml): both at once, on one schedule, so that the
// host's noise falls on both alike. A proxy's overhead is then the paired
// difference, over all its cells of a shape: the cells' windows are laid
// end to end and one block bootstrap runs over them, the same blocks for
// both arms. The backend's own figures are the reference arms, merged.

// PairedOverhead is a proxy's overhead over its backend, both measured at
// once, with its 95% interval, in ns. Low and High are NaN when the
// interval logs were not there to compute it.
type PairedOverhead struct {
	Value, Low, High Figures
	// Cells counts the paired cells it is made of.
	Cells int
}

// Interval reports whether the overhead has an interval.
func (o *PairedOverhead) Interval() bool { return o != nil && !math.IsNaN(o.Low.P50) }

// Separable reports whether the interval at p excludes 0.
func (o *PairedOverhead) Separable(p Percentile) bool {
	return o.Interval() && (o.Low.At(p) > 0 || o.High.At(p) < 0)
}

// isPairedWithBackend reports whether c measured a proxy and its backend
// at once.
func isPairedWithBackend(c *results.Cell) bool { return c.Paired != nil && c.Paired.Backend }

// pairedOverhead computes the overhead of the system's paired cells; nil
// when it has none.
func pairedOverhead(cells []*results.Cell) (*PairedOverhead, error) {
	if len(cells) == 0 {
		return nil, nil
	}
	target, ref := engine.NewHistogram(), engine.NewHistogram()
	blockNs := int64(results.MinBlockNs)
	withIntervals := true
	for _, c := range cells {
		if err := results.MergeEncoded(target, c.Histograms.Latency); err != nil {
			return nil, fmt.Errorf("study: cell %s: %w", c.ID, err)
		}
		if err := results.MergeEncoded(ref, c.Paired.Reference.Histograms.Latency); err != nil {
			return nil, fmt.Errorf("study: cell %s: its backend arm: %w", c.ID, err)
		}
		blockNs = max(blockNs, c.Paired.BlockNs)
		withIntervals = withIntervals && len(c.Intervals) > 0 && len(c.Paired.Reference.Intervals) > 0
	}
	o := &PairedOverhead{Cells: len(cells), Low: nanFigures(), High: nanFigures()}
	o.Value = figuresOf(func(p Percentile) float64 {
		return float64(target.ValueAtPercentile(float64(p)) - ref.ValueAtPercentile(float64(p)))
	})
	if !withIntervals {
		return o, nil
	}
	blocks, err := endToEnd(cells, blockNs)
	if err != nil {
		return nil, err
	}
	p, err := blocks.Result(ref, target, results.BootstrapResamples, cells[0].Paired.Seed)
	if err != nil {
		return o, nil // too few blocks: the value stands without an interval
	}
	at := func(pick func(results.Estimate95) float64) Figures {
		return figuresOf(func(pc Percentile) float64 { return pick(p.DiffUs.At(percentileKey(pc))) * 1e3 })
	}
	o.Value = at(func(e results.Estimate95) float64 { return e.Value })
	o.Low = at(func(e results.Estimate95) float64 { return e.CILow })
	o.High = at(func(e results.Estimate95) float64 { return e.CIHigh })
	return o, nil
}

// endToEnd lays the cells' windows end to end, each from a whole block,
// and collects both arms' intervals into blocks of blockNs.
func endToEnd(cells []*results.Cell, blockNs int64) (*results.PairedBlocks, error) {
	blocks := results.NewPairedBlocks(blockNs)
	var offset int64
	for _, c := range cells {
		window := int64(c.Load.Duration)
		for arm, ivs := range [2][]results.Interval{c.Paired.Reference.Intervals, c.Intervals} {
			for _, iv := range ivs {
				h, err := results.DecodeHistogram(iv.Latency)
				if err != nil {
					return nil, fmt.Errorf("study: cell %s: %w", c.ID, err)
				}
				blocks.Add(arm, offset+results.InWindow(iv.StartNs, window), h)
			}
		}
		offset += (window + blockNs - 1) / blockNs * blockNs
	}
	return blocks, nil
}

// percentileKey is the key of p in a paired cell's estimates.
func percentileKey(p Percentile) string {
	keys := map[Percentile]string{P50: "p50", P90: "p90", P99: "p99", P999: "p999"}
	return keys[p]
}
