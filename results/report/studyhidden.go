package report

import (
	"fmt"
	"math"
	"strconv"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/study"
)

// Introductions of what the study's method could not see.
const (
	omissionNote = "perf-gauge, like every closed-loop client, times a request from when it is sent, so a request held up behind a slow one " +
		"starts its clock late. latbench times each request from when it was due (latency) and also from when it was sent " +
		"(service time, what perf-gauge reports); the difference is the queueing a closed-loop measurement hides. Moderate load, every step and round merged."
	pairedRoundsNote = "The overheads of the paired shapes above carry their own 95% intervals, from the blocks of their cells (both arms measured at once); " +
		"every other figure is one run, as in the study: run the suite with --rounds 3 or more for medians with 95% confidence intervals across runs."
	noRoundsNote = "Every figure of this run is one run, as in the study: run the suite with --rounds 3 or more for medians with 95% confidence intervals."
	resourceNote = "The study read CPU and memory for the whole VM: nginx, the proxy and perf-gauge together. latbench samples the target process alone " +
		"(the proxy; nginx for the baseline): CPU where 100% is one CPU, median over rounds, and the largest peak resident memory. Max load."
	nagleNote = "latbench warned that these cells' service times pile up between 36 and 60 ms, the mark of Nagle's algorithm meeting delayed ACKs: " +
		"the system, or its link to nginx, does not set TCP_NODELAY. The study's tables could show such stalls only as a tail, without their cause."
	noNagleNote = "No cell was warned about TCP_NODELAY: no system's service times piled up between 36 and 60 ms, the mark of Nagle's algorithm meeting delayed ACKs."
)

// omissionBlocks compare, per system at moderate load, the latency from
// the due time with the service time at p99 and p99.9.
func omissionBlocks(c *study.Comparison) []block {
	m, ok := c.Shape(study.LoadModerate)
	if !ok {
		return nil
	}
	t := newTable([]string{"system"}, []bool{false})
	for _, p := range []study.Percentile{study.P99, study.P999} {
		t.add(true, p.String()+" latency µs", p.String()+" service µs", "hidden")
	}
	for _, r := range m.Systems {
		row := []string{r.System.Name}
		for _, p := range []study.Percentile{study.P99, study.P999} {
			hidden := notMeasured
			if r.Measured() && !math.IsNaN(r.Hidden(p)) {
				hidden = fmtSigned(r.Hidden(p))
			}
			row = append(row, measuredMicros(r, r.Latency.At(p)), measuredMicros(r, r.Service.At(p)), hidden)
		}
		t.Rows = append(t.Rows, row)
	}
	return []block{&heading{text: "Unseen by the study: coordinated omission"}, &paragraph{text: omissionNote}, t}
}

// intervalBlocks show, when the run has rounds, how certain each moderate
// step's p50 and p99 are, and whether the published figure falls inside.
func intervalBlocks(c *study.Comparison) []block {
	blocks := []block{&heading{text: "Unseen by the study: confidence intervals"}}
	if c.Rounds == 0 {
		note := noRoundsNote
		if pairedComparison(c) {
			note = pairedRoundsNote
		}
		return append(blocks, &paragraph{text: note})
	}
	t := newTable([]string{"system", "step", "rate rps", "rounds", "p50 µs [95% CI]", "pub. p50", "inside", "p99 µs [95% CI]", "pub. p99", "inside"}, []bool{false, true, true, true, true, true, false, true, true, false})
	var inside50, inside99, steps int
	for _, r := range c.Intervals {
		t.Rows = append(t.Rows, intervalRow(r))
		if r.P50.N > 0 {
			steps++
			inside50 += boolInt(r.Inside(study.P50))
			inside99 += boolInt(r.Inside(study.P99))
		}
	}
	intro := fmt.Sprintf("The study published one run per figure. Over this run's %s: per system and moderate step, the median of p50 and p99 "+
		"with its 95%% bootstrap confidence interval, and whether the published figure (the study's whole stepped run, on its machine) falls inside.",
		plural(c.Rounds, "round"))
	tally := fmt.Sprintf("The published p50 falls inside the interval at %d of %d steps, the published p99 at %d.", inside50, steps, inside99)
	return append(blocks, &paragraph{text: intro}, t, &paragraph{text: tally})
}

