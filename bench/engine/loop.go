package engine

import (
	"sync/atomic"
	"time"

	"github.com/latbench/latbench/scenarios"
)

// connectBackoff is how long a closed-loop connection waits after a
// failed connect before it tries again, so that a dead target is not
// hammered in a tight loop.
const connectBackoff = 10 * time.Millisecond

// readBufferSize is the size of a loop's one read buffer, shared by all
// its connections: whatever arrives is handed to the session at once.
const readBufferSize = 256 << 10

// clock reads the run's time as a duration since its start. The loops of
// a run share one base, so their due times agree; tests use a fake one.
type clock interface {
	now() time.Duration
}

// monoClock is the real clock: Go's monotonic time, read through the
// vDSO without a system call or an allocation.
type monoClock struct{ base time.Time }

func (c monoClock) now() time.Duration { return time.Since(c.base) }

// loopConfig is what every loop of a run shares, read-only.
type loopConfig struct {
	scenario   scenarios.Scenario
	closed     bool // closed loop: send whenever a connection is free
	wait       Wait
	spinWindow time.Duration
	timeout    time.Duration
	warmup     time.Duration   // start of the measured window
	end        time.Duration   // end of the measured window; never if unbounded
	every      time.Duration   // length of an interval record
	mixer      scenarios.Mixer // draws each request's class; nil without a mix
	faults     []FaultWindow   // fault windows, on the loop's clock
	arms       int             // the run's arms: the schedule's block size
	seed       uint64          // the arms' order
}

// countFault counts a measured request of arm a due at due in every
// fault window that holds it.
func (l *loop) countFault(a *armState, due time.Duration, ok bool) {
	for f, w := range l.cfg.faults {
		if due >= w.From && due < w.To {
			a.faults[f].FellDue++
			if ok {
				a.faults[f].Succeeded++
			}
		}
	}
}

// loopStats are what a loop keeps track of besides its recorder's
// Counts, for the runner.
type loopStats struct {
	idle        time.Duration // time inside the window with nothing to do
	lastDone    time.Duration // completion of the last measured request
	interrupted bool
	// firstDue and firstSent are the due and send times of the loop's
	// first request: their difference is how late the loop started.
	firstDue, firstSent time.Duration
	started             bool
}

// armState is what a loop keeps for one arm of the run: the dialer of
// the arm's addresses, the free and backoff rings of the arm's slots (the
// slots themselves are in loop.conns, each marked with its arm), its part
// of the schedule and its recorder. A request of an arm waits only for a
// connection of that arm: one arm's slowness never holds the other's
// requests back.
type armState struct {
	id      int
	dial    dialer
	free    ring      // idle or closed slots, oldest first
	backoff ring      // closed loop: slots waiting to reconnect, in retry order
	sched   *schedule // open loop only
	budget  int64     // closed loop: measured requests left; negative: no limit
	sent    uint64    // closed loop: requests sent so far
	rec     *recorder
	faults  []FaultCount // per fault window of the config
}

// loop is one event loop: it owns a set of connection slots and their
// non-blocking sockets, walks its share of the schedule and records what
// it measures, per arm. Everything here belongs to the one OS thread that
// runs it, but stop, which any goroutine may set (then wake the poller).
//
// Each turn: read the clock, cross window and interval edges, time out
// requests past their deadline, send every request that has fallen due
// on a free connection of its arm (when none is free the request waits
// in the schedule and its wait counts), then wait for events as the wait
// strategy says and handle them. No turn allocates, locks, or talks to
// another goroutine, except once per interval record.
type loop struct {
	id    int
	cfg   *loopConfig
	clock clock
	poll  *poller
	stop  *atomic.Bool

	conns  []conn // every arm's request slots; conn.arm says whose
	socks  []sock // every arm's connection slots
	arms   []*armState
	flight inflight
	share  Split // the loop's share of the schedule's blocks (closed loop: request indexes)

	interval *intervalRecord      // the stretch of time being recorded now
	out      chan *intervalRecord // finished interval records, to the runner
	spare    chan *intervalRecord // emptied records back from the runner
	buf      []byte

	// handshaker runs the TLS handshakes of the loop's connections (nil
	// without TLS); handshakes brings their outcomes back.
	handshaker        *handshaker
	handshakes        chan handshakeDone
	pendingHandshakes int

	// curSock is the multiplexed connection being read, for muxEndedFn
	// (l.muxEnded, bound once so that reads do not allocate).
	curSock    int32
	muxEndedFn func(int, scenarios.Status)

	now              time.Duration // the current turn's clock reading
	lastSend         time.Duration
	measuredInFlight int
	windowOpen       bool
	windowClosed     bool
	emptyTurn        bool // the previous turn found nothing to do
	stats            loopStats
}

