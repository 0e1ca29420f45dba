package bench

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
)

// recoveryFactor is how close to its value before a fault the p99 of an
// interval must come back for the target to count as recovered.
const recoveryFactor = 2

// faultTracker follows a cell's intervals as they close and keeps what
// its faults' figures need and nothing more: the merged latencies of the
// window before the first fault, and the start and p99 of every later
// interval.
type faultTracker struct {
	faults []Fault
	first  time.Duration           // offset of the earliest fault
	before *hdrhistogram.Histogram // the window before it
	after  []intervalP99           // intervals from the first fault on
}

// intervalP99 is one interval's start and latency p99 (0: no latency).
type intervalP99 struct {
	start time.Duration
	p99   int64
}

// newFaultTracker returns a tracker for faults; nil when there are none.
func newFaultTracker(faults []Fault) *faultTracker {
	if len(faults) == 0 {
		return nil
	}
	return &faultTracker{faults: faults, first: firstAt(faults), before: engine.NewHistogram()}
}

// add takes one interval of the window, [start, end), with latencies h.
func (t *faultTracker) add(start, end time.Duration, h *hdrhistogram.Histogram) {
	if end <= t.first {
		t.before.Merge(h)
		return
	}
	p := intervalP99{start: start}
	if h.TotalCount() > 0 {
		p.p99 = h.ValueAtQuantile(99)
	}
	t.after = append(t.after, p)
}

// results returns what each fault did: availability during it, from the
// run's counts, and the time to recover, from the intervals.
func (t *faultTracker) results(counts []engine.FaultCount) []results.FaultResult {
	var out []results.FaultResult
	for i, f := range t.faults {
		r := results.FaultResult{Fault: f.String(), Kind: f.Kind, At: f.At, For: f.For, Availability: 1}
		if i < len(counts) {
			r.FellDue, r.Succeeded = counts[i].FellDue, counts[i].Succeeded
			if r.FellDue > 0 {
				r.Availability = float64(r.Succeeded) / float64(r.FellDue)
			}
		}
		r.BaselineP99, r.Recovered, r.Recovery = t.recovery(f)
		out = append(out, r)
	}
	return out
}

// firstAt returns the offset of the earliest fault.
func firstAt(faults []Fault) time.Duration {
	first := time.Duration(1<<63 - 1)
	for _, f := range faults {
		first = min(first, f.At)
	}
	return first
}

// recovery returns the latency p99 of the window before the first fault,
// so that an earlier fault does not count as normal, and whether and how
// long after f's end an interval's p99 came back within recoveryFactor of
// it. Without a baseline there is no recovery to speak of.
func (t *faultTracker) recovery(f Fault) (baselineNs int64, recovered bool, after time.Duration) {
	if t.before.TotalCount() == 0 {
		return 0, false, 0
	}
	baselineNs = t.before.ValueAtQuantile(99)
	for _, iv := range t.after {
		if iv.start >= f.End() && iv.p99 > 0 && iv.p99 <= recoveryFactor*baselineNs {
			return baselineNs, true, iv.start - f.End()
		}
	}
	return baselineNs, false, 0
}