// intervalRow formats one system's estimates at one step.
func intervalRow(r study.IntervalRow) []string {
	if r.P50.N == 0 && r.Failed == 0 && r.Step == 0 {
		return []string{r.System.Name, noValue, noValue, notMeasured, notMeasured, fmtMicros(r.PublishedP50), noValue,
			notMeasured, fmtMicros(r.PublishedP99), noValue}
	}
	rounds := strconv.Itoa(r.P50.N)
	if r.Failed > 0 {
		rounds += fmt.Sprintf(" (%d failed)", r.Failed)
	}
	return []string{r.System.Name, strconv.Itoa(r.Step), fmtRate(r.RateRPS), rounds,
		fmtEstimate(r.P50), fmtMicros(r.PublishedP50), insideText(r, study.P50),
		fmtEstimate(r.P99), fmtMicros(r.PublishedP99), insideText(r, study.P99)}
}

// fmtEstimate formats an estimate in µs: "537 [511–562]", or "not
// measured" without rounds.
func fmtEstimate(e results.Estimate) string {
	if e.N == 0 {
		return notMeasured
	}
	return fmt.Sprintf("%s [%s–%s]", fmtMicros(e.Median), fmtMicros(e.Low), fmtMicros(e.High))
}

// insideText says whether the published figure at p is inside the
// interval.
func insideText(r study.IntervalRow, p study.Percentile) string {
	switch {
	case r.P50.N == 0:
		return noValue
	case r.Inside(p):
		return "yes"
	}
	return "no"
}

// resourceBlocks show each system's own CPU and memory at max load
// beside the study's whole-VM CPU.
func resourceBlocks(c *study.Comparison) []block {
	x, ok := c.Shape(study.LoadMax)
	if !ok {
		return nil
	}
	t := newTable([]string{"system", "target", "CPU % (process)", "peak RSS MiB", "pub. CPU % (whole VM)"}, []bool{false, false, true, true, true})
	for _, r := range x.Systems {
		cpu, rss := notMeasured, notMeasured
		if r.Measured() {
			cpu, rss = "not sampled", "not sampled"
		}
		if !math.IsNaN(r.CPUPct) {
			cpu = results.FormatPct(r.CPUPct)
		}
		if r.PeakRSS > 0 {
			rss = strconv.FormatFloat(r.PeakRSS/(1<<20), 'f', 1, 64)
		}
		pub := noValue
		if !math.IsNaN(r.PublishedCPUPct) {
			pub = strconv.FormatFloat(r.PublishedCPUPct, 'f', -1, 64) // as published
		}
		t.Rows = append(t.Rows, []string{r.System.Name, targetsText(r), cpu, rss, pub})
	}
	return []block{&heading{text: "Unseen by the study: CPU and memory per process"}, &paragraph{text: resourceNote}, t}
}

// nagleBlocks name the cells that show Nagle's algorithm and the share of
// their service times in the delayed-ACK band.
func nagleBlocks(rows []study.NagleRow) []block {
	blocks := []block{&heading{text: "Unseen by the study: Nagle's algorithm"}}
	if len(rows) == 0 {
		return append(blocks, &paragraph{text: noNagleNote})
	}
	t := newTable([]string{"system", "cell", "load", "service times in 36–60 ms"}, []bool{false, false, false, true})
	for _, r := range rows {
		share := "not recoverable"
		if !math.IsNaN(r.BandShare) {
			share = fmtShare(r.BandShare)
		}
		t.Rows = append(t.Rows, []string{r.System, r.Cell, r.Load, share})
	}
	return append(blocks, &paragraph{text: nagleNote}, t)
}

// boolInt is 1 for true, 0 for false.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pairedComparison reports whether any proxy was measured paired with its
// backend.
func pairedComparison(c *study.Comparison) bool {
	for _, sh := range c.Shapes {
		for _, r := range sh.Systems {
			if r.Paired != nil {
				return true
			}
		}
	}
	return false
}