// setInterval makes ir the record being written, each arm's recorder
// writing its part.
func (l *loop) setInterval(ir *intervalRecord) {
	l.interval = ir
	for a, arm := range l.arms {
		arm.rec.interval = &ir.arms[a]
	}
}

// run turns the loop until its share of the run is done or stop is set,
// then closes its sockets and hands over its last interval record.
func (l *loop) run() {
	l.now = l.clock.now()
	l.interval.index = l.cfg.intervalIndex(l.now)
	for !l.finished() {
		if l.stop.Load() {
			l.stats.interrupted = true
			break
		}
		l.turn()
	}
	l.closeAll()
	l.interval.last = true
	l.out <- l.interval
}

// finished reports whether every request of the loop's share has been
// sent and every measured one has ended. Warm-up requests still in
// flight are abandoned.
func (l *loop) finished() bool {
	if l.measuredInFlight > 0 {
		return false
	}
	for _, a := range l.arms {
		if l.cfg.closed {
			if l.maySendClosed(a) {
				return false
			}
		} else if _, more := a.sched.peek(); more {
			return false
		}
	}
	return true
}

// turn is one pass of the loop.
func (l *loop) turn() {
	now := l.clock.now()
	if l.emptyTurn && l.inWindow(l.now) {
		l.stats.idle += now - l.now
	}
	l.now = now
	l.crossEdges(now)
	worked := l.drainHandshakes()
	worked = l.expire(now) || worked
	worked = l.retry(now) || worked
	worked = l.dispatch(now) || worked
	timeout := l.cfg.wait.pollTimeout(l.clock.now(), l.wakeAt(), l.lastSend, l.cfg.spinWindow)
	var n int
	if timeout > 0 {
		before := l.clock.now()
		n = l.poll.wait(timeout)
		if l.inWindow(before) {
			l.stats.idle += l.clock.now() - before
		}
	} else {
		n = l.poll.wait(0)
	}
	for i := range n {
		if l.handle(l.poll.events[i]) {
			worked = true
			// A connection may have come free: the next request goes
			// out on it now, not after the rest of the batch.
			l.dispatch(l.clock.now())
		}
	}
	l.emptyTurn = !worked && timeout == 0
}

// inWindow reports whether t falls inside the measured window.
func (l *loop) inWindow(t time.Duration) bool {
	return t >= l.cfg.warmup && t < l.cfg.end
}

// crossEdges hands over the interval record when an interval boundary has
// passed, and notes what was in flight when the window opened and closed.
func (l *loop) crossEdges(now time.Duration) {
	if idx := l.cfg.intervalIndex(now); idx != l.interval.index {
		l.shipIntervals(idx)
	}
	if !l.windowOpen && now >= l.cfg.warmup {
		l.windowOpen = true
		for i := l.flight.head; i != noSlot; i = l.conns[i].next {
			l.arms[l.conns[i].arm].rec.counts.InFlightAtStart++
		}
	}
	if !l.windowClosed && now >= l.cfg.end {
		l.windowClosed = true
		for i := l.flight.head; i != noSlot; i = l.conns[i].next {
			if l.conns[i].measured {
				l.arms[l.conns[i].arm].rec.counts.InFlightAtEnd++
			}
		}
	}
}

// intervalIndex returns the number of the interval record that time t
// belongs to: counted from the start of the window, negative during
// warm-up, and one past the window's last for everything after its end.
func (cfg *loopConfig) intervalIndex(t time.Duration) int64 {
	if t >= cfg.end {
		return intervalCount(cfg.end-cfg.warmup, cfg.every)
	}
	d := t - cfg.warmup
	idx := int64(d / cfg.every)
	if d < 0 && d%cfg.every != 0 {
		idx--
	}
	return idx
}

// intervalCount returns how many interval records of length every cover a
// window of length d.
func intervalCount(d, every time.Duration) int64 {
	return int64((d + every - 1) / every)
}

// shipIntervals hands the current interval record to the runner, and an
// empty one for every interval skipped on the way to idx, then starts a
// record for idx. It happens once per interval, never per request.
func (l *loop) shipIntervals(idx int64) {
	for l.interval.index < idx {
		next := l.interval.index + 1
		l.out <- l.interval
		l.setInterval(l.spareInterval(next))
	}
}

