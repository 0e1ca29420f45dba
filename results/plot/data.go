package plot

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/results"
)

// Load loop names, as in results.LoadConfig.Loop.
const (
	loopOpen   = "open"
	loopClosed = "closed"
)

// scenarios returns the scenarios of the cells, sorted.
func scenarios(cells []results.Cell) []string {
	var out []string
	for i := range cells {
		if !slices.Contains(out, cells[i].Scenario) {
			out = append(out, cells[i].Scenario)
		}
	}
	slices.Sort(out)
	return out
}

// labels returns the target labels of the cells, sorted.
func labels(cells []*results.Cell) []string {
	var out []string
	for _, c := range cells {
		if l := results.TargetLabel(c); !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// okCells returns pointers to the successful cells that match keep.
func okCells(cells []results.Cell, keep func(c *results.Cell) bool) []*results.Cell {
	var out []*results.Cell
	for i := range cells {
		c := &cells[i]
		if c.Status == results.StatusOK && keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// loadDescription describes a cell's load for a caption: "open loop,
// 1,000 rps offered, 997 achieved".
func loadDescription(c *results.Cell) string {
	if c.Load.Loop == loopClosed || c.Load.TargetRPS <= 0 {
		return fmt.Sprintf("closed loop, %s rps achieved", fmtRate(c.Stats.AchievedRPS))
	}
	return fmt.Sprintf("open loop, %s rps offered, %s achieved", fmtRate(c.Load.TargetRPS), fmtRate(c.Stats.AchievedRPS))
}

// decode decodes a base64 histogram; an empty or undecodable one, or one
// with no values, is an error.
func decode(enc string) (*hdrhistogram.Histogram, error) {
	if enc == "" {
		return nil, errors.New("no histogram")
	}
	h, err := results.DecodeHistogram(enc)
	if err != nil {
		return nil, err
	}
	if h.TotalCount() == 0 {
		return nil, errors.New("empty histogram")
	}
	return h, nil
}

// quantileMicros returns the value at quantile q (0..1) of h in µs,
// clamped to the histogram's lowest value so a log axis can show it.
func quantileMicros(h *hdrhistogram.Histogram, q float64) float64 {
	v := float64(h.ValueAtQuantile(100*q)) / nsPerMicro
	low := math.Max(float64(h.Min())/nsPerMicro, minMicros)
	return math.Max(v, low)
}

// micros converts ns to µs, clamped to minMicros.
func micros(ns float64) float64 {
	return math.Max(ns/nsPerMicro, minMicros)
}

// positive reports whether v can go on a log axis.
func positive(v float64) bool {
	return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v)
}

// atSmallestDelay returns a filter that keeps every cell except the
// delay steps of a slow dependency above their scenario's smallest: the
// charts that compare targets show such a suite at its smallest delay,
// and the dependency charts show all of them.
func atSmallestDelay(cells []results.Cell) func(c *results.Cell) bool {
	least := map[string]time.Duration{}
	for i := range cells {
		c := &cells[i]
		if d, ok := least[c.Scenario]; c.Load.HasDependencyDelay && (!ok || c.Load.DependencyDelay < d) {
			least[c.Scenario] = c.Load.DependencyDelay
		}
	}
	return func(c *results.Cell) bool {
		return !c.Load.HasDependencyDelay || c.Load.DependencyDelay == least[c.Scenario]
	}
}

// delayNote is a caption's sentence saying that the chart shows a slow
// dependency's delay steps at the smallest delay, or "" when no cell is
// such a step.
func delayNote(cells []*results.Cell) string {
	least, found := time.Duration(0), false
	for _, c := range cells {
		if c.Load.HasDependencyDelay && (!found || c.Load.DependencyDelay < least) {
			least, found = c.Load.DependencyDelay, true
		}
	}
	if !found {
		return ""
	}
	return fmt.Sprintf(" Cells that step through a slow dependency's delays are shown at the smallest, %s; "+
		"the dependency charts show every delay.", fmtDelay(delayMs(least)))
}
