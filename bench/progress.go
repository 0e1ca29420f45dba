package bench

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios"
)

// Progress is a snapshot of a run in progress, for a progress line.
type Progress struct {
	// Elapsed is the time since the run started, warm-up included.
	Elapsed time.Duration
	// Warmup is true while the warm-up has not ended.
	Warmup bool
	// Done and Errors count the requests completed inside the window so
	// far.
	Done, Errors int64
	// RatePerSec is the completion rate over the last interval.
	RatePerSec float64
	// P50 and P99 are the latency percentiles over the last interval.
	P50, P99 time.Duration
	// Interval is the last interval: its latency and service-time
	// histograms (valid only during the call), how many requests ended in
	// it and its failures by class.
	Interval IntervalFigures
}

// IntervalFigures are what the loops measured in one interval.
type IntervalFigures struct {
	Latency, Service *hdrhistogram.Histogram
	Completed        int64
	Errors           [scenarios.NumErrorClasses]int64
}

// collector merges the loops' interval records, interval by interval:
// each merged interval of the window becomes one results.Interval (the
// interval log), and every one, warm-up included, a Progress snapshot. It
// runs on the runner's goroutine and sees each record once per interval
// per loop, never per request.
type collector struct {
	opts      Options
	loops     int
	windowEnd int64 // index of the first interval past the window; -1: unbounded
	pending   map[int64]*pendingInterval
	shipped   []int64 // per loop: highest index it has handed over
	ended     []bool
	done      int64
	errors    int64
	intervals []results.Interval
}

// pendingInterval is one interval being merged from the loops' records.
type pendingInterval struct {
	latency, service *hdrhistogram.Histogram
	completed        int64
	errors           [scenarios.NumErrorClasses]int64
}

// newCollector returns a collector for a run of loops loops.
func newCollector(loops int, opts Options) *collector {
	c := &collector{opts: opts, loops: loops, windowEnd: -1, pending: map[int64]*pendingInterval{},
		shipped: make([]int64, loops), ended: make([]bool, loops)}
	if opts.Duration > 0 {
		c.windowEnd = intervalCount(opts.Duration, opts.ProgressEvery)
	}
	for i := range c.shipped {
		c.shipped[i] = minIndex // nothing yet
	}
	return c
}

// collect receives records from out until every loop has sent its last,
// and hands each record back to its loop for reuse.
func (c *collector) collect(out <-chan *intervalRecord, loops []*loop) {
	for running := len(loops); running > 0; {
		ir := <-out
		c.add(ir)
		if ir.last {
			running--
			continue // the loop has ended: nobody to hand it back to
		}
		select {
		case loops[ir.loop].spare <- ir:
		default:
		}
	}
	c.finishUpTo(maxIndex)
}

// maxIndex and minIndex bound every interval index.
const (
	maxIndex = int64(1<<63 - 1)
	minIndex = -maxIndex - 1
)

// add merges one loop's record and finishes every interval that all
// loops have handed over.
func (c *collector) add(ir *intervalRecord) {
	p := c.pending[ir.index]
	if p == nil {
		p = &pendingInterval{latency: results.NewHistogram(), service: results.NewHistogram()}
		c.pending[ir.index] = p
	}
	p.latency.Merge(ir.latency)
	p.service.Merge(ir.service)
	p.completed += ir.completed
	for e, n := range ir.errors {
		p.errors[e] += n
	}
	c.shipped[ir.loop] = max(c.shipped[ir.loop], ir.index)
	c.ended[ir.loop] = c.ended[ir.loop] || ir.last
	upTo := maxIndex
	for i, s := range c.shipped {
		if !c.ended[i] {
			upTo = min(upTo, s)
		}
	}
	c.finishUpTo(upTo)
}

// finishUpTo finishes the pending intervals up to index upTo, in order.
// A loop may start an interval later than another (it started later), so
// the first interval is whichever is pending, not a computed one.
func (c *collector) finishUpTo(upTo int64) {
	for len(c.pending) > 0 {
		idx := maxIndex
		for i := range c.pending {
			idx = min(idx, i)
		}
		if idx > upTo {
			return
		}
		p := c.pending[idx]
		delete(c.pending, idx)
		c.finish(idx, p)
	}
}

// finish turns merged interval idx into a progress snapshot and, from the
// window's start on, an entry of the interval log. The entry after the
// window holds the measured requests that were still in flight when it
// closed.
func (c *collector) finish(idx int64, p *pendingInterval) {
	every := c.opts.ProgressEvery
	after := c.windowEnd >= 0 && idx >= c.windowEnd
	if idx >= 0 && !after {
		c.done += p.completed
		c.errors += sumErrors(&p.errors)
	}
	if idx >= 0 && (!after || p.latency.TotalCount() > 0) {
		c.keep(idx, p)
	}
	if c.opts.Progress == nil || after {
		return
	}
	c.opts.Progress(Progress{
		Elapsed:    c.opts.Warmup + time.Duration(idx+1)*every,
		Warmup:     idx < 0,
		Done:       c.done,
		Errors:     c.errors,
		RatePerSec: float64(p.completed) / every.Seconds(),
		P50:        time.Duration(p.latency.ValueAtQuantile(50)),
		P99:        time.Duration(p.latency.ValueAtQuantile(99)),
		Interval:   IntervalFigures{Latency: p.latency, Service: p.service, Completed: p.completed, Errors: p.errors},
	})
}

// keep stores interval idx in the interval log; intervals are cut at the
// window's end.
func (c *collector) keep(idx int64, p *pendingInterval) {
	enc, err := results.EncodeHistogram(p.latency)
	if err != nil {
		return // not reachable for a valid histogram; the interval is lost, not the run
	}
	start := time.Duration(idx) * c.opts.ProgressEvery
	end := start + c.opts.ProgressEvery
	if d := c.opts.Duration; d > 0 && start < d {
		end = min(end, d)
	} else if d > 0 {
		start = d
		end = d + c.opts.ProgressEvery
	}
	c.intervals = append(c.intervals, results.Interval{
		StartNs: int64(start), EndNs: int64(end), Latency: enc,
		Completed: p.completed, Errors: sumErrors(&p.errors),
	})
}
