package plot

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/latbench/latbench/results"
)

// The rules the dependency charts' sentences apply.
const (
	// maxFastGrowth is how much a target's fast-class p99 may grow, from
	// its smallest delay to the largest, for it to count as having kept
	// the fast requests fast.
	maxFastGrowth = 2.0
	// minAvailability is the availability a target must reach at every
	// delay to count as having answered.
	minAvailability = 0.999
)

// p99Verdict is how one target fared at the judged delay.
type p99Verdict struct {
	label string
	// refMs is the delay its p99 is compared with: 0 ms, or its smallest.
	refMs float64
	// ratio is its p99 at the judged delay over its p99 at refMs; +Inf
	// when no fast request succeeded there.
	ratio float64
	// unknown says why it cannot be judged, "" when it can.
	unknown string
}

// judgedDelay returns the largest delay at which some target has a
// fast-class p99, and whether there is one.
func judgedDelay(g depGroup) (float64, bool) {
	best, ok := 0.0, false
	for _, s := range g.series {
		for _, p := range s.pts {
			if p.hasP99() && (!ok || p.delayMs > best) {
				best, ok = p.delayMs, true
			}
		}
	}
	return best, ok
}

// verdictOf judges one target at delay ms against its smallest delay
// with a fast-class p99.
func verdictOf(s depSeries, ms float64) p99Verdict {
	v := p99Verdict{label: s.label}
	var ref *depPoint
	for i := range s.pts {
		if s.pts[i].hasP99() {
			ref = &s.pts[i]
			break
		}
	}
	at, ok := s.at(ms)
	switch {
	case !ok && slices.Contains(s.failedMs, ms):
		v.unknown = gapFailed
	case !ok:
		v.unknown = "not run at that delay"
	case !at.hasP99() && at.gap == gapNoFast && ref != nil && ref.delayMs < ms:
		v.refMs, v.ratio = ref.delayMs, math.Inf(1)
	case !at.hasP99():
		v.unknown = at.gap
	case ref.delayMs >= ms:
		v.unknown = "no smaller delay to compare with"
	default:
		v.refMs, v.ratio = ref.delayMs, at.p99Us/ref.p99Us
	}
	return v
}

// p99Finding returns the sentence that says which targets kept the fast
// class's p99 within maxFastGrowth of its value at their smallest delay
// (0 ms where they ran it), judged at the largest delay with figures.
func p99Finding(g depGroup) string {
	ms, ok := judgedDelay(g)
	if !ok {
		return "No cell has a fast-class p99, so none can be judged."
	}
	kept, missed, unknown := verdicts(g, ms)
	head := p99Head(ms, kept, missed, len(g.series))
	_, others := refText(append(slices.Clone(kept), missed...))
	for _, o := range others {
		head += "; " + o
	}
	if len(unknown) > 0 {
		head += "; no verdict for " + reasons(unknown)
	}
	return head + "."
}

// verdicts judges every target of g at delay ms and sorts them into
// those that kept the fast requests fast, those that did not, and those
// that cannot be judged.
func verdicts(g depGroup, ms float64) (kept, missed, unknown []p99Verdict) {
	for _, s := range g.series {
		switch v := verdictOf(s, ms); {
		case v.unknown != "":
			unknown = append(unknown, v)
		case v.ratio <= maxFastGrowth:
			kept = append(kept, v)
		default:
			missed = append(missed, v)
		}
	}
	return kept, missed, unknown
}

// p99Head writes the main clause of the p99 finding: who kept the fast
// class's p99 within the rule at delay ms and who did not, of n targets.
func p99Head(ms float64, kept, missed []p99Verdict, n int) string {
	ref, _ := refText(append(slices.Clone(kept), missed...))
	rule := fmt.Sprintf("the fast class's p99 within %s× of %s", fmtNumber(maxFastGrowth), ref)
	at := fmtDelay(ms)
	switch {
	case len(kept) > 0 && len(missed) > 0:
		return fmt.Sprintf("At %s, %s kept %s; %s did not (%s)", at, names(kept), rule, names(missed), ratioRange(missed, "p99 "))
	case len(kept) > 1 && len(kept) == n:
		return fmt.Sprintf("At %s, every server kept %s (%s)", at, rule, ratioRange(kept, ""))
	case len(kept) > 0:
		return fmt.Sprintf("At %s, %s kept %s (%s)", at, names(kept), rule, ratioRange(kept, ""))
	case len(missed) > 1 && len(missed) == n:
		return fmt.Sprintf("At %s, no server kept %s (%s)", at, rule, ratioRange(missed, "p99 "))
	case len(missed) > 0:
		return fmt.Sprintf("At %s, %s did not keep %s (%s)", at, names(missed), rule, ratioRange(missed, "p99 "))
	}
	return fmt.Sprintf("At %s, no server can be judged", at)
}

