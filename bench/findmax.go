package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/latbench/latbench/results"
)

// Max-throughput search defaults.
const (
	// DefaultSearchSteps bounds the rates a search tries.
	DefaultSearchSteps = 12
	// DefaultSearchTolerance stops the bisection once the bracket is
	// within ±5% of its upper end.
	DefaultSearchTolerance = 0.05
	// DefaultMaxErrorRate is the error budget of a search step.
	DefaultMaxErrorRate = 0.001
	// DefaultSearchStart is the first rate tried when none is given.
	DefaultSearchStart = 1000.0
)

// SLO is a latency objective: the latency at Percentile (0–100, from due
// time) must not exceed Bound.
type SLO struct {
	Percentile float64
	Bound      time.Duration
}

// String formats the SLO as it is written: "p99=2ms".
func (s SLO) String() string {
	return "p" + strconv.FormatFloat(s.Percentile, 'f', -1, 64) + "=" + s.Bound.String()
}

// ParseSLO parses "p99=2ms", "p99.9=500us" or "p50=100µs".
func ParseSLO(s string) (SLO, error) {
	name, bound, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok || !strings.HasPrefix(name, "p") {
		return SLO{}, fmt.Errorf("SLO %q: write it as pNN=DURATION, e.g. p99=2ms or p99.9=500us", s)
	}
	p, err := strconv.ParseFloat(name[1:], 64)
	if err != nil || p <= 0 || p > 100 {
		return SLO{}, fmt.Errorf("SLO %q: the percentile must be a number above 0 and at most 100, e.g. p99", s)
	}
	d, err := time.ParseDuration(strings.ReplaceAll(bound, "µ", "u"))
	if err != nil || d <= 0 {
		return SLO{}, fmt.Errorf("SLO %q: the bound must be a positive duration such as 2ms or 500us", s)
	}
	return SLO{Percentile: p, Bound: d}, nil
}

// SearchSpec describes a max-throughput search.
type SearchSpec struct {
	// Cell is the template of every step; its Load.Rate is replaced.
	Cell CellSpec
	// StartRPS is the first rate tried (DefaultSearchStart when 0).
	StartRPS float64
	SLO      SLO
	// MaxErrorRate is the share of failed requests a step may have.
	MaxErrorRate float64
	// MaxSteps bounds the steps (DefaultSearchSteps when 0).
	MaxSteps int
	// Tolerance is the relative width at which the bisection stops
	// (DefaultSearchTolerance when 0).
	Tolerance float64
}

// Search finds the highest rate at which the target achieves at least
// MinAchievedRatio of the offered rate, meets the SLO and stays within the
// error budget. It doubles the rate from StartRPS until a step fails, then
// bisects between the last passing and the first failing rate until they
// are within Tolerance or MaxSteps are spent. runStep measures one cell;
// the search only reads what it returns.
func Search(ctx context.Context, spec SearchSpec, runStep func(CellSpec) results.Cell) results.Search {
	spec = spec.withDefaults()
	s := results.Search{Target: spec.Cell.Target, Scenario: spec.Cell.Scenario.Name, SLO: spec.SLO.String(), MaxErrorRate: spec.MaxErrorRate}
	lo, hi := 0.0, 0.0 // highest passing rate, lowest failing rate (0: none yet)
	rate := spec.StartRPS
	for len(s.Steps) < spec.MaxSteps {
		if ctx.Err() != nil {
			s.Stopped = "interrupted"
			break
		}
		step := spec.try(rate, len(s.Steps)+1, runStep)
		s.Steps = append(s.Steps, step)
		if step.Pass {
			lo = rate
		} else {
			hi = rate
		}
		if hi > 0 && (hi-lo) <= spec.Tolerance*hi {
			s.Stopped = fmt.Sprintf("converged: the knee is within %.0f%% (passed %.0f rps, failed %.0f rps)", 100*spec.Tolerance, lo, hi)
			break
		}
		rate = nextRate(lo, hi)
	}
	if s.Stopped == "" {
		s.Stopped = fmt.Sprintf("step budget of %d spent", spec.MaxSteps)
	}
	s.KneeRPS = lo
	return s
}

// nextRate doubles past the highest pass while nothing has failed, then
// bisects the bracket.
func nextRate(lo, hi float64) float64 {
	if hi == 0 {
		return 2 * lo
	}
	return (lo + hi) / 2
}

// withDefaults fills in the zero fields.
func (spec SearchSpec) withDefaults() SearchSpec {
	if spec.StartRPS <= 0 {
		spec.StartRPS = DefaultSearchStart
	}
	if spec.MaxSteps <= 0 {
		spec.MaxSteps = DefaultSearchSteps
	}
	if spec.Tolerance <= 0 {
		spec.Tolerance = DefaultSearchTolerance
	}
	return spec
}

// try measures one step at rate and judges it.
func (spec SearchSpec) try(rate float64, n int, runStep func(CellSpec) results.Cell) results.SearchStep {
	cell := spec.Cell
	cell.Load.Rate = rate
	cell.Load.Name = "findmax"
	cell.Load.Step = n
	cell.ID = fmt.Sprintf("%s-findmax-s%02d-%.0frps", cell.Target, n, rate)
	got := runStep(cell)
	step := results.SearchStep{CellID: got.ID, TargetRPS: rate, AchievedRPS: got.Stats.AchievedRPS}
	step.Reason = spec.judge(&got, rate)
	step.Pass = step.Reason == ""
	return step
}

// judge returns why a step failed, or "" when it passed.
func (spec SearchSpec) judge(c *results.Cell, rate float64) string {
	st := c.Stats
	total := st.Requests + st.ErrorsTotal
	lat, err := results.DecodeHistogram(c.Histograms.Latency)
	switch {
	case c.Status != results.StatusOK:
		return "failed: " + c.Failure
	case total == 0 || err != nil:
		return "no requests completed"
	case st.AchievedRPS < MinAchievedRatio*rate:
		return fmt.Sprintf("achieved %.0f of %.0f rps", st.AchievedRPS, rate)
	case float64(st.ErrorsTotal) > spec.MaxErrorRate*float64(total):
		return fmt.Sprintf("error rate %.3g%% over %.3g%%", 100*float64(st.ErrorsTotal)/float64(total), 100*spec.MaxErrorRate)
	}
	if v := time.Duration(lat.ValueAtPercentile(spec.SLO.Percentile)); v > spec.SLO.Bound {
		return fmt.Sprintf("p%g %v over %v", spec.SLO.Percentile, v.Round(time.Microsecond), spec.SLO.Bound)
	}
	return ""
}
