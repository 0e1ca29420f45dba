package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/study"
)

// Section of the reference study (DESIGN.md section 1).
const (
	studySectionID    = "study"
	studySectionTitle = "The study: latbench beside the published figures"
)

// notMeasured stands in the study's tables for a figure latbench did not
// measure: a system not installed, a shape not run, a cell that failed.
const notMeasured = "not measured"

// studyLooseNote is said once: figures from two machines compare loosely.
const studyLooseNote = "Overheads compare across machines only loosely: another CPU count, shared cores, scaled rates and another kernel " +
	"move every figure, so the published numbers are a reference point, not a target. The order of the proxies compares better than the figures."

// studyBlocks set the run beside the study's published figures; nil when
// the run does not ask for it (option published=study).
func studyBlocks(run *results.Run) ([]block, error) {
	if !study.Applies(run) {
		return nil, nil
	}
	c, err := study.Compare(run)
	if err != nil {
		return nil, err
	}
	blocks := []block{
		&paragraph{text: machineText(run, c.Machine)},
	}
	if steal := stealText(run.Cells); steal != "" {
		blocks = append(blocks, &paragraph{text: steal})
	}
	blocks = append(blocks,
		&paragraph{text: sourceText(c.Data)},
		&paragraph{text: studyLooseNote},
	)
	for _, s := range c.Shapes {
		blocks = append(blocks, shapeBlocks(s)...)
	}
	blocks = append(blocks, rankingBlocks(c.Rankings)...)
	blocks = append(blocks, omissionBlocks(c)...)
	blocks = append(blocks, intervalBlocks(c)...)
	blocks = append(blocks, resourceBlocks(c)...)
	return append(blocks, nagleBlocks(c.Nagle)...), nil
}

// machineText describes the run's machine: the run's own sentence, or
// what its environment says.
func machineText(run *results.Run, machine string) string {
	if machine != "" {
		return "Machine: " + machine
	}
	e := run.Env
	return fmt.Sprintf("Machine: not described (the run has no %q option); %s, client on CPUs %s, target on %s, backend on %s.",
		study.OptionMachine, plural(e.CPUCount, "CPU"), orDash(e.ClientCPUs), orDash(e.TargetCPUs), orDash(e.BackendCPUs))
}

// stealText says how much CPU time the hypervisor took during the
// cells, when it took any: on a shared host that time is in the
// latencies, and differs from the study's machine.
func stealText(cells []results.Cell) string {
	var pcts []float64
	above := 0
	for _, c := range cells {
		if c.Status != results.StatusOK {
			continue
		}
		pcts = append(pcts, c.Stats.StealPct)
		if c.Stats.StealPct > results.StealWarnPct {
			above++
		}
	}
	if len(pcts) == 0 || slices.Max(pcts) == 0 {
		return ""
	}
	slices.Sort(pcts)
	return fmt.Sprintf("Steal time: the hypervisor took a median %.1f%% of this machine's CPU time during a cell (at most %.1f%%; "+
		"%d of %d cells above %.0f%%). A vCPU waiting for the host stalls client, proxy and nginx alike, and those stalls are in "+
		"the latencies below; the study's figures carry its own VM's, unreported.",
		pcts[len(pcts)/2], pcts[len(pcts)-1], above, len(pcts), results.StealWarnPct)
}

// sourceText names where the published figures come from and how the
// study measured them.
func sourceText(d *study.Data) string {
	s, u := d.Source, d.Setup
	return fmt.Sprintf("Published: %s (%s's %s folder: %s), figures copied as published. "+
		"The study ran on %s (nginx on CPUs %s, the proxy on %s, %s on %s), nginx closing each connection after %d requests, "+
		"%d s a step, %s per figure; its CPU figures are for the whole VM.",
		s.Series, s.Repository, s.Folder, strings.Join(s.Files, ", "),
		u.Machine, u.Cpusets.Backend, u.Cpusets.Proxy, u.LoadGenerator, u.Cpusets.Load, u.Backend.KeepaliveRequests,
		u.StepSeconds, runsText(u.RunsPerFigure))
}

