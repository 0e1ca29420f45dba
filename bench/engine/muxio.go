package engine

import (
	"github.com/latbench/latbench/scenarios"
)

// A multiplexed connection (HTTP/2, gRPC) carries its request slots as
// streams: its protocol state (scenarios.Conn) says which bytes to send
// and which streams ended; the loop writes, reads and times out as for
// any connection. A request slot whose connection cannot take another
// stream now (the peer's limit) waits for one of its streams to end; a
// free slot on such a connection is parked, so that the next due request
// goes to a connection that has room, or waits in the schedule, its wait
// counting.

// takeSlot returns a free slot of arm a for the next request, parking the
// free slots of connections that refused a stream; noSlot when none is
// left.
func (l *loop) takeSlot(a *armState) int32 {
	for a.free.n > 0 {
		i := a.free.pop()
		k := &l.socks[l.conns[i].sock]
		if k.mux == nil || k.state != sockOpen || (!k.refused && k.mux.Usable()) {
			return i
		}
		l.conns[i].state = slotParked
	}
	return noSlot
}

// muxOpened starts multiplexed connection slot s, now open: the client's
// preface, then its waiting requests.
func (l *loop) muxOpened(s int32) {
	k := &l.socks[s]
	k.mux.Connected()
	k.streams, k.refused = 0, false
	l.muxWrite(s, k.mux.Output())
	l.muxSettle(s)
	if k.tls != nil && k.state == sockOpen {
		l.receiveSock(s, false) // what the handshake read ahead raises no event
	}
}

// muxStart starts slot i's request as a stream of its open connection,
// or leaves it waiting when the connection refuses another stream now.
func (l *loop) muxStart(i int32) {
	c := &l.conns[i]
	k := &l.socks[c.sock]
	if k.refused || !k.mux.Usable() || !k.mux.Start(int(c.stream), int(c.class)) {
		c.state, k.refused = slotWaiting, true
		return
	}
	c.state, c.sent = slotBusy, l.clock.now()
	k.streams++
	l.muxWrite(c.sock, k.mux.Output())
}

// muxConsume hands bytes read on connection slot s to its protocol
// state, then settles what that changed.
func (l *loop) muxConsume(s int32, p []byte) {
	l.curSock = s
	l.socks[s].mux.Consume(p, l.muxEndedFn)
	l.muxSettle(s)
}

// muxClosed ends the streams of connection slot s, which the peer
// closed, and closes it; refused requests go out on a new connection.
func (l *loop) muxClosed(s int32) {
	k := &l.socks[s]
	l.curSock = s
	k.mux.Closed(l.muxEndedFn)
	l.closeSock(s)
	l.reopenIfWaiting(s)
}

// muxEnded is the protocol state's report that stream slot stream of the
// connection being read (curSock) ended with st.
func (l *loop) muxEnded(stream int, st scenarios.Status) {
	s := l.curSock
	k := &l.socks[s]
	i := k.first + int32(stream)
	c := &l.conns[i]
	if stream < 0 || int32(stream) >= k.n || c.state != slotBusy {
		return
	}
	k.streams--
	k.refused = false
	if st.Retry {
		c.state = slotWaiting // sent again once the connection (or a new one) takes it
		return
	}
	if rec := l.arms[c.arm].rec; st.Class != scenarios.ErrNone && rec.wantsSample(st.Class) {
		if err := k.mux.Err(stream); err != nil {
			rec.samples[st.Class] = err.Error()
		}
	}
	l.end(i, l.clock.now(), st.Class, true)
}

// muxSettle brings connection slot s up to date after streams ended: its
// parked slots are free again, its waiting requests start while it takes
// them, and once it is no longer usable and has no stream left it is
// closed (and opened again for requests still waiting).
func (l *loop) muxSettle(s int32) {
	k := &l.socks[s]
	if k.state != sockOpen {
		return
	}
	if !k.refused {
		for i := k.first; i < k.first+k.n; i++ {
			if l.conns[i].state == slotParked {
				l.freeSlot(i)
			}
		}
	}
	if !k.mux.Usable() {
		l.muxWrite(s, k.mux.Output())
		if k.streams == 0 && k.state == sockOpen {
			l.closeSock(s)
			l.reopenIfWaiting(s)
		}
		return
	}
	for i := k.first; i < k.first+k.n && !k.refused && k.state == sockOpen; i++ {
		if l.conns[i].state == slotWaiting {
			l.muxStart(i)
		}
	}
	l.muxWrite(s, k.mux.Output())
}

// reopenIfWaiting opens connection slot s again when one of its slots
// still holds a request.
func (l *loop) reopenIfWaiting(s int32) {
	k := &l.socks[s]
	for i := k.first; i < k.first+k.n; i++ {
		if l.conns[i].state == slotWaiting {
			l.openSock(s)
			return
		}
	}
}

// muxWrite writes out, after whatever connection slot s still holds
// back; what the transport does not take waits in pending for the next
// writable event. out may be nil: the pending bytes alone.
func (l *loop) muxWrite(s int32, out []byte) {
	k := &l.socks[s]
	if k.state != sockOpen {
		return
	}
	if len(k.pending) > 0 || out == nil {
		k.pending = append(k.pending, out...)
		out = k.pending
	}
	if len(out) == 0 {
		return
	}
	n, errno := k.tr.write(k.fd, out)
	if errno != 0 {
		l.failSock(s, ioClass(errno), "write", errno)
		return
	}
	if len(k.pending) > 0 {
		k.pending = k.pending[:copy(k.pending, k.pending[n:])]
		return
	}
	k.pending = append(k.pending, out[n:]...)
}
