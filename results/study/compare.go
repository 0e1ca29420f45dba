package study

import (
	"fmt"
	"math"
	"slices"
	"strings"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
)

// Run options (results.RunConfig.Options) that the comparison reads.
const (
	// OptionPublished names the published figures a run is set beside;
	// ValueStudy is this study.
	OptionPublished = "published"
	ValueStudy      = "study"
	// OptionMachine describes, in a sentence, the machine the run used
	// and how it was scaled from the study's.
	OptionMachine = "machine"
)

// Comparison is a run's measurements beside the study's published
// figures.
type Comparison struct {
	// Machine is the run's description of its machine (OptionMachine),
	// "" when it has none.
	Machine string
	// Data is the published study.
	Data *Data
	// Shapes has one entry per published table, in the tables' order.
	Shapes []ShapeResult
	// Rankings order the proxies by the published and measured figures.
	Rankings []Ranking
	// Rounds is the highest round of the run's cells: 0 when every cell
	// ran once.
	Rounds int
	// Intervals are the medians over rounds of each system's p50 and p99
	// at each moderate step; nil when the run has no rounds.
	Intervals []IntervalRow
	// Nagle lists the cells warned that the target does not set
	// TCP_NODELAY.
	Nagle []NagleRow
}

// ShapeResult is one load shape: every system of the study, measured or
// not, in the published order (the baseline first).
type ShapeResult struct {
	Table   Table
	Systems []SystemResult
}

// SystemResult is one system at one load shape: latbench's figures from
// all its cells of the shape (every rate step and round merged into one
// distribution, as the study reported one per system over its stepped
// run) beside the published ones. Latencies are in ns; a value that was
// not measured or not published is NaN.
type SystemResult struct {
	System System
	// Targets are the targets of the merged cells: the baseline's
	// backend may be another server than the study's nginx.
	Targets []string
	// Cells counts the merged cells, Failed the cells that failed.
	Cells, Failed int
	// Latency is from the time each request was due; Service from the
	// time it was sent, what a closed-loop tool such as perf-gauge
	// reports.
	Latency, Service Figures
	// Overhead is Latency minus the baseline's, from the same run, or,
	// for a proxy measured paired with its backend, Paired's value;
	// PublishedOverhead the published figure minus the published
	// baseline's.
	Overhead, Published, PublishedOverhead Figures
	// Paired is the overhead of a proxy measured at once with its
	// backend, with its interval; nil when it was measured in cells of
	// its own (the sequential method).
	Paired *PairedOverhead
	// RPS is the median over the cells of the achieved rate (at max
	// load, one cell a round); Share is RPS over the baseline's RPS.
	RPS, PublishedRPS, Share, PublishedShare float64
	// CPUPct is the median over the cells of the target process's CPU
	// use (100 is one CPU) and PeakRSS the largest peak resident memory,
	// both NaN when latbench did not sample the process. PublishedCPUPct
	// is the whole VM's.
	CPUPct, PeakRSS, PublishedCPUPct float64
}

// Measured reports whether any system of the shape was measured.
func (s ShapeResult) Measured() bool {
	for _, r := range s.Systems {
		if r.Measured() {
			return true
		}
	}
	return false
}

// Measured reports whether any cell of the system ran successfully.
func (s SystemResult) Measured() bool { return s.Cells > 0 }

// Hidden returns, at percentile p, how much of the latency a closed-loop
// measurement does not see: latency from the due time minus service time.
func (s SystemResult) Hidden(p Percentile) float64 {
	return s.Latency.At(p) - s.Service.At(p)
}

// Applies reports whether run asks to be set beside the study's
// published figures (option published=study).
func Applies(run *results.Run) bool {
	return run != nil && run.Config.Options[OptionPublished] == ValueStudy
}

// Compare sets run beside the study's published figures. It returns an
// error when the embedded data or a cell's histogram cannot be read.
func Compare(run *results.Run) (*Comparison, error) {
	d, err := Published()
	if err != nil {
		return nil, err
	}
	c := &Comparison{Machine: strings.TrimSpace(run.Config.Options[OptionMachine]), Data: d, Rounds: maxRound(run.Cells)}
	for _, t := range d.Tables {
		sr, err := compareShape(run.Cells, d.Systems, t)
		if err != nil {
			return nil, err
		}
		c.Shapes = append(c.Shapes, sr)
	}
	c.Rankings = rankings(c)
	if t, ok := d.Table(LoadModerate); ok && c.Rounds > 0 {
		c.Intervals = intervals(run.Cells, d.Systems, t)
	}
	if c.Nagle, err = nagleRows(run.Cells, d); err != nil {
		return nil, err
	}
	return c, nil
}

// Shape returns the result of the shape latbench runs as the named load.
func (c *Comparison) Shape(load string) (ShapeResult, bool) {
	for _, s := range c.Shapes {
		if s.Table.Latbench.Load == load {
			return s, true
		}
	}
	return ShapeResult{}, false
}

// compareShape measures every system at one shape and adds the overheads
// over the baseline.
func compareShape(cells []results.Cell, systems []System, t Table) (ShapeResult, error) {
	sr := ShapeResult{Table: t}
	for _, sys := range systems {
		r, err := measure(cells, sys, t)
		if err != nil {
			return sr, err
		}
		sr.Systems = append(sr.Systems, r)
	}
	addOverheads(sr.Systems)
	return sr, nil
}

