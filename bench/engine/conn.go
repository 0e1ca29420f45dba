package engine

import (
	"time"

	"github.com/latbench/latbench/scenarios"
)

// connState is where a request slot stands.
type connState uint8

// The states of a request slot.
const (
	// slotFree has no request; it waits in its arm's free ring.
	slotFree connState = iota
	// slotWaiting has a request that waits for its connection: to
	// connect, to finish its TLS handshake, or (multiplexed) to take
	// another stream.
	slotWaiting
	// slotBusy has a request under way: being written, or awaiting its
	// response.
	slotBusy
	// slotBackoff has no request and may not connect before its retry
	// time (a closed-loop slot whose connect failed).
	slotBackoff
	// slotParked is free but its connection would not take another
	// stream (the peer's limit); it is free again once one of the
	// connection's streams ends.
	slotParked
)

// noSlot marks the end of a list of slots.
const noSlot = -1

// conn is one request slot of a loop: the request it carries, the
// connection that carries it (sock) and, for a scenario of one request
// per connection at a time, its protocol session. A multiplexed
// connection has several slots, one per stream. Only the loop's thread
// touches it.
type conn struct {
	sock   int32 // the connection slot in loop.socks
	stream int32 // its slot number on a multiplexed connection, else 0
	state  connState
	arm    uint8 // the arm whose slot it is
	sess   scenarios.Session

	out     []byte // the request being written (owned by sess)
	written int    // bytes of out already written

	due      time.Duration // when the request was due (closed loop: sent)
	sent     time.Duration // when it was sent (or its connect started)
	deadline time.Duration // when it times out; a backoff's retry time
	measured bool          // it counts in the results
	class    int32         // the request's class in a mix, else 0
	carried  bool          // the slot has carried a measured request

	prev, next int32 // neighbours in the in-flight list
}

// writing reports whether part of the request is still to be written.
func (c *conn) writing() bool { return c.written < len(c.out) }

// inflight is the list of busy slots in the order their requests were
// sent. Every request has the same timeout, so this is also the order of
// their deadlines: the head is the next to time out. Insertion, removal
// and finding the next deadline are O(1), with no allocation.
type inflight struct {
	conns      []conn
	head, tail int32
	n          int
}

// newInflight returns an empty list over conns.
func newInflight(conns []conn) inflight {
	return inflight{conns: conns, head: noSlot, tail: noSlot}
}

// push appends slot i, whose request was just sent, at the tail.
func (l *inflight) push(i int32) {
	c := &l.conns[i]
	c.prev, c.next = l.tail, noSlot
	if l.tail != noSlot {
		l.conns[l.tail].next = i
	} else {
		l.head = i
	}
	l.tail = i
	l.n++
}

// remove unlinks slot i.
func (l *inflight) remove(i int32) {
	c := &l.conns[i]
	if c.prev != noSlot {
		l.conns[c.prev].next = c.next
	} else {
		l.head = c.next
	}
	if c.next != noSlot {
		l.conns[c.next].prev = c.prev
	} else {
		l.tail = c.prev
	}
	c.prev, c.next = noSlot, noSlot
	l.n--
}

// ring is a FIFO of slot numbers with room for every slot, so that push
// never fails and never allocates.
type ring struct {
	slots []int32
	head  int
	n     int
}

// newRing returns an empty ring for size slots.
func newRing(size int) ring { return ring{slots: make([]int32, size)} }

// push appends slot i.
func (r *ring) push(i int32) {
	r.slots[(r.head+r.n)%len(r.slots)] = i
	r.n++
}

// peek returns the oldest slot; the ring must not be empty.
func (r *ring) peek() int32 { return r.slots[r.head] }

// pop removes and returns the oldest slot; the ring must not be empty.
func (r *ring) pop() int32 {
	i := r.slots[r.head]
	r.head = (r.head + 1) % len(r.slots)
	r.n--
	return i
}
