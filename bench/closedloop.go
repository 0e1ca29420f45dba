package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latbench/latbench/scenarios"
)

// connectBackoff is how long a closed-loop worker pauses after a failed
// connect, so that a dead target is not hammered in a tight loop.
const connectBackoff = 10 * time.Millisecond

// closedLoop runs every connection back to back: each sends its next
// request as soon as the previous one is answered. Latency is service time
// and there is no schedule, so this mode measures throughput, not latency
// at a given rate; every output labels it "closed".
func (r *run) closedLoop(ctx context.Context) *Result {
	stopWatch := r.watch(ctx)
	// claimed counts measured requests started, shared by all workers, so
	// that MaxRequests bounds the total.
	var claimed atomic.Int64
	var wg sync.WaitGroup
	for i := range r.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.closedWorker(r.clients[i], r.recorderFor(i), &claimed)
		}()
	}
	wg.Wait()
	stopWatch()
	return r.finish(ctx, LoopClosed)
}

// closedWorker loops on one connection until the window ends, the request
// budget is spent or the run is stopped. Only this goroutine uses c and rec.
func (r *run) closedWorker(c scenarios.Client, rec *Recorder, claimed *atomic.Int64) {
	for !r.stop.Load() {
		sent := r.clock.now()
		if r.end > 0 && sent >= r.end {
			return
		}
		measured := r.inWindow(sent)
		if measured && r.opts.MaxRequests > 0 && claimed.Add(1) > r.opts.MaxRequests {
			return
		}
		err := c.Do(r.deadline(sent))
		done := r.clock.now()
		class := classify(err)
		if measured {
			rec.RecordClosed(sent, done, class)
		}
		if class == scenarios.ErrConnect {
			time.Sleep(connectBackoff)
		}
	}
}
