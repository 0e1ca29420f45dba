package studytest

import (
	"math"
	"testing"
	"time"

	"github.com/latbench/latbench/results"
)

// PairedRun returns the fixture run as a paired study run makes it: at
// the moderate shape each proxy cell also measured nginx at the same
// time (paired: backend), so there are no baseline cells of their own;
// each arm has 20 intervals of 200 ms whose latencies share a common
// slowdown, as the host's noise gives both arms at once. With intervals
// false, the intervals are left out, as in a run folder without its
// interval logs.
func PairedRun(tb testing.TB, intervals bool) *results.Run {
	tb.Helper()
	run := Run(tb)
	baselines := map[[2]int]results.Cell{} // moderate nginx cells by round and step
	var cells []results.Cell
	for _, c := range run.Cells {
		if c.Load.Name == "moderate" && c.Baseline {
			baselines[[2]int{c.Round, c.Load.Step}] = c
			continue
		}
		cells = append(cells, c)
	}
	for i := range cells {
		c := &cells[i]
		base, ok := baselines[[2]int{c.Round, c.Load.Step}]
		if c.Load.Name != "moderate" || !ok || c.Status != results.StatusOK {
			continue
		}
		c.Paired = pairedWith(tb, c, base, intervals)
	}
	run.Cells = cells
	run.Config.Args = append(run.Config.Args, "(paired)")
	return run
}

// pairedBlockNs is the fixture's block and interval length.
const pairedBlockNs = int64(200 * time.Millisecond)

// pairedWith makes c a cell paired with its backend, whose arm measured
// what base did.
func pairedWith(tb testing.TB, c *results.Cell, base results.Cell, intervals bool) *results.Paired {
	tb.Helper()
	p := &results.Paired{Arms: [2]string{"nginx (backend)", c.Target}, Backend: true, Method: results.PairedMethod,
		BlockNs: pairedBlockNs, Blocks: 20, Resamples: results.BootstrapResamples, Seed: 7}
	p.Reference = results.ArmFigures{Target: "nginx (backend)", Addr: "127.0.0.1:8080", Stats: base.Stats, Histograms: base.Histograms}
	if intervals { // the arms' histograms are then their intervals', merged
		p.Reference.Intervals = noisyIntervals(tb, base.Stats.Latency)
		c.Intervals = noisyIntervals(tb, c.Stats.Latency)
		p.Reference.Histograms.Latency, p.Reference.Stats.Latency = merged(tb, p.Reference.Intervals)
		c.Histograms.Latency, c.Stats.Latency = merged(tb, c.Intervals)
	}
	return p
}

// merged returns the encoding and summary of the intervals' latencies.
func merged(tb testing.TB, ivs []results.Interval) (string, results.Summary) {
	tb.Helper()
	h := Histogram(tb)
	for _, iv := range ivs {
		if err := results.MergeEncoded(h, iv.Latency); err != nil {
			tb.Fatal(err)
		}
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		tb.Fatal(err)
	}
	return enc, results.Summarize(h)
}

// noisyIntervals returns 20 intervals of 200 ms holding the summary's
// p50, p90, p99 and p99.9 values, each interval slowed by the same
// common factor in both arms.
func noisyIntervals(tb testing.TB, s results.Summary) []results.Interval {
	tb.Helper()
	var out []results.Interval
	for i := range 20 {
		f := 1 + 0.2*math.Abs(math.Sin(float64(i)))
		enc, sum := Encode(tb, Point{Us: f * float64(s.P50) / 1e3, Count: 15}, Point{Us: f * float64(s.P90) / 1e3, Count: 8},
			Point{Us: f * float64(s.P99) / 1e3, Count: 2})
		start := int64(i) * pairedBlockNs
		out = append(out, results.Interval{StartNs: start, EndNs: start + pairedBlockNs, Latency: enc, Completed: sum.Count})
	}
	return out
}
