package bench

import (
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/latbench/latbench/results"
)

// Progress is a snapshot of a run in progress, for a progress line.
type Progress struct {
	// Elapsed is the time since the run started, warm-up included.
	Elapsed time.Duration
	// Warmup is true while the warm-up has not ended.
	Warmup bool
	// Done and Errors count the measured requests so far.
	Done, Errors int64
	// RatePerSec is the completion rate over the last interval.
	RatePerSec float64
	// P50 and P99 are the latency percentiles over the last interval.
	P50, P99 time.Duration
}

// reportProgress calls opts.Progress every ProgressEvery until done closes.
func (r *run) reportProgress(done <-chan struct{}) {
	tick := time.NewTicker(r.opts.ProgressEvery)
	defer tick.Stop()
	interval := results.NewHistogram()
	var lastDone int64
	lastAt := r.clock.now()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		p := r.snapshot(interval)
		now := r.clock.now()
		p.RatePerSec = float64(p.Done-lastDone) / (now - lastAt).Seconds()
		lastDone, lastAt = p.Done, now
		r.opts.Progress(p)
	}
}

// snapshot drains every worker's interval histogram into h, which it
// clears first, and reads the counters.
func (r *run) snapshot(h *hdrhistogram.Histogram) Progress {
	h.Reset()
	p := Progress{Elapsed: r.clock.now()}
	p.Warmup = !r.inWindow(p.Elapsed)
	for _, rec := range r.recs {
		rec.DrainInterval(h)
		p.Done += rec.Done()
		p.Errors += rec.Failed()
	}
	p.P50 = time.Duration(h.ValueAtQuantile(50))
	p.P99 = time.Duration(h.ValueAtQuantile(99))
	return p
}
