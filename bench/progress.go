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

// collectIntervals drains every worker's latencies each ProgressEvery
// (default 1 s) until done closes: each stretch of the measured window
// becomes one encoded interval histogram (r.intervals), and opts.Progress,
// when set, gets a snapshot. After done it drains the last, partial
// stretch. Only this goroutine writes r.intervals; finish reads them after
// it has returned.
func (r *run) collectIntervals(done <-chan struct{}) {
	tick := time.NewTicker(r.opts.ProgressEvery)
	defer tick.Stop()
	interval := results.NewHistogram()
	var lastDone int64
	lastAt := r.clock.now()
	for {
		var last bool
		select {
		case <-done:
			last = true
		case <-tick.C:
		}
		p := r.snapshot(interval)
		now := r.clock.now()
		r.keepInterval(interval, lastAt, now)
		p.RatePerSec = float64(p.Done-lastDone) / (now - lastAt).Seconds()
		lastDone, lastAt = p.Done, now
		if last {
			return
		}
		if r.opts.Progress != nil {
			r.opts.Progress(p)
		}
	}
}

// keepInterval stores h, the latencies recorded from from to to, as one
// interval of the measured window; empty stretches and warm-up are not
// kept.
func (r *run) keepInterval(h *hdrhistogram.Histogram, from, to time.Duration) {
	if h.TotalCount() == 0 || to <= r.opts.Warmup {
		return
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		return // not reachable for a valid histogram; the interval is lost, not the run
	}
	r.intervals = append(r.intervals, results.Interval{
		StartNs: int64(max(from, r.opts.Warmup) - r.opts.Warmup),
		EndNs:   int64(to - r.opts.Warmup),
		Latency: enc,
	})
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