// refText names what the targets' p99 is compared with, "its value at
// 0 ms", and says of each target whose smallest delay differs what it is
// compared with instead.
func refText(vs []p99Verdict) (string, []string) {
	counts := map[float64]int{}
	common := 0.0
	for _, v := range vs {
		counts[v.refMs]++
	}
	for ms, n := range counts {
		if n > counts[common] || (n == counts[common] && ms < common) {
			common = ms
		}
	}
	text := "its value at " + fmtDelay(common)
	if common != 0 {
		text += ", its smallest delay"
	}
	var others []string
	for _, v := range vs {
		if v.refMs != common {
			others = append(others, fmt.Sprintf("%s is compared with its smallest delay, %s", v.label, fmtDelay(v.refMs)))
		}
	}
	return text, others
}

// ratioRange writes the spread of the verdicts' ratios: "×180 to ×950",
// "×1.1", and the targets that answered no fast request.
func ratioRange(vs []p99Verdict, prefix string) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	var none []string
	for _, v := range vs {
		if math.IsInf(v.ratio, 1) {
			none = append(none, v.label)
			continue
		}
		lo, hi = math.Min(lo, v.ratio), math.Max(hi, v.ratio)
	}
	var parts []string
	if !math.IsInf(lo, 1) {
		text := prefix + fmtRatio(lo)
		if fmtRatio(hi) != fmtRatio(lo) {
			text += " to " + fmtRatio(hi)
		}
		parts = append(parts, text)
	}
	if len(none) > 0 {
		parts = append(parts, "no fast request of "+joinAnd(none)+" succeeded")
	}
	return strings.Join(parts, "; ")
}

// fmtRatio writes a ratio with two significant digits: "×180", "×1.1".
func fmtRatio(r float64) string {
	return "×" + strconv.FormatFloat(roundSig(r, 2), 'f', -1, 64)
}

// names lists the verdicts' targets: "go, rust and java".
func names(vs []p99Verdict) string {
	labels := make([]string, len(vs))
	for i, v := range vs {
		labels[i] = v.label
	}
	return joinAnd(labels)
}

// reasons lists targets that cannot be judged with why: "rust (its
// cell failed) and java (no request classes)".
func reasons(vs []p99Verdict) string {
	items := make([]string, len(vs))
	for i, v := range vs {
		items[i] = fmt.Sprintf("%s (%s)", v.label, v.unknown)
	}
	return joinAnd(items)
}

// joinAnd joins items as a sentence does: "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// availabilityFinding returns the sentence that says which targets
// answered at least minAvailability of their requests at every delay, and
// for those that did not, their lowest availability and where.
func availabilityFinding(g depGroup) string {
	var good, poor []string
	var failed []string
	for _, s := range g.series {
		if len(s.failedMs) > 0 {
			failed = append(failed, fmt.Sprintf("%s at %s", s.label, strings.Join(delayList(s.failedMs), ", ")))
		}
		if len(s.pts) == 0 {
			continue
		}
		worst := s.pts[0]
		for _, p := range s.pts[1:] {
			if p.availability < worst.availability {
				worst = p
			}
		}
		if worst.availability >= minAvailability {
			good = append(good, s.label)
		} else {
			poor = append(poor, fmt.Sprintf("%s (%s at %s)", s.label, results.FormatAvailability(worst.availability), fmtDelay(worst.delayMs)))
		}
	}
	threshold := results.FormatAvailability(minAvailability)
	var head string
	switch {
	case len(poor) == 0 && len(good) > 1:
		head = fmt.Sprintf("Every server answered ≥ %s of requests at every delay", threshold)
	case len(poor) == 0 && len(good) == 1:
		head = fmt.Sprintf("%s answered ≥ %s of requests at every delay", good[0], threshold)
	case len(poor) == 0:
		head = "No cell has an availability"
	case len(good) == 0:
		head = fmt.Sprintf("%s answered fewer than %s of requests at some delay", joinAnd(poor), threshold)
	default:
		head = fmt.Sprintf("%s answered fewer than %s of requests at some delay; %s answered ≥ %s at every delay",
			joinAnd(poor), threshold, joinAnd(good), threshold)
	}
	if len(failed) > 0 {
		head += "; failed cells, not counted: " + joinAnd(failed)
	}
	return head + "."
}

// delayList formats delays in ms: ["10 ms", "200 ms"].
func delayList(ms []float64) []string {
	out := make([]string, len(ms))
	for i, d := range ms {
		out[i] = fmtDelay(d)
	}
	return out
}
