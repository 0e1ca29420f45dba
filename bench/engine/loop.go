package engine

import (
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

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
}

// countFault counts a measured request due at due in every fault window
// that holds it.
func (l *loop) countFault(due time.Duration, ok bool) {
	for f, w := range l.cfg.faults {
		if due >= w.From && due < w.To {
			l.stats.faults[f].FellDue++
			if ok {
				l.stats.faults[f].Succeeded++
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
	faults      []FaultCount // per fault window of the config
	// firstDue and firstSent are the due and send times of the loop's
	// first request: their difference is how late the loop started.
	firstDue, firstSent time.Duration
	started             bool
}

// loop is one event loop: it owns a set of connection slots and their
// non-blocking sockets, walks its share of the schedule and records what
// it measures. Everything here belongs to the one OS thread that runs it,
// but stop, which any goroutine may set (then wake the poller).
//
// Each turn: read the clock, cross window and interval edges, time out
// requests past their deadline, send every request that has fallen due
// on a free connection (when none is free the request waits in the
// schedule and its wait counts), then wait for events as the wait
// strategy says and handle them. No turn allocates, locks, or talks to
// another goroutine, except once per interval record.
type loop struct {
	id    int
	cfg   *loopConfig
	clock clock
	dial  dialer
	poll  *poller
	stop  *atomic.Bool

	conns   []conn
	free    ring // idle or closed slots, oldest first
	backoff ring // closed loop: slots waiting to reconnect, in retry order
	flight  inflight
	sched   *schedule // open loop only
	budget  int64     // closed loop: measured requests left; negative: no limit
	share   Split     // closed loop: the loop's share of request indexes, for the mix
	sent    uint64    // closed loop: requests sent so far

	rec   *recorder
	out   chan *intervalRecord // finished interval records, to the runner
	spare chan *intervalRecord // emptied records back from the runner
	buf   []byte

	now              time.Duration // the current turn's clock reading
	lastSend         time.Duration
	measuredInFlight int
	windowOpen       bool
	windowClosed     bool
	emptyTurn        bool // the previous turn found nothing to do
	stats            loopStats
}

// run turns the loop until its share of the run is done or stop is set,
// then closes its sockets and hands over its last interval record.
func (l *loop) run() {
	l.now = l.clock.now()
	l.rec.interval.index = l.cfg.intervalIndex(l.now)
	for !l.finished() {
		if l.stop.Load() {
			l.stats.interrupted = true
			break
		}
		l.turn()
	}
	l.closeAll()
	l.rec.interval.last = true
	l.out <- l.rec.interval
}

// finished reports whether every request of the loop's share has been
// sent and every measured one has ended. Warm-up requests still in
// flight are abandoned.
func (l *loop) finished() bool {
	if l.measuredInFlight > 0 {
		return false
	}
	if l.cfg.closed {
		return !l.maySendClosed()
	}
	_, more := l.sched.peek()
	return !more
}

// turn is one pass of the loop.
func (l *loop) turn() {
	now := l.clock.now()
	if l.emptyTurn && l.inWindow(l.now) {
		l.stats.idle += now - l.now
	}
	l.now = now
	l.crossEdges(now)
	worked := l.expire(now)
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
			if l.free.n > 0 {
				// A connection came free: the next request goes out on
				// it now, not after the rest of the batch.
				l.dispatch(l.clock.now())
			}
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
	if idx := l.cfg.intervalIndex(now); idx != l.rec.interval.index {
		l.shipIntervals(idx)
	}
	if !l.windowOpen && now >= l.cfg.warmup {
		l.windowOpen = true
		l.rec.counts.InFlightAtStart = int64(l.flight.n)
	}
	if !l.windowClosed && now >= l.cfg.end {
		l.windowClosed = true
		l.rec.counts.InFlightAtEnd = int64(l.measuredInFlight)
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
	for l.rec.interval.index < idx {
		next := l.rec.interval.index + 1
		l.out <- l.rec.interval
		l.rec.interval = l.spareInterval(next)
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
		ir = newIntervalRecord()
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
	if l.backoff.n > 0 {
		wake = min(wake, l.conns[l.backoff.peek()].deadline)
	}
	if l.sched != nil {
		if due, ok := l.sched.peek(); ok {
			if l.free.n > 0 {
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
	idx := l.rec.interval.index
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
	if l.sched == nil {
		return worked
	}
	for due, ok := l.sched.peek(); ok && due+l.cfg.timeout <= now; due, ok = l.sched.peek() {
		if due >= l.cfg.warmup {
			l.rec.counts.FellDue++
			l.rec.counts.Unsent++
			l.countFault(due, false)
		}
		l.sched.pop()
		worked = true
	}
	return worked
}

// retry returns closed-loop slots whose reconnect backoff is over to the
// free list.
func (l *loop) retry(now time.Duration) bool {
	worked := false
	for l.backoff.n > 0 && l.conns[l.backoff.peek()].deadline <= now {
		i := l.backoff.pop()
		l.conns[i].state = connClosed
		l.free.push(i)
		worked = true
	}
	return worked
}

// dispatch sends every request that is due on a free connection: in the
// open loop the schedule's, oldest first; in the closed loop one per free
// connection while the window lasts.
func (l *loop) dispatch(now time.Duration) bool {
	worked := false
	if l.cfg.closed {
		for l.free.n > 0 && l.maySendClosed() {
			measured := now >= l.cfg.warmup
			if measured && l.budget > 0 {
				l.budget--
			}
			l.send(l.free.pop(), now, measured, l.classOf(l.share.Index(l.sent)))
			l.sent++
			worked = true
		}
		return worked
	}
	for l.free.n > 0 {
		due, ok := l.sched.peek()
		if !ok || due > now {
			break
		}
		class := l.classOf(l.sched.index())
		l.sched.pop()
		l.send(l.free.pop(), due, due >= l.cfg.warmup, class)
		worked = true
	}
	return worked
}

// classOf returns the mix class of request i, 0 without a mix.
func (l *loop) classOf(i uint64) int32 {
	if l.cfg.mixer == nil {
		return 0
	}
	return int32(l.cfg.mixer.Class(i))
}

// maySendClosed reports whether the closed loop may start another
// request: its window has not ended and its request budget is not spent.
func (l *loop) maySendClosed() bool {
	return l.now < l.cfg.end && l.budget != 0
}

// send starts the request due at due, of mix class class, on slot i: it
// connects first when the slot has no connection, else writes the
// request at once.
func (l *loop) send(i int32, due time.Duration, measured bool, class int32) {
	c := &l.conns[i]
	c.due, c.measured, c.class = due, measured, class
	if measured {
		c.carried = true
		l.measuredInFlight++
		l.rec.counts.FellDue++
	}
	c.sent = l.clock.now()
	c.deadline = c.sent + l.cfg.timeout
	l.lastSend = c.sent
	if !l.stats.started {
		l.stats.started, l.stats.firstDue, l.stats.firstSent = true, due, c.sent
	}
	l.flight.push(i)
	if c.state == connClosed {
		l.connect(i)
		return
	}
	l.begin(i)
}

// connect opens slot i's socket; the request goes out once it connects.
func (l *loop) connect(i int32) {
	c := &l.conns[i]
	fd, errno := l.dial.dial()
	if errno != 0 {
		l.fail(i, scenarios.ErrConnect, "connect", errno)
		return
	}
	c.fd, c.state = fd, connConnecting
	if errno := l.poll.add(fd, i, c.gen); errno != 0 {
		l.fail(i, scenarios.ErrOther, "epoll_ctl", errno)
	}
}

// connected handles the end of slot i's connect: on success the request
// goes out.
func (l *loop) connected(i int32) {
	if errno := socketError(l.conns[i].fd); errno != 0 {
		l.fail(i, scenarios.ErrConnect, "connect", errno)
		return
	}
	l.conns[i].sess.Connected()
	l.begin(i)
}

// begin writes a new request on slot i's open connection.
func (l *loop) begin(i int32) {
	c := &l.conns[i]
	c.state = connBusy
	c.out, c.written = c.sess.Request(int(c.class)), 0
	l.flush(i)
}

// flush writes what the socket takes of slot i's request; the rest goes
// when the socket says it is writable again.
func (l *loop) flush(i int32) {
	c := &l.conns[i]
	for c.writing() {
		n, errno := sysWrite(c.fd, c.out[c.written:])
		switch errno {
		case 0:
			c.written += n
		case unix.EAGAIN:
			return
		case unix.EINTR:
		default:
			l.fail(i, ioClass(errno), "write", errno)
			return
		}
	}
}

// handle deals with one epoll event and reports whether it was work.
func (l *loop) handle(ev unix.EpollEvent) bool {
	if ev.Fd == wakeSlot {
		return false
	}
	i := ev.Fd
	c := &l.conns[i]
	if c.gen != ev.Pad {
		return false // a socket closed since
	}
	const readable = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLERR | unix.EPOLLHUP
	const writable = unix.EPOLLOUT | unix.EPOLLERR | unix.EPOLLHUP
	switch c.state {
	case connConnecting:
		l.connected(i)
		return true
	case connBusy:
		if c.writing() && ev.Events&writable != 0 {
			l.flush(i)
		}
		if c.state == connBusy && c.gen == ev.Pad && ev.Events&readable != 0 {
			l.receive(i, ev.Events&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0)
		}
		return true
	case connIdle:
		if ev.Events&readable != 0 {
			l.checkIdle(i)
		}
	}
	return false
}

// receive reads what has arrived for slot i's request and feeds it to the
// session, until the request ends or the socket has nothing more. The
// socket is edge-triggered: a short read means it is drained, and any
// later arrival raises a new event; but when the peer has hung up (hup),
// the end of the stream is already there and must be read too.
func (l *loop) receive(i int32, hup bool) {
	c := &l.conns[i]
	for {
		n, errno := sysRead(c.fd, l.buf)
		switch {
		case errno == unix.EAGAIN:
			return
		case errno == unix.EINTR:
			continue
		case errno != 0:
			l.fail(i, ioClass(errno), "read", errno)
			return
		case n == 0:
			l.complete(i, c.sess.Closed(), true)
			return
		}
		if st := c.sess.Consume(l.buf[:n]); st.Done {
			l.complete(i, st, false)
			return
		}
		if n < len(l.buf) && !hup {
			return
		}
	}
}

// checkIdle handles an event on an idle connection: the server closed it,
// or sent bytes nobody asked for. Either way the connection is closed and
// the next request on the slot opens a new one; a spurious event is
// ignored.
func (l *loop) checkIdle(i int32) {
	c := &l.conns[i]
	if _, errno := sysRead(c.fd, l.buf); errno == unix.EAGAIN {
		return
	}
	l.closeConn(c)
}

// complete ends slot i's request with the session's verdict. eof says the
// server closed the connection.
func (l *loop) complete(i int32, st scenarios.Status, eof bool) {
	c := &l.conns[i]
	if st.Class != scenarios.ErrNone && l.rec.wantsSample(st.Class) {
		if err := c.sess.Err(); err != nil {
			l.rec.samples[st.Class] = err.Error()
		}
	}
	reuse := st.Class == scenarios.ErrNone && !eof && !c.writing() && c.sess.KeepOpen()
	l.end(i, l.clock.now(), st.Class, reuse)
}

// fail ends slot i's request with class, because system call op failed.
func (l *loop) fail(i int32, class scenarios.ErrorClass, op string, errno unix.Errno) {
	if l.rec.wantsSample(class) {
		l.rec.samples[class] = fmt.Sprintf("%s: %v", op, errno)
	}
	l.end(i, l.clock.now(), class, false)
}

// timeOut ends slot i's request, which has passed its deadline.
func (l *loop) timeOut(i int32, now time.Duration) {
	if l.rec.wantsSample(scenarios.ErrTimeout) {
		l.rec.samples[scenarios.ErrTimeout] = fmt.Sprintf("no complete response within the %v timeout", l.cfg.timeout)
	}
	l.end(i, now, scenarios.ErrTimeout, false)
}

// end records slot i's request as ended at done with class, and frees the
// slot: open when reuse says so, closed otherwise. A closed-loop slot
// whose connect failed waits before it may try again.
func (l *loop) end(i int32, done time.Duration, class scenarios.ErrorClass, reuse bool) {
	c := &l.conns[i]
	l.flight.remove(i)
	l.rec.count(class)
	if c.measured {
		l.measuredInFlight--
		l.rec.recordClass(int(c.class), c.due, c.sent, done, class)
		l.stats.lastDone = done
		l.countFault(c.due, class == scenarios.ErrNone)
	} else if class != scenarios.ErrNone {
		l.rec.counts.WarmupErrors++
	}
	if l.inWindow(done) {
		l.rec.counts.WindowCompleted++
	}
	c.out, c.written = nil, 0
	if !reuse {
		l.closeConn(c)
	} else {
		c.state = connIdle
	}
	if class == scenarios.ErrConnect && l.cfg.closed {
		c.state, c.deadline = connBackoff, done+connectBackoff
		l.backoff.push(i)
		return
	}
	l.free.push(i)
}

// closeConn closes c's socket, if any; epoll forgets it with the close.
func (l *loop) closeConn(c *conn) {
	if c.state == connClosed || c.state == connBackoff {
		return
	}
	unix.Close(c.fd)
	c.fd, c.state = -1, connClosed
	c.gen++
}

// closeAll closes every socket and counts the slots that never carried a
// measured request.
func (l *loop) closeAll() {
	for i := range l.conns {
		c := &l.conns[i]
		l.closeConn(c)
		if !c.carried {
			l.rec.counts.IdleConnections++
		}
	}
}
