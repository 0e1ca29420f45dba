package engine

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/latbench/latbench/scenarios"
)

// sockState is where a connection slot stands.
type sockState uint8

// The states of a connection slot.
const (
	// sockClosed has no socket: the next request on one of its slots
	// connects first.
	sockClosed sockState = iota
	// sockConnecting has a socket whose connect is under way.
	sockConnecting
	// sockHandshaking has a connected socket whose TLS handshake runs on
	// the handshaker: the loop leaves it alone until it is told.
	sockHandshaking
	// sockOpen carries requests.
	sockOpen
)

// sock is one connection slot of a loop: its socket, how bytes cross it,
// and the request slots it carries (loop.conns[first:first+n]): one, or
// a multiplexed connection's streams.
type sock struct {
	fd    int
	gen   int32 // bumped at every close, so stale epoll events are ignored
	state sockState
	arm   uint8

	tr    transport
	tls   *tlsTransport  // tr when the connection speaks TLS, else nil
	mux   scenarios.Conn // a multiplexed connection's protocol state, else nil
	first int32          // its first request slot
	n     int32          // how many request slots it carries

	// pending holds multiplexed output the transport has not taken yet.
	pending []byte
	// streams counts a multiplexed connection's requests under way;
	// refused says it refused a stream since the last one ended.
	streams int32
	refused bool
	// connectAt is when its connect started; measured says it started
	// inside the window, so its connect and handshake times count.
	connectAt time.Duration
	measured  bool
	// closeAfterHandshake asks the loop to close it once the handshaker
	// hands it back.
	closeAfterHandshake bool
}

// openSock starts connecting connection slot s.
func (l *loop) openSock(s int32) {
	k := &l.socks[s]
	fd, errno := l.arms[k.arm].dial.dial()
	if errno != 0 {
		l.failSock(s, scenarios.ErrConnect, "connect", errno)
		return
	}
	k.fd, k.state, k.pending = fd, sockConnecting, k.pending[:0]
	k.connectAt = l.clock.now()
	k.measured = l.inWindow(k.connectAt)
	if errno := l.poll.add(fd, s, k.gen); errno != 0 {
		l.failSock(s, scenarios.ErrOther, "epoll_ctl", errno)
	}
}

// sockConnected handles the end of connection slot s's connect: it
// records how long it took, then hands a TLS connection to the
// handshaker or opens a plain one.
func (l *loop) sockConnected(s int32) {
	k := &l.socks[s]
	if errno := socketError(k.fd); errno != 0 {
		l.failSock(s, scenarios.ErrConnect, "connect", errno)
		return
	}
	now := l.clock.now()
	rec := l.arms[k.arm].rec
	if k.measured {
		rec.add(rec.connect, int64(now-k.connectAt))
	}
	if k.tls == nil {
		l.sockOpened(s)
		return
	}
	k.tls.reset(k.fd)
	k.state = sockHandshaking
	l.pendingHandshakes++
	l.handshaker.jobs <- handshakeJob{l: l, sock: s, gen: k.gen, tr: k.tls,
		deadline: time.Now().Add(l.cfg.timeout), started: now}
}

// drainHandshakes takes the outcomes of the handshakes that ended.
func (l *loop) drainHandshakes() bool {
	worked := false
	for l.pendingHandshakes > 0 {
		select {
		case d := <-l.handshakes:
			l.handshook(d)
			worked = true
		default:
			return worked
		}
	}
	return worked
}

// handshook handles the end of connection slot d.sock's handshake.
func (l *loop) handshook(d handshakeDone) {
	l.pendingHandshakes--
	k := &l.socks[d.sock]
	k.state = sockOpen
	if k.closeAfterHandshake {
		k.closeAfterHandshake = false
		l.closeSock(d.sock)
		return
	}
	if d.err != nil {
		k.tls.last = d.err
		l.failSock(d.sock, scenarios.ErrTLS, "tls", unix.EPROTO)
		return
	}
	if rec := l.arms[k.arm].rec; k.measured {
		rec.add(rec.handshake, int64(d.took))
	}
	l.sockOpened(d.sock)
}

// sockOpened starts the requests waiting for connection slot s, now open.
func (l *loop) sockOpened(s int32) {
	k := &l.socks[s]
	k.state = sockOpen
	if k.mux != nil {
		l.muxOpened(s)
		return
	}
	c := &l.conns[k.first]
	c.sess.Connected()
	if c.state == slotWaiting {
		l.begin(k.first)
	}
}

