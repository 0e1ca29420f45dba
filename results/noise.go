package results

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// IntervalNoise is what the host took from a benchmark during one
// interval of a cell's window. A figure the host could not give is nil.
type IntervalNoise struct {
	// StealPct is the share of the machine's CPU time the hypervisor gave
	// to something else, in percent.
	StealPct *float64 `json:"steal_pct,omitempty"`
	// ClientRunQueueUs and TargetRunQueueUs are the time the client's and
	// the target's threads spent waiting on a run queue, summed over the
	// threads, in µs (/proc/<pid>/task/*/schedstat).
	ClientRunQueueUs *float64 `json:"client_runq_us,omitempty"`
	TargetRunQueueUs *float64 `json:"target_runq_us,omitempty"`
	// WakeMaxUs and WakeMeanUs are how late a probe thread on the
	// target's CPUs woke from 1 ms sleeps, worst and mean, in µs.
	WakeMaxUs  *float64 `json:"wake_max_us,omitempty"`
	WakeMeanUs *float64 `json:"wake_mean_us,omitempty"`
}

// noiseFields names the fields of an IntervalNoise in an interval log's
// counts line.
func (n *IntervalNoise) fields() []struct {
	key string
	v   **float64
} {
	return []struct {
		key string
		v   **float64
	}{
		{"steal_pct", &n.StealPct}, {"client_runq_us", &n.ClientRunQueueUs}, {"target_runq_us", &n.TargetRunQueueUs},
		{"wake_max_us", &n.WakeMaxUs}, {"wake_mean_us", &n.WakeMeanUs},
	}
}

// logText returns the noise as the " key=value" fields of a counts line.
func (n *IntervalNoise) logText() string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	for _, f := range n.fields() {
		if *f.v != nil {
			fmt.Fprintf(&b, " %s=%s", f.key, strconv.FormatFloat(**f.v, 'f', -1, 64))
		}
	}
	return b.String()
}

// parseField sets the field key of a counts line to v; ok is false when
// key is not a noise field.
func (n *IntervalNoise) parseField(key, v string) (ok bool, err error) {
	for _, f := range n.fields() {
		if f.key != key {
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			return true, fmt.Errorf("interval %s=%q: not a non-negative number", key, v)
		}
		*f.v = &x
		return true, nil
	}
	return false, nil
}

// merge adds other, the same interval measured by another agent: the
// worst steal and wake-up, the summed run-queue waits, the mean of the
// mean wake-ups.
func (n *IntervalNoise) merge(other *IntervalNoise) {
	n.StealPct = mergeFloat(n.StealPct, other.StealPct, maxOf)
	n.ClientRunQueueUs = mergeFloat(n.ClientRunQueueUs, other.ClientRunQueueUs, sumOf)
	n.TargetRunQueueUs = mergeFloat(n.TargetRunQueueUs, other.TargetRunQueueUs, maxOf)
	n.WakeMaxUs = mergeFloat(n.WakeMaxUs, other.WakeMaxUs, maxOf)
	n.WakeMeanUs = mergeFloat(n.WakeMeanUs, other.WakeMeanUs, func(a, b float64) float64 { return (a + b) / 2 })
}

// maxOf and sumOf combine two figures.
func maxOf(a, b float64) float64 { return max(a, b) }
func sumOf(a, b float64) float64 { return a + b }

// mergeFloat combines two optional figures with f; one missing gives the
// other.
func mergeFloat(a, b *float64, f func(a, b float64) float64) *float64 {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	v := f(*a, *b)
	return &v
}

// CellNoise sums up the noise of a cell's window.
type CellNoise struct {
	// Intervals counts the intervals with noise figures.
	Intervals int `json:"intervals"`
	// StealMaxPct is the steal of the interval that had the most.
	StealMaxPct *float64 `json:"steal_max_pct,omitempty"`
	// ClientRunQueueMsPerS and TargetRunQueueMsPerS are the run-queue
	// waits of the client's and the target's threads, in ms per second of
	// window.
	ClientRunQueueMsPerS *float64 `json:"client_runq_ms_per_s,omitempty"`
	TargetRunQueueMsPerS *float64 `json:"target_runq_ms_per_s,omitempty"`
	// WakeMeanUs and WakeMaxUs are how late the wake-up probe woke, on
	// average and at worst over the window.
	WakeMeanUs *float64 `json:"wake_mean_us,omitempty"`
	WakeMaxUs  *float64 `json:"wake_max_us,omitempty"`
	// Worst is the interval with the highest p99 latency, with its noise:
	// what the host was doing when the cell fared worst.
	Worst *WorstInterval `json:"worst_interval,omitempty"`
}

// WorstInterval is a cell's interval with the highest p99 latency.
type WorstInterval struct {
	StartNs int64         `json:"start_ns"`
	EndNs   int64         `json:"end_ns"`
	P99Us   float64       `json:"p99_us"`
	Noise   IntervalNoise `json:"noise"`
}

// NoiseSummer sums up a cell's noise one interval at a time, so that a
// streamed window needs no intervals in memory.
type NoiseSummer struct {
	n                int
	windowNs         int64
	stealMax         *float64
	client, target   *float64
	wakeSum, wakeMax *float64
	wakeCount        int
	worst            *WorstInterval
}

