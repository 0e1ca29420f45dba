package engine

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/latbench/latbench/scenarios"
)

// send starts the request of arm a due at due, of mix class class, on
// slot i (one of a's): at once when its connection is open, else once it
// is (it connects first when the connection is closed).
func (l *loop) send(a *armState, i int32, due time.Duration, measured bool, class int32) {
	c := &l.conns[i]
	c.due, c.measured, c.class = due, measured, class
	if measured {
		c.carried = true
		l.measuredInFlight++
		a.rec.counts.FellDue++
	}
	c.sent = l.clock.now()
	c.deadline = c.sent + l.cfg.timeout
	l.lastSend = c.sent
	if !l.stats.started {
		l.stats.started, l.stats.firstDue, l.stats.firstSent = true, due, c.sent
	}
	l.flight.push(i)
	l.startRequest(i)
}

// startRequest starts slot i's request on its connection, or has it wait
// for the connection.
func (l *loop) startRequest(i int32) {
	c := &l.conns[i]
	k := &l.socks[c.sock]
	switch k.state {
	case sockOpen:
		if k.mux != nil {
			l.muxStart(i)
			return
		}
		l.begin(i)
	case sockClosed:
		c.state = slotWaiting
		l.openSock(c.sock)
	default:
		c.state = slotWaiting
	}
}

// begin writes a new request on slot i's open connection.
func (l *loop) begin(i int32) {
	c := &l.conns[i]
	c.state = slotBusy
	c.out, c.written = c.sess.Request(int(c.class)), 0
	l.writeRequest(i)
}

// writeRequest writes what the connection takes of slot i's request;
// the rest goes when the socket says it is writable again.
func (l *loop) writeRequest(i int32) {
	c := &l.conns[i]
	k := &l.socks[c.sock]
	n, errno := k.tr.write(k.fd, c.out[c.written:])
	c.written += n
	if errno != 0 {
		l.failSock(c.sock, ioClass(errno), "write", errno)
	}
}

// handle deals with one epoll event and reports whether it was work.
func (l *loop) handle(ev unix.EpollEvent) bool {
	if ev.Fd == wakeSlot {
		return false
	}
	if l.socks[ev.Fd].gen != ev.Pad {
		return false // a socket closed since
	}
	return l.sockEvent(ev.Fd, ev.Events)
}

// complete ends slot i's request with the session's verdict. eof says the
// server closed the connection.
func (l *loop) complete(i int32, st scenarios.Status, eof bool) {
	c := &l.conns[i]
	if rec := l.arms[c.arm].rec; st.Class != scenarios.ErrNone && rec.wantsSample(st.Class) {
		if err := c.sess.Err(); err != nil {
			rec.samples[st.Class] = err.Error()
		}
	}
	reuse := st.Class == scenarios.ErrNone && !eof && !c.writing() && c.sess.KeepOpen()
	l.end(i, l.clock.now(), st.Class, reuse)
}

// fail ends slot i's request with class, because system call op failed.
func (l *loop) fail(i int32, class scenarios.ErrorClass, op string, errno unix.Errno) {
	c := &l.conns[i]
	if rec := l.arms[c.arm].rec; rec.wantsSample(class) {
		rec.samples[class] = l.describe(c.sock, op, errno)
	}
	l.end(i, l.clock.now(), class, false)
}

// describe says in words why a system call on connection slot s failed:
// the TLS layer's error when it has one.
func (l *loop) describe(s int32, op string, errno unix.Errno) string {
	if k := &l.socks[s]; k.tls != nil && k.tls.last != nil {
		return k.tls.last.Error()
	}
	return fmt.Sprintf("%s: %v", op, errno)
}

// timeOut ends slot i's request, which has passed its deadline.
func (l *loop) timeOut(i int32, now time.Duration) {
	c := &l.conns[i]
	if rec := l.arms[c.arm].rec; rec.wantsSample(scenarios.ErrTimeout) {
		rec.samples[scenarios.ErrTimeout] = fmt.Sprintf("no complete response within the %v timeout", l.cfg.timeout)
	}
	if k := &l.socks[c.sock]; k.mux != nil && c.state == slotBusy && k.state == sockOpen {
		k.mux.Cancel(int(c.stream))
		k.streams--
		k.refused = false
		l.end(i, now, scenarios.ErrTimeout, true)
		l.muxSettle(c.sock)
		return
	}
	l.end(i, now, scenarios.ErrTimeout, false)
}

// end records slot i's request as ended at done with class, and frees the
// slot. Its connection stays open when reuse says so; a multiplexed one
// stays open while it is usable. A closed-loop slot whose connect failed
// waits before it may try again.
func (l *loop) end(i int32, done time.Duration, class scenarios.ErrorClass, reuse bool) {
	c := &l.conns[i]
	a := l.arms[c.arm]
	l.flight.remove(i)
	a.rec.count(class)
	if c.measured {
		l.measuredInFlight--
		a.rec.recordClass(int(c.class), c.due, c.sent, done, class)
		l.stats.lastDone = done
		l.countFault(a, c.due, class == scenarios.ErrNone)
	} else if class != scenarios.ErrNone {
		a.rec.counts.WarmupErrors++
	}
	if l.inWindow(done) {
		a.rec.counts.WindowCompleted++
	}
	c.out, c.written = nil, 0
	if k := &l.socks[c.sock]; k.mux == nil && !reuse {
		l.closeSock(c.sock)
	}
	if class == scenarios.ErrConnect && l.cfg.closed {
		c.state, c.deadline = slotBackoff, done+connectBackoff
		a.backoff.push(i)
		return
	}
	l.freeSlot(i)
}

// freeSlot returns slot i to its arm's free ring.
func (l *loop) freeSlot(i int32) {
	c := &l.conns[i]
	c.state = slotFree
	l.arms[c.arm].free.push(i)
}

// closeAll closes every socket, once the handshakes under way have come
// back, and counts the connections that never carried a measured
// request.
func (l *loop) closeAll() {
	for s := range l.socks {
		l.closeSock(int32(s))
	}
	for l.pendingHandshakes > 0 {
		l.handshook(<-l.handshakes)
	}
	for s := range l.socks {
		k := &l.socks[s]
		carried := false
		for i := k.first; i < k.first+k.n; i++ {
			carried = carried || l.conns[i].carried
		}
		if !carried {
			l.arms[k.arm].rec.counts.IdleConnections++
		}
	}
}