// spareInterval returns an empty interval record for index idx, reusing
// one the runner has handed back when there is one.
func (l *loop) spareInterval(idx int64) *intervalRecord {
	var ir *intervalRecord
	select {
	case ir = <-l.spare:
		ir.reset()
	default:
		ir = newIntervalRecord(len(l.arms))
	}
	ir.loop, ir.index = l.id, idx
	return ir
}

// wakeAt returns the earliest time at which the loop must act without an
// event: the next due time when a connection is free to send it, the
// expiry of a waiting request, the next deadline or reconnect, the next
// interval boundary.
func (l *loop) wakeAt() time.Duration {
	wake := l.nextEdge()
	if l.flight.head != noSlot {
		wake = min(wake, l.conns[l.flight.head].deadline)
	}
	for _, a := range l.arms {
		if a.backoff.n > 0 {
			wake = min(wake, l.conns[a.backoff.peek()].deadline)
		}
		if a.sched == nil {
			continue
		}
		if due, ok := a.sched.peek(); ok {
			if a.free.n > 0 {
				wake = min(wake, due)
			} else {
				wake = min(wake, due+l.cfg.timeout)
			}
		}
	}
	return wake
}

// nextEdge returns the next interval boundary (the window's edges are
// boundaries too).
func (l *loop) nextEdge() time.Duration {
	idx := l.interval.index
	if l.cfg.end != never && idx >= intervalCount(l.cfg.end-l.cfg.warmup, l.cfg.every) {
		return never
	}
	return min(l.cfg.warmup+time.Duration(idx+1)*l.cfg.every, l.cfg.end)
}

// expire times out every request past its deadline, and drops requests
// that waited for a connection longer than the timeout: they count as
// unsent. It reports whether it did anything.
func (l *loop) expire(now time.Duration) bool {
	worked := false
	for l.flight.head != noSlot && l.conns[l.flight.head].deadline <= now {
		l.timeOut(l.flight.head, now)
		worked = true
	}
	for _, a := range l.arms {
		if a.sched == nil {
			continue
		}
		for due, ok := a.sched.peek(); ok && due+l.cfg.timeout <= now; due, ok = a.sched.peek() {
			if due >= l.cfg.warmup {
				a.rec.counts.FellDue++
				a.rec.counts.Unsent++
				l.countFault(a, due, false)
			}
			a.sched.pop()
			worked = true
		}
	}
	return worked
}

// retry returns closed-loop slots whose reconnect backoff is over to
// their arm's free list.
func (l *loop) retry(now time.Duration) bool {
	worked := false
	for _, a := range l.arms {
		for a.backoff.n > 0 && l.conns[a.backoff.peek()].deadline <= now {
			l.freeSlot(a.backoff.pop())
			worked = true
		}
	}
	return worked
}

// dispatch sends every request that is due on a free connection of its
// arm: in the open loop the schedule's, earliest due first across the
// arms; in the closed loop one per free connection while the window
// lasts.
func (l *loop) dispatch(now time.Duration) bool {
	worked := false
	if l.cfg.closed {
		for _, a := range l.arms {
			for a.free.n > 0 && l.maySendClosed(a) {
				i := l.takeSlot(a)
				if i == noSlot {
					break
				}
				measured := now >= l.cfg.warmup
				if measured && a.budget > 0 {
					a.budget--
				}
				l.send(a, i, now, measured, l.classOf(l.share.Index(a.sent)))
				a.sent++
				worked = true
			}
		}
		return worked
	}
	for {
		var next *armState
		nextDue := never
		for _, a := range l.arms {
			if due, ok := a.sched.peek(); ok && a.free.n > 0 && due <= now && due < nextDue {
				next, nextDue = a, due
			}
		}
		if next == nil {
			return worked
		}
		i := l.takeSlot(next)
		if i == noSlot {
			continue // every free slot was parked: look again
		}
		class := l.classOf(next.sched.index())
		next.sched.pop()
		l.send(next, i, nextDue, nextDue >= l.cfg.warmup, class)
		worked = true
	}
}

// classOf returns the mix class of request i, 0 without a mix.
func (l *loop) classOf(i uint64) int32 {
	if l.cfg.mixer == nil {
		return 0
	}
	return int32(l.cfg.mixer.Class(i))
}

// maySendClosed reports whether the closed loop may start another
// request of arm a: its window has not ended and the arm's request
// budget is not spent.
func (l *loop) maySendClosed(a *armState) bool {
	return l.now < l.cfg.end && a.budget != 0
}