// failSock ends every request of connection slot s with class, because
// system call op failed with errno, and closes it.
func (l *loop) failSock(s int32, class scenarios.ErrorClass, op string, errno unix.Errno) {
	k := &l.socks[s]
	for i := k.first; i < k.first+k.n; i++ {
		if st := l.conns[i].state; st == slotWaiting || st == slotBusy {
			l.fail(i, class, op, errno)
		}
	}
	l.closeSock(s)
}

// closeSock closes connection slot s's socket, if any; epoll forgets it
// with the close. A socket on the handshaker is closed when it comes
// back. Parked request slots are free again: the next connection will
// take streams.
func (l *loop) closeSock(s int32) {
	k := &l.socks[s]
	switch k.state {
	case sockClosed:
		return
	case sockHandshaking:
		k.closeAfterHandshake = true
		return
	}
	unix.Close(k.fd)
	k.fd, k.state, k.streams = -1, sockClosed, 0
	k.gen++
	for i := k.first; i < k.first+k.n; i++ {
		if l.conns[i].state == slotParked {
			l.freeSlot(i)
		}
	}
}

// sockEvent handles an epoll event of connection slot s and reports
// whether it was work.
func (l *loop) sockEvent(s int32, events uint32) bool {
	const readable = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLERR | unix.EPOLLHUP
	const writable = unix.EPOLLOUT | unix.EPOLLERR | unix.EPOLLHUP
	k := &l.socks[s]
	switch k.state {
	case sockConnecting:
		l.sockConnected(s)
		return true
	case sockOpen:
		gen := k.gen
		if events&writable != 0 {
			l.flushSock(s)
		}
		if k.gen == gen && k.state == sockOpen && events&readable != 0 {
			l.receiveSock(s, events&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0)
		}
		return true
	}
	return false
}

// flushSock writes what connection slot s holds back: the transport's,
// then a multiplexed connection's pending output or its one request.
func (l *loop) flushSock(s int32) {
	k := &l.socks[s]
	switch errno := k.tr.flush(k.fd); errno {
	case 0:
	case unix.EAGAIN:
		return
	default:
		l.failSock(s, ioClass(errno), "write", errno)
		return
	}
	if k.mux != nil {
		l.muxWrite(s, nil)
		return
	}
	if c := &l.conns[k.first]; c.state == slotBusy && c.writing() {
		l.writeRequest(k.first)
	}
}

// receiveSock reads what has arrived on connection slot s and hands it
// to its protocol state, until the socket has nothing more. The socket
// is edge-triggered: a short read of a transport that drains means it is
// drained, and any later arrival raises a new event; but when the peer
// has hung up (hup), the end of the stream is already there and must be
// read too.
func (l *loop) receiveSock(s int32, hup bool) {
	k := &l.socks[s]
	gen := k.gen
	for k.gen == gen && k.state == sockOpen {
		n, errno := k.tr.read(k.fd, l.buf)
		switch {
		case errno == unix.EAGAIN:
			return
		case errno == unix.EINTR:
			continue
		case errno != 0:
			l.failSock(s, ioClass(errno), "read", errno)
			return
		case n == 0:
			l.sockEOF(s)
			return
		}
		if !l.deliver(s, l.buf[:n]) {
			return
		}
		if n < len(l.buf) && !hup && k.tr.drains() {
			return
		}
	}
}

// deliver hands bytes read on connection slot s to its protocol state
// and reports whether to read on.
func (l *loop) deliver(s int32, p []byte) bool {
	k := &l.socks[s]
	if k.mux != nil {
		l.muxConsume(s, p)
		return true
	}
	i := k.first
	c := &l.conns[i]
	if c.state != slotBusy {
		l.closeSock(s) // bytes nobody asked for: the next request opens a new connection
		return false
	}
	if st := c.sess.Consume(p); st.Done {
		l.complete(i, st, false)
		return false
	}
	return true
}

// sockEOF handles the peer's close of connection slot s.
func (l *loop) sockEOF(s int32) {
	k := &l.socks[s]
	if k.mux != nil {
		l.muxClosed(s)
		return
	}
	if c := &l.conns[k.first]; c.state == slotBusy {
		l.complete(k.first, c.sess.Closed(), true)
		return
	}
	l.closeSock(s)
}
