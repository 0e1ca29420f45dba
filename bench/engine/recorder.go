package engine

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/scenarios"
)

// recorder collects the measurements of one event loop: its histograms
// and its Counts. Only the loop's thread writes it, so it needs no lock;
// the runner reads it once the loop has ended.
type recorder struct {
	closed bool // closed loop: latency is service time, no lag

	latency *hdrhistogram.Histogram // from due time to response, ns
	service *hdrhistogram.Histogram // from actual send to response, ns
	lag     *hdrhistogram.Histogram // actual send minus due time, ns

	connect   *hdrhistogram.Histogram // connects started in the window: until connected, ns
	handshake *hdrhistogram.Histogram // their TLS handshakes, ns

	counts Counts
	// samples holds the first failure of each class in words.
	samples [scenarios.NumErrorClasses]string

	// interval is this arm's part of the loop's interval record, the
	// stretch of time being recorded now; the loop points it at the next
	// record's part when it hands the record over.
	interval *armInterval

	// classes holds one recorder per request class of a mix; nil without
	// a mix.
	classes []*classRecorder
}

// classRecorder collects one request class's measurements.
type classRecorder struct {
	latency *hdrhistogram.Histogram
	service *hdrhistogram.Histogram
	errors  ErrorCounts
}

// newRecorder returns an empty recorder; closed says whether the loop is
// closed, classes how many request classes a mix has (0 or 1: none).
func newRecorder(closed bool, classes int) *recorder {
	r := &recorder{
		closed:    closed,
		latency:   NewHistogram(),
		service:   NewHistogram(),
		lag:       NewHistogram(),
		connect:   NewHistogram(),
		handshake: NewHistogram(),
		interval:  &newIntervalRecord(1).arms[0],
	}
	if classes > 1 {
		r.classes = make([]*classRecorder, classes)
		for i := range r.classes {
			r.classes[i] = &classRecorder{latency: NewHistogram(), service: NewHistogram()}
		}
	}
	return r
}

// count counts one completed request, measured or not, in the current
// interval record: its throughput and success rate.
func (r *recorder) count(class scenarios.ErrorClass) {
	r.interval.completed++
	if class != scenarios.ErrNone {
		r.interval.errors[class]++
	}
}

// record files one measured request: due is when it was due, sent when it
// was actually sent and done when its response was complete, all on the
// loop's clock. A failed request only counts its error class.
func (r *recorder) record(due, sent, done time.Duration, class scenarios.ErrorClass) {
	r.recordClass(-1, due, sent, done, class)
}

// recordClass is record for a request of mix class mix (-1: no mix).
func (r *recorder) recordClass(mix int, due, sent, done time.Duration, class scenarios.ErrorClass) {
	var c *classRecorder
	if mix >= 0 && mix < len(r.classes) {
		c = r.classes[mix]
	}
	if class != scenarios.ErrNone {
		r.counts.Errors[class]++
		if c != nil {
			c.errors[class]++
		}
		return
	}
	latencyNs, serviceNs := int64(done-due), int64(done-sent)
	if c != nil {
		r.add(c.latency, latencyNs)
		r.add(c.service, serviceNs)
	}
	if !r.closed {
		r.add(r.lag, int64(sent-due))
	}
	r.add(r.latency, latencyNs)
	r.add(r.service, serviceNs)
	_ = r.interval.latency.RecordValue(min(max(latencyNs, HistogramLowestNs), HistogramHighestNs))
	_ = r.interval.service.RecordValue(min(max(serviceNs, HistogramLowestNs), HistogramHighestNs))
}

// wantsSample reports whether no failure of class has been described yet.
// Describing one may allocate, so the loop only does it for the first.
func (r *recorder) wantsSample(class scenarios.ErrorClass) bool {
	return r.samples[class] == ""
}

// add adds v to h, counting it when it is out of range. Values below 1 ns
// (a zero lag, say) are recorded as 1 ns.
func (r *recorder) add(h *hdrhistogram.Histogram, v int64) {
	if h.RecordValue(max(v, HistogramLowestNs)) != nil {
		r.counts.OutOfRange++
	}
}

// finish moves the error samples into the counts, once the loop has
// ended.
func (r *recorder) finish() {
	for c, s := range r.samples {
		if s == "" {
			continue
		}
		if r.counts.ErrorSamples == nil {
			r.counts.ErrorSamples = map[string]string{}
		}
		r.counts.ErrorSamples[scenarios.ErrorClass(c).String()] = s
	}
}

// intervalRecord is what a loop measured during one stretch of time (one
// second by default), per arm: the latencies of its successful requests
// and how many requests completed and failed. Loops hand finished ones
// to the runner, which merges them into the run's Intervals.
type intervalRecord struct {
	loop  int   // the loop that recorded it
	index int64 // stretch number counted from the start of the window; negative during warm-up
	last  bool  // the loop's final record: it has ended
	arms  []armInterval
}

// armInterval is one arm's part of an interval record.
type armInterval struct {
	latency   *hdrhistogram.Histogram
	service   *hdrhistogram.Histogram
	completed int64
	errors    ErrorCounts // failures by class
}

// newIntervalRecord returns an empty record for arms arms.
func newIntervalRecord(arms int) *intervalRecord {
	ir := &intervalRecord{arms: make([]armInterval, arms)}
	for a := range ir.arms {
		ir.arms[a] = armInterval{latency: NewHistogram(), service: NewHistogram()}
	}
	return ir
}

// reset empties the record for reuse.
func (ir *intervalRecord) reset() {
	for a := range ir.arms {
		ai := &ir.arms[a]
		ai.latency.Reset()
		ai.service.Reset()
		ai.completed, ai.errors = 0, ErrorCounts{}
	}
	ir.last = false
}

// Class is what one request class of a mix measured.
type Class struct {
	Name    string
	Latency *hdrhistogram.Histogram
	Service *hdrhistogram.Histogram
	Errors  ErrorCounts
}

// merged is every loop's recorder added up.
type merged struct {
	counts                Counts
	latency, service, lag *hdrhistogram.Histogram
	connect, handshake    *hdrhistogram.Histogram
	classes               []Class
}

// mergeRecorders adds every recorder into one, and the recorders of each
// mix class (named by classes) into that class's. Call it only after the
// loops have ended. Values that fail to merge are counted in
// DroppedMerges.
func mergeRecorders(recs []*recorder, classes []string) *merged {
	m := &merged{latency: NewHistogram(), service: NewHistogram(), lag: NewHistogram(), connect: NewHistogram(), handshake: NewHistogram()}
	if len(classes) > 1 {
		for _, name := range classes {
			m.classes = append(m.classes, Class{Name: name, Latency: NewHistogram(), Service: NewHistogram()})
		}
	}
	for _, r := range recs {
		for i, c := range r.classes {
			mc := &m.classes[i]
			m.counts.DroppedMerges += mc.Latency.Merge(c.latency) + mc.Service.Merge(c.service)
			mc.Errors.Add(&c.errors)
		}
		m.counts.DroppedMerges += m.latency.Merge(r.latency)
		m.counts.DroppedMerges += m.service.Merge(r.service)
		m.counts.DroppedMerges += m.lag.Merge(r.lag)
		m.counts.DroppedMerges += m.connect.Merge(r.connect) + m.handshake.Merge(r.handshake)
		r.finish()
		m.counts.Merge(&r.counts)
	}
	return m
}
