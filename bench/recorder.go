package bench

import (
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios"
)

// Histogram bounds: values in ns, from 1 ns to one hour, 3 significant
// digits (results.NewHistogram). A value above the top is counted in
// OutOfRange, never dropped silently.
const (
	histLowestNs  = results.HistogramLowestNs
	histHighestNs = results.HistogramHighestNs
)

// Recorder collects the measurements of one or more workers: each worker
// has its own while there are few connections, and a few workers share one
// when there are many (see maxRecorders). mu guards the histograms and
// error counts: taken once per request, it is uncontended unless workers
// share the recorder, and the progress reporter takes it once a second to
// drain the interval histogram.
type Recorder struct {
	mu sync.Mutex // guards every field below but done and failed

	latency *hdrhistogram.Histogram // from due time to response, ns
	service *hdrhistogram.Histogram // from actual send to response, ns
	lag     *hdrhistogram.Histogram // actual send minus due time, ns

	errors     [scenarios.NumErrorClasses]int64
	outOfRange int64

	// done counts recorded requests, successes and errors alike. It is read
	// by the progress reporter while the worker writes it.
	done   atomic.Int64
	failed atomic.Int64

	interval *hdrhistogram.Histogram // latency since the last Drain
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder {
	return &Recorder{
		latency:  results.NewHistogram(),
		service:  results.NewHistogram(),
		lag:      results.NewHistogram(),
		interval: results.NewHistogram(),
	}
}

// Record files one measured request. due is when it was due, sent when it
// was actually sent and done when its response was complete, all on the
// runner's clock. A failed request only counts its error class.
func (r *Recorder) Record(due, sent, done time.Duration, class scenarios.ErrorClass) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.countError(class) {
		return
	}
	r.record(r.lag, int64(sent-due))
	r.recordLatency(int64(done-due), int64(done-sent))
}

// RecordClosed files one closed-loop request, which has no due time: its
// latency is its service time and no scheduling lag is recorded.
func (r *Recorder) RecordClosed(sent, done time.Duration, class scenarios.ErrorClass) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.countError(class) {
		return
	}
	r.recordLatency(int64(done-sent), int64(done-sent))
}

// countError counts one request and reports whether it failed. The caller
// holds mu.
func (r *Recorder) countError(class scenarios.ErrorClass) bool {
	r.done.Add(1)
	if class == scenarios.ErrNone {
		return false
	}
	r.errors[class]++
	r.failed.Add(1)
	return true
}

// recordLatency records one successful request's latency and service
// time. The caller holds mu.
func (r *Recorder) recordLatency(latencyNs, serviceNs int64) {
	r.record(r.latency, latencyNs)
	r.record(r.service, serviceNs)
	_ = r.interval.RecordValue(clampNs(latencyNs))
}

// record adds v to h, counting it when it is out of range. Values below
// 1 ns (a zero lag, say) are recorded as 1 ns.
func (r *Recorder) record(h *hdrhistogram.Histogram, v int64) {
	if h.RecordValue(max(v, histLowestNs)) != nil {
		r.outOfRange++
	}
}

// clampNs keeps v inside the histogram's range, for the progress display
// only.
func clampNs(v int64) int64 {
	return min(max(v, histLowestNs), histHighestNs)
}

// Done returns how many requests this recorder has counted so far. It is
// safe to call while the worker records.
func (r *Recorder) Done() int64 { return r.done.Load() }

// Failed returns how many requests this recorder has counted as errors so
// far. It is safe to call while the worker records.
func (r *Recorder) Failed() int64 { return r.failed.Load() }

// DrainInterval merges the latencies recorded since the last call into dst
// and clears them. It is safe to call while the worker records.
func (r *Recorder) DrainInterval(dst *hdrhistogram.Histogram) {
	r.mu.Lock()
	dst.Merge(r.interval)
	r.interval.Reset()
	r.mu.Unlock()
}

// Totals is the merge of every worker's recorder.
type Totals struct {
	Latency       *hdrhistogram.Histogram
	Service       *hdrhistogram.Histogram
	Lag           *hdrhistogram.Histogram
	Errors        [scenarios.NumErrorClasses]int64
	OutOfRange    int64
	DroppedMerges int64
}

// Requests returns the number of successful requests.
func (t *Totals) Requests() int64 { return t.Latency.TotalCount() }

// ErrorsTotal returns the number of failed requests.
func (t *Totals) ErrorsTotal() int64 {
	var n int64
	for _, c := range t.Errors {
		n += c
	}
	return n
}

// Merge adds every recorder into one Totals. Call it only after the workers
// have stopped. Values that fail to merge are counted in DroppedMerges.
func Merge(recs []*Recorder) *Totals {
	t := &Totals{Latency: results.NewHistogram(), Service: results.NewHistogram(), Lag: results.NewHistogram()}
	for _, r := range recs {
		t.DroppedMerges += t.Latency.Merge(r.latency)
		t.DroppedMerges += t.Service.Merge(r.service)
		t.DroppedMerges += t.Lag.Merge(r.lag)
		for c, n := range r.errors {
			t.Errors[c] += n
		}
		t.OutOfRange += r.outOfRange
	}
	return t
}
