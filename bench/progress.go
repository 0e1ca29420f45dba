package bench

import (
	"errors"
	"io"
	"time"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/results"
)

// intervalEvery is the length of a cell's intervals: fine enough to see
// a 1 s stall, to time a fault's recovery to a quarter second and to tell
// the noise of one stretch from the next. pairedEvery is a paired cell's:
// the blocks of its bootstrap are whole intervals of at least 100 ms, and
// a 5 s window needs 40 of them.
const (
	intervalEvery = 250 * time.Millisecond
	pairedEvery   = 100 * time.Millisecond
)

// intervalFor returns the length of the cell's intervals.
func intervalFor(spec CellSpec) time.Duration {
	if spec.Paired != "" {
		return pairedEvery
	}
	return intervalEvery
}

// Progress is a cell's progress, once per interval, warm-up included.
type Progress struct {
	// Interval is the interval that just closed; its histograms are
	// valid only during the call.
	Interval *engine.Interval
	// Elapsed is the time since the load began, warm-up included.
	Elapsed time.Duration
	// Warmup is true while the warm-up has not ended.
	Warmup bool
	// Done and Errors count the requests completed (and failed) inside
	// the window so far.
	Done, Errors int64
	// RatePerSec is the completion rate over the last interval.
	RatePerSec float64
	// P50 and P99 are the latency percentiles over the last interval.
	P50, P99 time.Duration
}

// intervalSink takes a cell's intervals as the engine closes them: it
// reports progress, streams the window's intervals to the cell's
// interval log and hands them to the fault tracker. It keeps no interval:
// a cell's memory does not grow with its length.
type intervalSink struct {
	progress func(Progress) // nil: none
	log      *results.IntervalLog
	file     io.WriteCloser
	faults   *faultTracker
	warmup   time.Duration
	every    time.Duration
	done     int64
	errors   int64
	err      error // the first failure to write the log
	// paired is a paired cell's second arm; nil for a cell of one.
	paired *pairedSink
	// noise measures what the host took in each interval (nil: nothing),
	// and summer sums it up over the window.
	noise  *host.NoiseMeter
	summer results.NoiseSummer
}

// pairedSink takes the reference arm's intervals of a paired cell: its
// own interval log, and both arms' latencies block by block for the
// bootstrap of their difference.
type pairedSink struct {
	window time.Duration // the measured window's length
	log    *results.IntervalLog
	file   io.WriteCloser
	blocks *results.PairedBlocks
	err    error
}

// newIntervalSink returns the sink of a cell whose window starts after
// warmup, with intervals every long. file, when not nil, receives the
// interval log.
func newIntervalSink(id string, file io.WriteCloser, warmup, every time.Duration, faults *faultTracker, progress func(Progress)) *intervalSink {
	s := &intervalSink{progress: progress, file: file, faults: faults, warmup: warmup, every: every}
	if file != nil {
		s.log, s.err = results.NewIntervalLog(file, results.IntervalLogHeader{Comment: "latbench cell " + id + ": latency from due time, ns"})
	}
	return s
}

// take handles one interval; it runs on the engine's runner goroutine.
// Engine arm 0 is the cell's target (the paired difference's B), arm 1 a
// paired cell's reference (its A).
func (s *intervalSink) take(iv *engine.Interval) {
	if s.paired != nil && !iv.Warmup() {
		s.paired.blocks.Add(1-iv.Arm, results.InWindow(int64(iv.Start), int64(s.paired.window)), iv.Latency)
	}
	if iv.Arm == 1 {
		s.paired.write(iv)
		return
	}
	var noise *results.IntervalNoise
	if s.noise != nil {
		noise = intervalNoise(s.noise.Sample())
	}
	if !iv.Warmup() && !iv.AfterWindow {
		s.done += iv.Completed
		s.errors += iv.Errors.Total()
		s.summer.Add(results.Interval{StartNs: int64(iv.Start), EndNs: int64(iv.End), Noise: noise}, iv.Latency.ValueAtQuantile(99))
	}
	if !iv.Warmup() {
		s.write(iv, noise)
		if s.faults != nil && !iv.AfterWindow {
			s.faults.add(iv.Start, iv.End, iv.Latency)
		}
	}
	if s.progress != nil && !iv.AfterWindow {
		s.progress(Progress{
			Interval: iv, Elapsed: s.warmup + iv.End, Warmup: iv.Warmup(), Done: s.done, Errors: s.errors,
			RatePerSec: float64(iv.Completed) / s.every.Seconds(),
			P50:        time.Duration(iv.Latency.ValueAtQuantile(50)),
			P99:        time.Duration(iv.Latency.ValueAtQuantile(99)),
		})
	}
}

// write appends the reference arm's interval iv to its log.
func (p *pairedSink) write(iv *engine.Interval) {
	if p.log == nil || p.err != nil || iv.Warmup() {
		return
	}
	p.err = p.log.AddHistogram(results.Interval{StartNs: int64(iv.Start), EndNs: int64(iv.End),
		Completed: iv.Completed, Errors: iv.Errors.Total(), Arm: 1}, iv.Latency)
}

// write appends iv, with the noise measured in it, to the interval log.
func (s *intervalSink) write(iv *engine.Interval, noise *results.IntervalNoise) {
	if s.log == nil || s.err != nil {
		return
	}
	s.err = s.log.AddHistogram(results.Interval{StartNs: int64(iv.Start), EndNs: int64(iv.End),
		Completed: iv.Completed, Errors: iv.Errors.Total(), Noise: noise}, iv.Latency)
}

// close ends the interval logs and returns the first failure to write
// them.
func (s *intervalSink) close() error {
	if s.noise != nil {
		s.noise.Stop()
	}
	err := closeLog(s.file, s.err)
	if s.paired != nil {
		err = errors.Join(err, closeLog(s.paired.file, s.paired.err))
	}
	return err
}

// closeLog ends a log: it drops a file that failed (writeErr), and closes
// (renames into place) one that did not.
func closeLog(file io.WriteCloser, writeErr error) error {
	if file == nil {
		return nil
	}
	if writeErr != nil {
		if a, ok := file.(interface{ Abort() }); ok {
			a.Abort()
			return writeErr
		}
	}
	return errors.Join(writeErr, file.Close())
}
