package bench

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/results"
)

// recoveryFactor is how close to its value before a fault the p99 of an
// interval must come back for the target to count as recovered.
const recoveryFactor = 2

// faultResults returns what each fault did: availability during it, from
// the run's counts, and the time to recover, from the interval log.
func faultResults(faults []Fault, counts []FaultCount, intervals []results.Interval) []results.FaultResult {
	var out []results.FaultResult
	first := firstAt(faults)
	for i, f := range faults {
		r := results.FaultResult{Fault: f.String(), Kind: f.Kind, At: f.At, For: f.For, Availability: 1}
		if i < len(counts) {
			r.FellDue, r.Succeeded = counts[i].FellDue, counts[i].Succeeded
			if r.FellDue > 0 {
				r.Availability = float64(r.Succeeded) / float64(r.FellDue)
			}
		}
		r.BaselineP99, r.Recovered, r.Recovery = recovery(f, first, intervals)
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

// recovery returns the latency p99 of the window before the first fault
// (baselineEnd), so that an earlier fault does not count as normal, and
// whether and how long after f's end an interval's p99 came back within
// recoveryFactor of it. Without a baseline there is no recovery to speak
// of.
func recovery(f Fault, baselineEnd time.Duration, intervals []results.Interval) (baselineNs int64, recovered bool, after time.Duration) {
	before := results.NewHistogram()
	for _, iv := range intervals {
		if time.Duration(iv.EndNs) <= baselineEnd {
			if h := decodeInterval(iv); h != nil {
				before.Merge(h)
			}
		}
	}
	if before.TotalCount() == 0 {
		return 0, false, 0
	}
	baselineNs = before.ValueAtQuantile(99)
	for _, iv := range intervals {
		if time.Duration(iv.StartNs) < f.End() {
			continue
		}
		if h := decodeInterval(iv); h != nil && h.TotalCount() > 0 && h.ValueAtQuantile(99) <= recoveryFactor*baselineNs {
			return baselineNs, true, time.Duration(iv.StartNs) - f.End()
		}
	}
	return baselineNs, false, 0
}

// decodeInterval returns an interval's latency histogram, nil if it does
// not decode (it was encoded by this process, so it always does).
func decodeInterval(iv results.Interval) *hdrhistogram.Histogram {
	h, err := results.DecodeHistogram(iv.Latency)
	if err != nil {
		return nil
	}
	return h
}

// availability returns the successful share of the measured requests,
// 1 when none fell due.
func availability(st *results.CellStats) float64 {
	if st.FellDue == 0 {
		return 1
	}
	return float64(st.Requests) / float64(st.FellDue)
}
