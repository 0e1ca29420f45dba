package engine

import (
	"encoding/json"
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/scenarios"
)

// Histogram range and precision. Values are nanoseconds: 1 ns to one
// hour, 3 significant digits. A value above the top is counted in
// Counts.OutOfRange, never dropped silently.
const (
	// HistogramLowestNs is the smallest value a histogram tells apart.
	HistogramLowestNs = 1
	// HistogramHighestNs is the largest trackable value: one hour.
	HistogramHighestNs = 3600 * 1_000_000_000
	// HistogramSigFigs is the number of significant decimal digits kept.
	HistogramSigFigs = 3
)

// NewHistogram returns an empty latency histogram with latbench's range
// and precision. Every histogram latbench records or merges is one.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(HistogramLowestNs, HistogramHighestNs, HistogramSigFigs)
}

// Counts are the counters of a run besides its histograms. One record
// serves every level: a loop fills its own, Run merges its loops', and a
// cell merges its agents' (results.CellStats embeds it). Merge is the one
// way to combine two; a new counter is added here and in Merge, nowhere
// else.
type Counts struct {
	// FellDue counts the measured requests: due inside the window (open
	// loop) or sent inside it (closed loop).
	FellDue int64 `json:"fell_due"`
	// Unsent counts measured requests that waited for a free connection
	// longer than the timeout and were dropped unsent.
	Unsent int64 `json:"unsent"`
	// WindowCompleted counts the requests that completed inside the
	// window, measured or not: the throughput.
	WindowCompleted int64 `json:"window_completed"`
	// InFlightAtStart counts requests in flight when the window opened
	// (sent during warm-up, not measured); InFlightAtEnd the measured
	// requests in flight when it closed (followed to their end).
	InFlightAtStart int64 `json:"in_flight_at_start"`
	InFlightAtEnd   int64 `json:"in_flight_at_end"`
	// IdleConnections counts connections that carried no measured request.
	IdleConnections int64 `json:"idle_connections"`
	// WarmupErrors counts failed requests of the warm-up.
	WarmupErrors int64 `json:"warmup_errors"`
	// Errors counts the measured requests that failed, by class.
	Errors ErrorCounts `json:"errors"`
	// ErrorSamples holds, per error class name, the first failure in
	// words.
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	// OutOfRange counts values the histograms could not hold;
	// DroppedMerges values lost when merging them. An exact merge needs
	// both at 0.
	OutOfRange    int64 `json:"out_of_range"`
	DroppedMerges int64 `json:"dropped_merges"`
	// Measured is the length of the measured window.
	Measured time.Duration `json:"measured_ns"`
	// ClientCPU is the CPU time the client used during the window.
	ClientCPU time.Duration `json:"client_cpu_ns"`
	// LoopBusyPct is the share of the window the busiest event loop spent
	// working rather than waiting, in percent.
	LoopBusyPct float64 `json:"loop_busy_pct"`
}

// Merge adds o into c: counts add up, the window and the busiest loop
// are the longest and the busiest, and the first sample of each error
// class is kept.
func (c *Counts) Merge(o *Counts) {
	c.FellDue += o.FellDue
	c.Unsent += o.Unsent
	c.WindowCompleted += o.WindowCompleted
	c.InFlightAtStart += o.InFlightAtStart
	c.InFlightAtEnd += o.InFlightAtEnd
	c.IdleConnections += o.IdleConnections
	c.WarmupErrors += o.WarmupErrors
	c.Errors.Add(&o.Errors)
	for k, v := range o.ErrorSamples {
		if c.ErrorSamples == nil {
			c.ErrorSamples = map[string]string{}
		}
		if c.ErrorSamples[k] == "" {
			c.ErrorSamples[k] = v
		}
	}
	c.OutOfRange += o.OutOfRange
	c.DroppedMerges += o.DroppedMerges
	c.Measured = max(c.Measured, o.Measured)
	c.ClientCPU += o.ClientCPU
	c.LoopBusyPct = max(c.LoopBusyPct, o.LoopBusyPct)
}

// AchievedRPS returns the requests completed inside the window per second
// of it.
func (c *Counts) AchievedRPS() float64 {
	if c.Measured <= 0 {
		return 0
	}
	return float64(c.WindowCompleted) / c.Measured.Seconds()
}

// ClientCPUPercent returns the client's CPU use over the window, where
// 100 means one full core.
func (c *Counts) ClientCPUPercent() float64 {
	if c.Measured <= 0 {
		return 0
	}
	return 100 * c.ClientCPU.Seconds() / c.Measured.Seconds()
}

// ErrorCounts counts failed requests by error class. In JSON it is an
// object with every class name (but "none") as a key.
type ErrorCounts [scenarios.NumErrorClasses]int64

// Add adds o's counts.
func (e *ErrorCounts) Add(o *ErrorCounts) {
	for i, n := range o {
		e[i] += n
	}
}

// Total returns the failures of every class together.
func (e *ErrorCounts) Total() int64 {
	var n int64
	for _, v := range e {
		n += v
	}
	return n
}

// Of returns the count of the class named name, 0 for an unknown name.
func (e *ErrorCounts) Of(name string) int64 {
	for c := scenarios.ErrorClass(1); c < scenarios.NumErrorClasses; c++ {
		if c.String() == name {
			return e[c]
		}
	}
	return 0
}

// NonZero returns the counts of the classes that occurred, by class
// name; nil when none did.
func (e *ErrorCounts) NonZero() map[string]int64 {
	var m map[string]int64
	for c := scenarios.ErrorClass(1); c < scenarios.NumErrorClasses; c++ {
		if e[c] == 0 {
			continue
		}
		if m == nil {
			m = map[string]int64{}
		}
		m[c.String()] = e[c]
	}
	return m
}

// MarshalJSON writes the counts as an object keyed by class name.
func (e ErrorCounts) MarshalJSON() ([]byte, error) {
	m := make(map[string]int64, len(e)-1)
	for c := scenarios.ErrorClass(1); c < scenarios.NumErrorClasses; c++ {
		m[c.String()] = e[c]
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads an object keyed by class name; an unknown class is
// an error, so that counts are never lost silently.
func (e *ErrorCounts) UnmarshalJSON(b []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*e = ErrorCounts{}
	for name, n := range m {
		found := false
		for c := scenarios.ErrorClass(1); c < scenarios.NumErrorClasses; c++ {
			if c.String() == name {
				e[c], found = n, true
			}
		}
		if !found {
			return fmt.Errorf("unknown error class %q", name)
		}
	}
	return nil
}
