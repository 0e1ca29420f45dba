package plot

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/latbench/latbench/results"
)

// Why a delay step of a target has no fast-class p99.
const (
	gapFailed    = "its cell failed"
	gapNoClasses = "no request classes"
	gapNoFast    = "no fast request succeeded"
)

// depKey is the scenario, load and rate step of a pair of dependency
// charts.
type depKey struct {
	scenario, load string
	step           int
}

// String names the key as captions and titles do: "http, load moderate".
func (k depKey) String() string {
	s := fmt.Sprintf("%s, load %s", k.scenario, k.load)
	if k.step > 0 {
		s += fmt.Sprintf(" step %d", k.step)
	}
	return s
}

// depPoint is one delay step of one target: the medians over its
// successful rounds of the fast class's p99 and of the availability.
type depPoint struct {
	delayMs float64
	// p99Us is the fast class's p99 in µs; NaN when the step has none,
	// and gap says why.
	p99Us        float64
	gap          string
	availability float64
}

// hasP99 reports whether the point has a fast-class p99.
func (p depPoint) hasP99() bool { return !math.IsNaN(p.p99Us) }

// depSeries is one target's delay steps.
type depSeries struct {
	target, label string
	// pts are the steps with a successful cell, by delay.
	pts []depPoint
	// failedMs are the delays at which every cell of the target failed.
	failedMs []float64
}

// at returns the target's point at delay ms, if it has one.
func (s depSeries) at(ms float64) (depPoint, bool) {
	for _, p := range s.pts {
		if p.delayMs == ms {
			return p, true
		}
	}
	return depPoint{}, false
}

// depGroup is the data of one pair of dependency charts.
type depGroup struct {
	key depKey
	// delaysMs are every delay step of the group's cells, sorted.
	delaysMs []float64
	series   []depSeries
	// fastNames are the fast classes' names.
	fastNames []string
}

// delayMs returns a delay in ms.
func delayMs(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fmtDelay formats a delay in ms for a sentence: "200 ms".
func fmtDelay(ms float64) string { return fmtNumber(ms) + " ms" }

// dependencyGroups returns one group per scenario, load and rate step
// whose cells step through a slow dependency's delays (at least two),
// in sorted order.
func dependencyGroups(cells []results.Cell) []depGroup {
	byKey := map[depKey][]*results.Cell{}
	for i := range cells {
		c := &cells[i]
		if c.Load.HasDependencyDelay {
			k := depKey{c.Scenario, results.LoadLabel(c.Load), c.Load.Step}
			byKey[k] = append(byKey[k], c)
		}
	}
	var out []depGroup
	for k, mine := range byKey {
		g := depGroup{key: k}
		for _, c := range mine {
			if ms := delayMs(c.Load.DependencyDelay); !slices.Contains(g.delaysMs, ms) {
				g.delaysMs = append(g.delaysMs, ms)
			}
			if fc := fastClass(c.Classes); fc != nil && !slices.Contains(g.fastNames, fc.Name) {
				g.fastNames = append(g.fastNames, fc.Name)
			}
		}
		if len(g.delaysMs) < 2 {
			continue
		}
		slices.Sort(g.delaysMs)
		for _, label := range labels(mine) {
			g.series = append(g.series, depSeriesOf(label, mine))
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b depGroup) int {
		return cmp.Or(cmp.Compare(a.key.scenario, b.key.scenario), cmp.Compare(a.key.load, b.key.load), cmp.Compare(a.key.step, b.key.step))
	})
	return out
}

// depSeriesOf returns the delay steps of the cells labelled label.
func depSeriesOf(label string, cells []*results.Cell) depSeries {
	byDelay := map[float64][]*results.Cell{}
	var delays []float64
	s := depSeries{label: label}
	for _, c := range cells {
		if results.TargetLabel(c) != label {
			continue
		}
		s.target = c.Target
		ms := delayMs(c.Load.DependencyDelay)
		if _, ok := byDelay[ms]; !ok {
			delays = append(delays, ms)
		}
		byDelay[ms] = append(byDelay[ms], c)
	}
	slices.Sort(delays)
	for _, ms := range delays {
		if p, ok := depPointOf(ms, byDelay[ms]); ok {
			s.pts = append(s.pts, p)
		} else {
			s.failedMs = append(s.failedMs, ms)
		}
	}
	return s
}

// depPointOf reduces the rounds of one delay step to their medians; it
// returns false when every round failed.
func depPointOf(ms float64, cells []*results.Cell) (depPoint, bool) {
	var p99s, avails []float64
	gap := ""
	for _, c := range cells {
		if c.Status != results.StatusOK {
			continue
		}
		avails = append(avails, c.Stats.Availability)
		fc := fastClass(c.Classes)
		switch {
		case fc == nil:
			gap = gapNoClasses
		case fc.Latency.Count == 0 || fc.Latency.P99 <= 0:
			gap = cmp.Or(gap, gapNoFast)
		default:
			p99s = append(p99s, micros(float64(fc.Latency.P99)))
		}
	}
	if len(avails) == 0 {
		return depPoint{}, false
	}
	p := depPoint{delayMs: ms, p99Us: math.NaN(), availability: results.Median(avails)}
	if len(p99s) > 0 {
		p.p99Us = results.Median(p99s)
	} else {
		p.gap = gap
	}
	return p, true
}

// fastClass returns the class of a mix that does not wait for the slow
// dependency: the first whose path has no "/delay/", else the first
// class; nil without classes.
func fastClass(classes []results.ClassStats) *results.ClassStats {
	for i := range classes {
		if !strings.Contains(classes[i].Name, "/delay/") {
			return &classes[i]
		}
	}
	if len(classes) > 0 {
		return &classes[0]
	}
	return nil
}
