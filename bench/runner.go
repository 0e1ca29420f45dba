package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios"
)

// Loop names, as printed in every output.
const (
	LoopOpen   = "open"
	LoopClosed = "closed"
)

// DefaultTimeout bounds each request when Options.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Options configure one run of the engine. The zero value of every field
// except Scenario and Addr is valid and means the documented default.
type Options struct {
	// Scenario makes the clients; one client per connection.
	Scenario scenarios.Scenario
	// Addr is the target's host:port.
	Addr string
	// Connections is the size of the connection pool (default 1).
	Connections int
	// Pacer schedules the requests. Nil or a zero Rate means closed loop:
	// every connection sends its next request as soon as it can.
	Pacer Pacer
	// Timer is how the open-loop dispatcher waits for due times.
	Timer Timer
	// SpinWindow is the hybrid timer's spin stretch (default
	// DefaultSpinWindow).
	SpinWindow time.Duration
	// Warmup is run before the measured window and not recorded.
	Warmup time.Duration
	// Duration is the measured window. Zero means until MaxRequests.
	Duration time.Duration
	// MaxRequests bounds the measured requests. Zero means until Duration.
	MaxRequests int64
	// Timeout bounds each request (default DefaultTimeout).
	Timeout time.Duration
	// Progress, when set, is called about every ProgressEvery (default 1 s)
	// from its own goroutine while the run goes on.
	Progress      func(Progress)
	ProgressEvery time.Duration
}

// Result is what one run measured.
type Result struct {
	// Loop is LoopOpen or LoopClosed.
	Loop string
	*Totals
	// Unsent counts requests due inside the window that were never sent
	// because the target could not drain the backlog before the deadline.
	Unsent int64
	// Measured is the wall time from the end of warm-up to the last
	// completed request.
	Measured time.Duration
	// ClientCPU is the CPU time latbench itself used during Measured.
	ClientCPU time.Duration
	// Timer names the wait strategy that ran ("" for closed loop).
	Timer string
	// Interrupted is true when the context ended the run early.
	Interrupted bool
	// Intervals are the latencies of each ProgressEvery stretch (1 s by
	// default) of the measured window.
	Intervals []results.Interval
}

// Completed returns successes plus errors.
func (r *Result) Completed() int64 { return r.Requests() + r.ErrorsTotal() }

// AchievedRPS returns completed requests per second of measured time.
func (r *Result) AchievedRPS() float64 {
	if r.Measured <= 0 {
		return 0
	}
	return float64(r.Completed()) / r.Measured.Seconds()
}

// ClientCPUPercent returns latbench's CPU use over the window, where 100
// means one full core.
func (r *Result) ClientCPUPercent() float64 {
	if r.Measured <= 0 {
		return 0
	}
	return 100 * r.ClientCPU.Seconds() / r.Measured.Seconds()
}

// Run drives load as opts say until the window ends, MaxRequests are
// measured or ctx is done, and returns the merged measurements. A cancelled
// context is not an error: the partial result comes back with Interrupted
// set.
func Run(ctx context.Context, opts Options) (*Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	r := newRun(opts)
	if opts.Pacer.Rate() > 0 {
		return r.openLoop(ctx), nil
	}
	return r.closedLoop(ctx), nil
}

// withDefaults validates opts and fills in the defaults.
func (o Options) withDefaults() (Options, error) {
	switch {
	case o.Scenario == nil:
		return o, errors.New("no scenario given")
	case o.Addr == "":
		return o, errors.New("no target address given")
	case o.Connections < 0:
		return o, fmt.Errorf("connections must be at least 1, got %d", o.Connections)
	case o.Duration < 0 || o.Warmup < 0 || o.MaxRequests < 0:
		return o, errors.New("duration, warm-up and request count cannot be negative")
	case o.Duration == 0 && o.MaxRequests == 0:
		return o, errors.New("the run is unbounded: give a duration, a request count, or both")
	}
	if o.Connections == 0 {
		o.Connections = 1
	}
	if o.Pacer == nil {
		o.Pacer = UnlimitedPacer{}
	}
	if o.SpinWindow == 0 {
		o.SpinWindow = DefaultSpinWindow
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ProgressEvery == 0 {
		o.ProgressEvery = time.Second
	}
	return o, nil
}

// run is the state one Run shares between its goroutines.
type run struct {
	opts    Options
	clock   clock
	end     time.Duration // end of the measured window; 0 = no time bound
	clients []scenarios.Client
	// recs holds min(Connections, maxRecorders) recorders; worker i
	// records into recs[i%len(recs)] (see recorderFor).
	recs []*Recorder
	stop atomic.Bool // set when the run must wind down; read by workers
	cpu  cpuWindow
	// intervals are written by collectIntervals only, and read by finish
	// after the watch goroutines have stopped.
	intervals []results.Interval
}

func newRun(opts Options) *run {
	r := &run{opts: opts, clock: newClock()}
	if opts.Duration > 0 {
		r.end = opts.Warmup + opts.Duration
	}
	for range opts.Connections {
		r.clients = append(r.clients, opts.Scenario.NewClient(opts.Addr))
	}
	for range min(opts.Connections, maxRecorders) {
		r.recs = append(r.recs, NewRecorder())
	}
	return r
}

// maxRecorders bounds the recorders of a run. A recorder holds four
// histograms of ~260 KiB each: one per connection would cost a gigabyte at
// 1,000 connections. Beyond this many connections, workers share
// recorders; a recorder's lock is uncontended while connections are few.
const maxRecorders = 16

// recorderFor returns the recorder of worker i.
func (r *run) recorderFor(i int) *Recorder {
	return r.recs[i%len(r.recs)]
}

// deadline returns the absolute deadline of a request sent at sent.
func (r *run) deadline(sent time.Duration) time.Time {
	return r.clock.base.Add(sent + r.opts.Timeout)
}

// inWindow reports whether time t (a due time, or a send time in closed
// loop) falls after warm-up.
func (r *run) inWindow(t time.Duration) bool { return t >= r.opts.Warmup }

// watch runs the side tasks of a run — the CPU window, the progress
// reporter and the cancellation watcher — until the returned stop function
// is called.
func (r *run) watch(ctx context.Context) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		r.cpu.startAfter(r.opts.Warmup, done)
	}()
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
			r.stop.Store(true)
		case <-done:
		}
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.collectIntervals(done)
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// finish closes the clients, merges the recorders and fills in the
// window's figures.
func (r *run) finish(ctx context.Context, loop string) *Result {
	finished := r.clock.now()
	for _, c := range r.clients {
		_ = c.Close()
	}
	res := &Result{Loop: loop, Totals: Merge(r.recs), Interrupted: ctx.Err() != nil, Intervals: r.intervals}
	res.Measured = finished - r.opts.Warmup
	if r.end > 0 && !res.Interrupted {
		res.Measured = max(res.Measured, r.end-r.opts.Warmup)
	}
	res.Measured = max(res.Measured, 0)
	res.ClientCPU = r.cpu.used()
	return res
}

// withProcs makes sure at least n Ps exist while f runs: the open-loop
// dispatcher spins on one P, and another must keep polling the network.
func withProcs(n int, f func()) {
	if prev := runtime.GOMAXPROCS(0); prev < n {
		runtime.GOMAXPROCS(n)
		defer runtime.GOMAXPROCS(prev)
	}
	f()
}