// shapeBlocks show one shape: how it was run, then latency and overhead
// per system and, at max load, throughput.
func shapeBlocks(s study.ShapeResult) []block {
	t := s.Table
	how := fmt.Sprintf("The study: %s.", t.Description)
	if len(t.Notes) > 0 {
		how += " " + strings.Join(t.Notes, " ")
	}
	how += fmt.Sprintf(" latbench: load %q, scenario %s through each proxy and straight to the backend for the baseline; "+
		"all of a system's cells (every step and round) merged into one distribution, as the study reported one per system. "+
		"Latency from the time each request was due.", t.Latbench.Load, t.Latbench.Scenario)
	if !s.Measured() {
		how += fmt.Sprintf(" No cell of load %q ran successfully: the run did not measure this shape.", t.Latbench.Load)
	}
	blocks := []block{
		&heading{text: t.Title + ": latency (µs)"},
		&paragraph{text: how},
		latencyTable(s),
		&heading{text: t.Title + ": overhead over the baseline (µs)"},
		&paragraph{text: overheadHow(s)},
		overheadTable(s),
	}
	if t.Latbench.Load == study.LoadMax {
		blocks = append(blocks, &heading{text: t.Title + ": throughput"}, throughputTable(s))
	}
	return blocks
}

// latencyTable has, per system, the measured percentiles beside the
// published ones.
func latencyTable(s study.ShapeResult) *table {
	t := newTable([]string{"system", "target", "cells"}, []bool{false, false, true})
	for _, p := range study.Compared() {
		t.add(true, p.String()+" µs", "pub. "+p.String())
	}
	for _, r := range s.Systems {
		row := []string{r.System.Name, targetsText(r), cellsText(r)}
		for _, p := range study.Compared() {
			row = append(row, measuredMicros(r, r.Latency.At(p)), fmtMicros(r.Published.At(p)))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// overheadTable has, per proxy, its overhead over the baseline, measured
// beside published.
func overheadTable(s study.ShapeResult) *table {
	t := newTable([]string{"system"}, []bool{false})
	for _, p := range study.Compared() {
		t.add(true, "+"+p.String()+" µs", "pub. +"+p.String())
	}
	baseMeasured := len(s.Systems) > 0 && s.Systems[0].Measured()
	for _, r := range s.Systems {
		if r.System.Baseline {
			continue
		}
		row := []string{r.System.Name}
		for _, p := range study.Compared() {
			measured := fmtSigned(r.Overhead.At(p))
			switch {
			case !r.Measured() || math.IsNaN(r.Latency.At(p)):
				measured = notMeasured
			case r.Paired.Interval():
				measured = fmtOverheadInterval(r.Paired, p)
			case r.Paired != nil:
			case !baseMeasured:
				measured = "no baseline"
			}
			row = append(row, measured, fmtSigned(r.PublishedOverhead.At(p)))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// overheadHow says how the shape's overheads were measured.
func overheadHow(s study.ShapeResult) string {
	for _, r := range s.Systems {
		if r.Paired != nil {
			return "Each proxy's percentile minus its backend's, both measured at once (paired cells, both arms on one schedule), " +
				"over all its cells of the shape, with the 95% interval of a block bootstrap over their windows laid end to end " +
				"(" + results.PairedMethod + "); \"not separable\" where the interval holds 0. Published: both from the study, one run each."
		}
	}
	return "Each proxy's percentile minus the baseline's, measured in cells of their own one after the other (the sequential method): " +
		"measured, both from this run; published, both from the study."
}

// fmtOverheadInterval formats a paired overhead at p with its interval,
// and says when it holds 0.
func fmtOverheadInterval(o *study.PairedOverhead, p study.Percentile) string {
	s := fmt.Sprintf("%s [%s, %s]", fmtSigned(o.Value.At(p)), fmtSigned(o.Low.At(p)), fmtSigned(o.High.At(p)))
	if !o.Separable(p) {
		s += " " + results.NotSeparable
	}
	return s
}

// throughputTable has, per system, the achieved rate at max load (median
// over rounds) and its share of the baseline's, beside the published.
func throughputTable(s study.ShapeResult) *table {
	t := newTable([]string{"system", "target", "rounds", "rps", "pub. rps", "of baseline", "pub. of baseline"}, []bool{false, false, true, true, true, true, true})
	for _, r := range s.Systems {
		rps, share := notMeasured, notMeasured
		if r.Measured() {
			rps, share = rateOrDash(r.RPS), fmtShare(r.Share)
		}
		t.Rows = append(t.Rows, []string{r.System.Name, targetsText(r), cellsText(r), rps, rateOrDash(r.PublishedRPS), share, fmtShare(r.PublishedShare)})
	}
	return t
}

// rankingBlocks compare the published and measured orders of the proxies.
func rankingBlocks(rankings []study.Ranking) []block {
	if len(rankings) == 0 {
		return nil
	}
	t := newTable([]string{"proxies by", "published, best first", "measured, best first", "agreement"}, []bool{false, false, false, false})
	for _, r := range rankings {
		t.Rows = append(t.Rows, []string{r.By, softwareList(r.Published), cmp.Or(measuredOrder(r), notMeasured), agreementText(r)})
	}
	return []block{
		&heading{text: "Ranking of the proxies"},
		&paragraph{text: "The proxies ordered by overhead (lowest first) and by throughput (highest first); a swap is a pair the measured order reverses. " +
			"≈ joins neighbours whose 95% intervals overlap: they are not ranked, and never count as a swap."},
		t,
	}
}

// agreementText says whether a ranking agrees, names its swaps and the
// proxies it lacks.
func agreementText(r study.Ranking) string {
	var s string
	switch {
	case len(r.Measured) < 2:
		s = "fewer than two proxies measured"
	case r.Agree():
		s = "same order"
	default:
		pairs := make([]string, len(r.Swaps))
		for i, p := range r.Swaps {
			pairs[i] = p[0].Software + " ↔ " + p[1].Software
		}
		s = "swapped: " + strings.Join(pairs, "; ")
	}
	if len(r.Missing) > 0 {
		s += "; not measured: " + softwareList(r.Missing)
	}
	return s
}

// measuredOrder names the measured systems best first, joining with ≈
// the neighbours that cannot be told apart.
func measuredOrder(r study.Ranking) string {
	var b strings.Builder
	for i, s := range r.Measured {
		if i > 0 {
			sep := ", "
			if i-1 < len(r.Tied) && r.Tied[i-1] {
				sep = " ≈ "
			}
			b.WriteString(sep)
		}
		b.WriteString(s.Software)
	}
	return b.String()
}

// softwareList names systems by their software, in order.
func softwareList(systems []study.System) string {
	names := make([]string, len(systems))
	for i, s := range systems {
		names[i] = s.Software
	}
	return strings.Join(names, ", ")
}

// targetsText names the targets a system's cells ran, or the target it
// maps to when it was not measured.
func targetsText(r study.SystemResult) string {
	if len(r.Targets) == 0 {
		return r.System.Target
	}
	return strings.Join(r.Targets, ", ")
}

// cellsText counts a system's merged cells and its failed ones: "6",
// "5 (1 failed)", "not measured (2 failed)".
func cellsText(r study.SystemResult) string {
	s := notMeasured
	if r.Measured() {
		s = strconv.Itoa(r.Cells)
	}
	if r.Failed > 0 {
		s += fmt.Sprintf(" (%d failed)", r.Failed)
	}
	return s
}

// measuredMicros formats a measured latency, "not measured" when there
// is none.
func measuredMicros(r study.SystemResult, ns float64) string {
	if !r.Measured() || math.IsNaN(ns) {
		return notMeasured
	}
	return fmtMicros(ns)
}

// fmtSigned formats a difference in ns as signed µs: "+55.1", "-3.20".
func fmtSigned(ns float64) string {
	if math.IsNaN(ns) || math.IsInf(ns, 0) {
		return noValue
	}
	if ns < 0 {
		return "-" + fmtMicros(-ns)
	}
	return "+" + fmtMicros(ns)
}

// fmtShare formats a ratio as a percentage with one decimal: "76.2%".
func fmtShare(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return noValue
	}
	return strconv.FormatFloat(100*r, 'f', 1, 64) + "%"
}

// runsText says how many runs: "one run", "3 runs".
func runsText(n int) string {
	if n == 1 {
		return "one run"
	}
	return plural(n, "run")
}

// rateOrDash formats a rate, or noValue when there is none.
func rateOrDash(rps float64) string {
	if math.IsNaN(rps) {
		return noValue
	}
	return fmtRate(rps)
}