// Add counts one window interval whose latencies had p99 of p99Ns.
func (s *NoiseSummer) Add(iv Interval, p99Ns int64) {
	if iv.Noise == nil {
		return
	}
	n := iv.Noise
	s.n++
	s.windowNs += iv.EndNs - iv.StartNs
	s.stealMax = mergeFloat(s.stealMax, n.StealPct, maxOf)
	s.client = mergeFloat(s.client, n.ClientRunQueueUs, sumOf)
	s.target = mergeFloat(s.target, n.TargetRunQueueUs, sumOf)
	s.wakeMax = mergeFloat(s.wakeMax, n.WakeMaxUs, maxOf)
	if n.WakeMeanUs != nil {
		s.wakeSum = mergeFloat(s.wakeSum, n.WakeMeanUs, sumOf)
		s.wakeCount++
	}
	if p99 := float64(p99Ns) / 1e3; s.worst == nil || p99 > s.worst.P99Us {
		s.worst = &WorstInterval{StartNs: iv.StartNs, EndNs: iv.EndNs, P99Us: p99, Noise: *n}
	}
}

// Summary returns the cell's noise; nil when no interval had any.
func (s *NoiseSummer) Summary() *CellNoise {
	if s.n == 0 {
		return nil
	}
	perS := func(us *float64) *float64 {
		if us == nil || s.windowNs <= 0 {
			return nil
		}
		v := *us / 1e3 / (float64(s.windowNs) / 1e9)
		return &v
	}
	out := &CellNoise{Intervals: s.n, StealMaxPct: s.stealMax, ClientRunQueueMsPerS: perS(s.client),
		TargetRunQueueMsPerS: perS(s.target), WakeMaxUs: s.wakeMax, Worst: s.worst}
	if s.wakeCount > 0 {
		mean := *s.wakeSum / float64(s.wakeCount)
		out.WakeMeanUs = &mean
	}
	return out
}

// NoiseOf sums up the noise of a window's intervals held in memory (a
// merged cell's).
func NoiseOf(ivs []Interval) (*CellNoise, error) {
	var s NoiseSummer
	for _, iv := range ivs {
		if iv.Noise == nil {
			continue
		}
		h, err := DecodeHistogram(iv.Latency)
		if err != nil {
			return nil, fmt.Errorf("interval at %d ns: %w", iv.StartNs, err)
		}
		s.Add(iv, h.ValueAtQuantile(99))
	}
	return s.Summary(), nil
}

// hasNoise reports whether any cell measured its noise.
func hasNoise(cells []Cell) bool {
	for i := range cells {
		if cells[i].Noise != nil {
			return true
		}
	}
	return false
}

// noiseTable is what the host took from each cell, and the cell's worst
// interval with what the host was doing then.
func noiseTable(cells []Cell) Table {
	t := Table{Title: "Host noise during the window",
		Columns: columns("target", "load", "#steal %", "#peak", "#run-queue client ms/s", "#target",
			"#wake late µs", "#max", "interval of highest p99 (µs)"),
		Note: "Steal: the share of the window, and of its worst interval (peak). Steal is when the hypervisor ran something else while a vCPU wanted to run. Run-queue: the threads of latbench and of the cell's processes waited for a CPU (a neighbour inside the VM too). " +
			"Wake-up late: a probe on the target's CPUs slept 1 ms at a time and woke this late (a vCPU the host woke late, which neither of the others sees)."}
	for i := range cells {
		c := &cells[i]
		n := c.Noise
		if n == nil {
			continue
		}
		t.Rows = append(t.Rows, []string{TargetLabel(c), loadWithDelay(c.Load), fmtPct(c.Stats.StealPct), fmtOpt(n.StealMaxPct, "%.1f"),
			fmtOpt(n.ClientRunQueueMsPerS, "%.1f"), fmtOpt(n.TargetRunQueueMsPerS, "%.1f"),
			fmtOptMicros(n.WakeMeanUs), fmtOptMicros(n.WakeMaxUs), worstText(n.Worst)})
	}
	return t
}

// fmtOpt formats an optional figure, noValue when missing.
func fmtOpt(v *float64, format string) string {
	if v == nil {
		return noValue
	}
	return fmt.Sprintf(format, *v)
}

// fmtOptMicros formats an optional figure in µs, noValue when missing.
func fmtOptMicros(us *float64) string {
	if us == nil {
		return noValue
	}
	return fmtMicros(*us * nsPerMicro)
}

// worstText describes the worst interval: when, its p99, and the noise
// then.
func worstText(w *WorstInterval) string {
	if w == nil {
		return noValue
	}
	s := fmt.Sprintf("%.2f s: p99 %s", float64(w.StartNs)/1e9, fmtMicros(w.P99Us*nsPerMicro))
	if w.Noise.StealPct != nil {
		s += fmt.Sprintf(", steal %.1f%%", *w.Noise.StealPct)
	}
	if w.Noise.WakeMaxUs != nil {
		s += ", wake late " + fmtMicros(*w.Noise.WakeMaxUs*nsPerMicro)
	}
	return s
}

// hasAttempts reports whether any cell was measured under --max-steal.
func hasAttempts(cells []Cell) bool {
	for i := range cells {
		if len(cells[i].Attempts) > 1 {
			return true
		}
	}
	return false
}

// attemptsTable lists every attempt of the cells measured more than once
// under --max-steal, which of them counts and why.
func attemptsTable(cells []Cell) Table {
	t := Table{Title: "Attempts (--max-steal): cells measured again because the host took too much",
		Columns: columns("cell", "#attempt", "counts", "#steal %", "#achieved", "#p50 µs", "#p99 µs", "why")}
	for i := range cells {
		c := &cells[i]
		if len(c.Attempts) < 2 {
			continue
		}
		for _, a := range c.Attempts {
			counts := "no"
			if a.Counts {
				counts = "yes"
			}
			t.Rows = append(t.Rows, []string{c.ID, fmt.Sprint(a.Attempt), counts, fmtPct(a.StealPct), fmtRate(a.AchievedRPS),
				fmtMicros(float64(a.Latency.P50)), fmtMicros(float64(a.Latency.P99)), a.Why})
		}
	}
	return t
}
