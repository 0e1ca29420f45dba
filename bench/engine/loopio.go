package engine

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/latbench/latbench/scenarios"
)

// send starts the request of arm a due at due, of mix class class, on
// slot i (one of a's): it connects first when the slot has no
// connection, else writes the request at once.
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
	if c.state == connClosed {
		l.connect(i)
		return
	}
	l.begin(i)
}

// connect opens slot i's socket; the request goes out once it connects.
func (l *loop) connect(i int32) {
	c := &l.conns[i]
	fd, errno := l.arms[c.arm].dial.dial()
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
	if rec := l.arms[l.conns[i].arm].rec; rec.wantsSample(class) {
		rec.samples[class] = fmt.Sprintf("%s: %v", op, errno)
	}
	l.end(i, l.clock.now(), class, false)
}

// timeOut ends slot i's request, which has passed its deadline.
func (l *loop) timeOut(i int32, now time.Duration) {
	if rec := l.arms[l.conns[i].arm].rec; rec.wantsSample(scenarios.ErrTimeout) {
		rec.samples[scenarios.ErrTimeout] = fmt.Sprintf("no complete response within the %v timeout", l.cfg.timeout)
	}
	l.end(i, now, scenarios.ErrTimeout, false)
}

// end records slot i's request as ended at done with class, and frees the
// slot: open when reuse says so, closed otherwise. A closed-loop slot
// whose connect failed waits before it may try again.
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
	if !reuse {
		l.closeConn(c)
	} else {
		c.state = connIdle
	}
	if class == scenarios.ErrConnect && l.cfg.closed {
		c.state, c.deadline = connBackoff, done+connectBackoff
		a.backoff.push(i)
		return
	}
	a.free.push(i)
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
			l.arms[c.arm].rec.counts.IdleConnections++
		}
	}
}
