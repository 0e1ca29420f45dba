package bench

import (
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

// recorder collects the measurements of one event loop. Only the loop's
// thread writes it, so it needs no lock; the runner reads it once the
// loop has ended.
type recorder struct {
	closed bool // closed loop: latency is service time, no lag

	latency *hdrhistogram.Histogram // from due time to response, ns
	service *hdrhistogram.Histogram // from actual send to response, ns
	lag     *hdrhistogram.Histogram // actual send minus due time, ns

	errors     [scenarios.NumErrorClasses]int64
	outOfRange int64
	// samples holds the first failure of each class in words.
	samples [scenarios.NumErrorClasses]string

	interval *intervalRecord // the stretch of time being recorded now

	// classes holds one recorder per request class of a mix; nil without
	// a mix.
	classes []*classRecorder
}

// classRecorder collects one request class's measurements.
type classRecorder struct {
	latency *hdrhistogram.Histogram
	service *hdrhistogram.Histogram
	errors  [scenarios.NumErrorClasses]int64
}

// newRecorder returns an empty recorder; closed says whether the loop is
// closed, classes how many request classes a mix has (0 or 1: none).
func newRecorder(closed bool, classes int) *recorder {
	r := &recorder{
		closed:   closed,
		latency:  results.NewHistogram(),
		service:  results.NewHistogram(),
		lag:      results.NewHistogram(),
		interval: newIntervalRecord(),
	}
	if classes > 1 {
		r.classes = make([]*classRecorder, classes)
		for i := range r.classes {
			r.classes[i] = &classRecorder{latency: results.NewHistogram(), service: results.NewHistogram()}
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
		r.errors[class]++
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
	_ = r.interval.latency.RecordValue(min(max(latencyNs, histLowestNs), histHighestNs))
	_ = r.interval.service.RecordValue(min(max(serviceNs, histLowestNs), histHighestNs))
}

// wantsSample reports whether no failure of class has been described yet.
// Describing one may allocate, so the loop only does it for the first.
func (r *recorder) wantsSample(class scenarios.ErrorClass) bool {
	return r.samples[class] == ""
}

// add adds v to h, counting it when it is out of range. Values below 1 ns
// (a zero lag, say) are recorded as 1 ns.
func (r *recorder) add(h *hdrhistogram.Histogram, v int64) {
	if h.RecordValue(max(v, histLowestNs)) != nil {
		r.outOfRange++
	}
}

// intervalRecord is what a loop measured during one stretch of time (one
// second by default): the latencies of its successful requests and how
// many requests completed and failed. Loops hand finished ones to the
// runner, which merges them into the run's interval log and progress.
type intervalRecord struct {
	loop      int   // the loop that recorded it
	index     int64 // stretch number counted from the start of the window; negative during warm-up
	last      bool  // the loop's final record: it has ended
	latency   *hdrhistogram.Histogram
	service   *hdrhistogram.Histogram
	completed int64
	errors    [scenarios.NumErrorClasses]int64 // failures by class
}

// newIntervalRecord returns an empty record.
func newIntervalRecord() *intervalRecord {
	return &intervalRecord{latency: results.NewHistogram(), service: results.NewHistogram()}
}

// reset empties the record for reuse.
func (ir *intervalRecord) reset() {
	ir.latency.Reset()
	ir.service.Reset()
	ir.completed, ir.errors, ir.last = 0, [scenarios.NumErrorClasses]int64{}, false
}

// sumErrors returns the failures of every class together.
func sumErrors(errors *[scenarios.NumErrorClasses]int64) int64 {
	var n int64
	for _, e := range errors {
		n += e
	}
	return n
}

// Totals is the merge of every loop's recorder.
type Totals struct {
	Latency       *hdrhistogram.Histogram
	Service       *hdrhistogram.Histogram
	Lag           *hdrhistogram.Histogram
	Errors        [scenarios.NumErrorClasses]int64
	OutOfRange    int64
	DroppedMerges int64
	// Samples holds the first failure of each class in words.
	Samples map[string]string
	// Classes are the request classes of a mix, in order; nil without one.
	Classes []ClassTotals
}

// ClassTotals is what one request class of a mix measured.
type ClassTotals struct {
	Name    string
	Latency *hdrhistogram.Histogram
	Service *hdrhistogram.Histogram
	Errors  [scenarios.NumErrorClasses]int64
}

// Requests returns the number of successful requests.
func (t *Totals) Requests() int64 { return t.Latency.TotalCount() }

// ErrorsTotal returns the number of failed requests.
func (t *Totals) ErrorsTotal() int64 { return sumErrors(&t.Errors) }

// mergeRecorders adds every recorder into one Totals, and the recorders
// of each mix class (named by classes) into that class's. Call it only
// after the loops have ended. Values that fail to merge are counted in
// DroppedMerges.
func mergeRecorders(recs []*recorder, classes []string) *Totals {
	t := &Totals{Latency: results.NewHistogram(), Service: results.NewHistogram(), Lag: results.NewHistogram(),
		Samples: map[string]string{}}
	if len(classes) > 1 {
		for _, name := range classes {
			t.Classes = append(t.Classes, ClassTotals{Name: name, Latency: results.NewHistogram(), Service: results.NewHistogram()})
		}
	}
	for _, r := range recs {
		for i, c := range r.classes {
			ct := &t.Classes[i]
			t.DroppedMerges += ct.Latency.Merge(c.latency) + ct.Service.Merge(c.service)
			for e, n := range c.errors {
				ct.Errors[e] += n
			}
		}
		t.DroppedMerges += t.Latency.Merge(r.latency)
		t.DroppedMerges += t.Service.Merge(r.service)
		t.DroppedMerges += t.Lag.Merge(r.lag)
		for c, n := range r.errors {
			t.Errors[c] += n
		}
		for c, s := range r.samples {
			if name := scenarios.ErrorClass(c).String(); s != "" && t.Samples[name] == "" {
				t.Samples[name] = s
			}
		}
		t.OutOfRange += r.outOfRange
	}
	return t
}
