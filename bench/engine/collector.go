package engine

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Interval is what the loops measured in one stretch of a run
// (Options.Every long), merged over the loops.
type Interval struct {
	// Arm is the arm of the run the interval is of (0 in a run of one).
	Arm int
	// Index numbers the stretch from the start of the measured window:
	// negative during the warm-up.
	Index int64
	// Start and End are its edges as offsets into the measured window
	// (negative during the warm-up); the window's last is cut at its end.
	Start, End time.Duration
	// AfterWindow marks the one interval past the window, which holds
	// the measured requests answered after it closed.
	AfterWindow bool
	// Latency and Service are the latencies of the measured requests
	// that succeeded in it, valid only during the OnInterval call.
	Latency, Service *hdrhistogram.Histogram
	// Completed counts the requests that ended in it, measured or not,
	// and Errors those of them that failed, by class.
	Completed int64
	Errors    ErrorCounts
}

// Warmup reports whether the interval lies in the warm-up.
func (iv *Interval) Warmup() bool { return iv.Index < 0 }

// collector merges the loops' interval records, interval by interval,
// and hands each merged Interval to Options.OnInterval. It runs on the
// runner's goroutine and sees each record once per interval per loop,
// never per request.
type collector struct {
	opts      Options
	loops     int
	windowEnd int64 // index of the first interval past the window; -1: unbounded
	pending   map[int64]*pendingInterval
	shipped   []int64 // per loop: highest index it has handed over
	ended     []bool
}

// pendingInterval is one interval being merged from the loops' records:
// one part per arm.
type pendingInterval struct {
	arms []armInterval
}

// newCollector returns a collector for a run of loops loops.
func newCollector(loops int, opts Options) *collector {
	c := &collector{opts: opts, loops: loops, windowEnd: -1, pending: map[int64]*pendingInterval{},
		shipped: make([]int64, loops), ended: make([]bool, loops)}
	if opts.Duration > 0 {
		c.windowEnd = intervalCount(opts.Duration, opts.Every)
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
		p = &pendingInterval{arms: newIntervalRecord(len(ir.arms)).arms}
		c.pending[ir.index] = p
	}
	for a := range ir.arms {
		in, into := &ir.arms[a], &p.arms[a]
		into.latency.Merge(in.latency)
		into.service.Merge(in.service)
		into.completed += in.completed
		into.errors.Add(&in.errors)
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

// finish hands merged interval idx to OnInterval, one arm after the
// other. The one after the window is handed over only when it holds
// measured requests answered after the window closed.
func (c *collector) finish(idx int64, p *pendingInterval) {
	if c.opts.OnInterval == nil {
		return
	}
	after := c.windowEnd >= 0 && idx >= c.windowEnd
	for a := range p.arms {
		pa := &p.arms[a]
		if after && pa.latency.TotalCount() == 0 {
			continue
		}
		every := c.opts.Every
		iv := &Interval{Arm: a, Index: idx, AfterWindow: after, Latency: pa.latency, Service: pa.service,
			Completed: pa.completed, Errors: pa.errors}
		iv.Start = time.Duration(idx) * every
		iv.End = iv.Start + every
		if d := c.opts.Duration; d > 0 && after {
			iv.Start, iv.End = d, d+every
		} else if d > 0 {
			iv.End = min(iv.End, d)
		}
		c.opts.OnInterval(iv)
	}
}
