package bench

import (
	"context"
	"sync"
	"time"

	"github.com/latbench/latbench/scenarios"
)

// openLoop runs the open-loop engine. One dispatcher goroutine walks the
// pacer's schedule and, when request i falls due, hands its due time to
// whichever connection worker is free. When every worker is busy the
// request waits, and since latency is measured from the due time, the wait
// counts: a stalled target shows in the percentiles (no coordinated
// omission).
func (r *run) openLoop(ctx context.Context) *Result {
	// work carries due times. It is unbuffered: a request is only taken
	// when a worker is free, so the dispatcher feels back-pressure.
	work := make(chan time.Duration)
	stopWatch := r.watch(ctx)
	var wg sync.WaitGroup
	for i := range r.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.openWorker(r.clients[i], r.recorderFor(i), work)
		}()
	}
	var unsent int64
	withProcs(2, func() { unsent = r.dispatch(ctx, work) })
	close(work)
	wg.Wait()
	stopWatch()
	res := r.finish(ctx, LoopOpen)
	res.Unsent = unsent
	res.Timer = r.opts.Timer.String()
	if r.opts.Timer == TimerHybrid {
		res.Timer += "/" + r.opts.SpinWindow.String()
	}
	return res
}

// dispatch sends each request's due time to the workers until the window
// ends, the measured request budget is spent or ctx is done. Requests that
// fell due inside the window but could not be sent before the drain
// deadline (end of window plus one request timeout) are returned as unsent.
func (r *run) dispatch(ctx context.Context, work chan<- time.Duration) (unsent int64) {
	drain := r.drainTimer()
	defer drain.Stop()
	wait := newWaiter(r.clock, r.opts.Timer, r.opts.SpinWindow)
	defer wait.close()
	var measured int64
	for i := uint64(0); ; i++ {
		due := r.opts.Pacer.Due(i)
		if r.end > 0 && due >= r.end {
			return 0
		}
		if r.opts.MaxRequests > 0 && r.inWindow(due) {
			if measured == r.opts.MaxRequests {
				return 0
			}
			measured++
		}
		wait.until(due)
		select {
		case work <- due:
		case <-ctx.Done():
			return 0
		case <-drain.C:
			return r.countUnsent(i)
		}
	}
}

// drainTimer fires when the dispatcher must give up on a backlog: one
// request timeout after the end of the window. Without a time bound it
// never fires.
func (r *run) drainTimer() *time.Timer {
	t := time.NewTimer(time.Duration(1<<63 - 1))
	if r.end > 0 {
		t.Reset(r.end + r.opts.Timeout - r.clock.now())
	}
	return t
}

// countUnsent counts the measured requests from i on that were due before
// the end of the window.
func (r *run) countUnsent(i uint64) int64 {
	var n int64
	for ; ; i++ {
		due := r.opts.Pacer.Due(i)
		if due >= r.end {
			return n
		}
		if r.inWindow(due) {
			n++
		}
	}
}

// openWorker performs the requests handed to it on one connection until
// work is closed. Only this goroutine uses c and rec.
func (r *run) openWorker(c scenarios.Client, rec *Recorder, work <-chan time.Duration) {
	for due := range work {
		if r.stop.Load() {
			continue // drain the channel without sending
		}
		sent := r.clock.now()
		err := c.Do(r.deadline(sent))
		done := r.clock.now()
		if r.inWindow(due) {
			rec.Record(due, sent, done, classify(err))
		}
	}
}

// classify is scenarios.Classify with a fast path for success.
func classify(err error) scenarios.ErrorClass {
	if err == nil {
		return scenarios.ErrNone
	}
	return scenarios.Classify(err)
}