// belongs reports whether c is one of the system's cells at the shape
// that latbench runs as m: a baseline cell for the baseline, else a proxy
// cell of the system's target.
func belongs(c *results.Cell, sys System, m Mapping) bool {
	if c.Load.Name != m.Load {
		return false
	}
	if sys.Baseline {
		return (c.Baseline && c.Scenario == m.Scenario) || (isPairedWithBackend(c) && c.Scenario == m.Scenario+"-proxy")
	}
	return !c.Baseline && c.Target == sys.Target && c.Scenario == m.Scenario+"-proxy"
}

// measure merges the system's cells of the shape and reads its figures
// beside the published ones.
func measure(cells []results.Cell, sys System, t Table) (SystemResult, error) {
	r := unmeasured(sys, t)
	lat, svc := engine.NewHistogram(), engine.NewHistogram()
	var rps, cpu []float64
	var paired []*results.Cell
	for i := range cells {
		c := &cells[i]
		if !belongs(c, sys, t.Latbench) {
			continue
		}
		if c.Status != results.StatusOK {
			r.Failed++
			continue
		}
		arm := armOf(c, sys)
		if err := results.MergeEncoded(lat, arm.Histograms.Latency); err != nil {
			return r, fmt.Errorf("study: cell %s: latency: %w", c.ID, err)
		}
		if err := results.MergeEncoded(svc, arm.Histograms.ServiceTime); err != nil {
			return r, fmt.Errorf("study: cell %s: service time: %w", c.ID, err)
		}
		r.Cells++
		if !slices.Contains(r.Targets, arm.Target) {
			r.Targets = append(r.Targets, arm.Target)
		}
		rps = append(rps, arm.Stats.AchievedRPS)
		if arm.Stats.ServerCPUPct > 0 || arm.Stats.ServerPeakRSS > 0 {
			cpu = append(cpu, arm.Stats.ServerCPUPct)
			r.PeakRSS = math.Max(nanToZero(r.PeakRSS), float64(arm.Stats.ServerPeakRSS))
		}
		if !sys.Baseline && isPairedWithBackend(c) {
			paired = append(paired, c)
		}
	}
	r.Latency, r.Service = percentiles(lat), percentiles(svc)
	var err error
	if r.Paired, err = pairedOverhead(paired); err != nil {
		return r, err
	}
	if len(rps) > 0 {
		r.RPS = results.Median(rps)
	}
	if len(cpu) > 0 {
		r.CPUPct = results.Median(cpu)
	}
	return r, nil
}

// armOf returns the figures of the cell that are the system's: a paired
// cell's backend arm for the baseline, else the cell's own.
func armOf(c *results.Cell, sys System) results.ArmFigures {
	if sys.Baseline && isPairedWithBackend(c) {
		return c.Paired.Reference
	}
	return results.ArmFigures{Target: c.Target, Stats: c.Stats, Histograms: c.Histograms}
}

// unmeasured returns the system's published figures at the shape, with
// every measured value NaN.
func unmeasured(sys System, t Table) SystemResult {
	r := SystemResult{
		System: sys, Latency: nanFigures(), Service: nanFigures(), Overhead: nanFigures(), Published: nanFigures(),
		PublishedOverhead: nanFigures(), RPS: nan(), PublishedRPS: nan(), Share: nan(), PublishedShare: nan(),
		CPUPct: nan(), PeakRSS: nan(), PublishedCPUPct: nan(),
	}
	row, ok := t.Row(sys.Name)
	if !ok {
		return r
	}
	r.Published = Figures{P50: t.Ns(row.P50), P90: t.Ns(row.P90), P99: t.Ns(row.P99), P999: t.Ns(row.P999)}
	if row.RPSThousands > 0 {
		r.PublishedRPS = row.RPS()
	}
	if row.CPUPct > 0 {
		r.PublishedCPUPct = row.CPUPct
	}
	return r
}

// addOverheads sets each system's overhead over the baseline (systems[0])
// and its throughput as a share of the baseline's, measured and
// published.
func addOverheads(systems []SystemResult) {
	if len(systems) == 0 || !systems[0].System.Baseline {
		return
	}
	base := systems[0]
	for i := range systems {
		s := &systems[i]
		s.Overhead = s.Latency.minus(base.Latency)
		if s.Paired != nil {
			s.Overhead = s.Paired.Value
		}
		s.PublishedOverhead = s.Published.minus(base.Published)
		s.Share = ratio(s.RPS, base.RPS)
		s.PublishedShare = ratio(s.PublishedRPS, base.PublishedRPS)
	}
}

// percentiles reads the compared percentiles of h, all NaN when it is
// empty. They are HdrHistogram's, as in results.Summarize.
func percentiles(h *hdrhistogram.Histogram) Figures {
	if h.TotalCount() == 0 {
		return nanFigures()
	}
	return figuresOf(func(p Percentile) float64 { return float64(h.ValueAtPercentile(float64(p))) })
}

// maxRound returns the highest round of the cells, 0 when none is a round.
func maxRound(cells []results.Cell) int {
	n := 0
	for i := range cells {
		n = max(n, cells[i].Round)
	}
	return n
}

// ratio returns a/b, NaN unless both are positive numbers.
func ratio(a, b float64) float64 {
	if !(a > 0) || !(b > 0) {
		return nan()
	}
	return a / b
}

// nan returns a NaN: a value not measured or not published.
func nan() float64 { return math.NaN() }

// nanFigures returns Figures with no values.
func nanFigures() Figures { return Figures{P50: nan(), P90: nan(), P99: nan(), P999: nan()} }

// nanToZero returns v, or 0 when v is NaN.
func nanToZero(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}
