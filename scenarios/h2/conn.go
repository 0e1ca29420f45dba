package h2

import (
	"golang.org/x/net/http2/hpack"

	"github.com/latbench/latbench/scenarios"
)

// Request is what a Protocol sends for one request.
type Request struct {
	// Headers is the HPACK header block that opens a new stream, sent in
	// one HEADERS frame (at most MinFrameSize bytes, see EncodeHeaders).
	// It is not used on a stream that is already open.
	Headers []byte
	// Data is the request body, sent in DATA frames as the peer's flow
	// control windows allow; nil for none. The Conn keeps a reference
	// until it is sent: the bytes must not change (Protocols share
	// precomputed, read-only bodies).
	Data []byte
	// End ends the client's side of the stream after Data (END_STREAM).
	End bool
}

// Protocol is what a Conn carries over its streams: the requests to send
// and the checks of the responses, per slot. The Conn calls it only for a
// slot whose stream is open, from the Conn's own methods (one event loop,
// no locking); none of its methods may allocate in the steady state but
// Err.
type Protocol interface {
	// Request returns slot s's next request of class class. open is
	// true when it opens a new stream (Headers is sent) and false when
	// the slot's stream stays open from its previous request (a gRPC
	// bidirectional stream: only Data is sent). It also resets the
	// slot's response state for the new request.
	Request(s, class int, open bool) Request
	// Field takes one decoded field of the header block being received
	// on slot s's stream. name and value are only valid during the call
	// unless kept as the strings they are (they are never modified).
	Field(s int, name, value string)
	// Headers tells that the header block of slot s's stream has ended
	// (response headers, an interim response or trailers) and returns
	// the request's status so far.
	Headers(s int) scenarios.Status
	// Data takes response body bytes of slot s's stream and returns how
	// many it used and the request's status. It uses at least one byte
	// unless it returns a Failure; the Conn offers the rest again.
	Data(s int, p []byte) (int, scenarios.Status)
	// End tells that the peer ended slot s's stream (END_STREAM) and
	// returns the request's final status: Success or a Failure. For a
	// slot with no request in flight (an idle gRPC stream), the status
	// is not used.
	End(s int) scenarios.Status
	// Err describes slot s's last failure reported through Headers,
	// Data or End. It may allocate.
	Err(s int) error
}

// Conn is the HTTP/2 client state of one connection: it implements
// scenarios.Conn for any Protocol (the h2 scenario's GET, the grpc
// scenario's calls). It parses frames as they arrive, in place, and
// never buffers a body. One event loop uses a Conn and its Protocol: no
// locking.
type Conn struct {
	proto   Protocol
	slots   []slot
	ids     idTable
	dec     *hpack.Decoder
	rd      reader
	hdr     blockState
	peer    peerSettings
	out     []byte
	flushed bool   // out was returned by Output: the engine writes it all before its next call
	nextID  uint32 // the ID of the next stream
	maxID   uint32 // the last stream ID this connection may open
	open    int    // streams open: slots with an ID
	pending int    // slots with DATA held back by flow control
	sendWin int64  // the connection's send window
	recvWin int64  // what is left of the connection's receive window
	settled bool   // the peer's first SETTINGS has come: its windows are known
	goaway  bool   // the peer sent GOAWAY
	dead    bool   // closed by the peer or failed: no more frames are read
	err     connError
}

// slot is the state of one request slot and of its stream, if open.
type slot struct {
	id        uint32 // the stream's ID; 0 when no stream is open
	busy      bool   // a request is in flight
	localEnd  bool   // END_STREAM was sent
	remoteEnd bool   // END_STREAM was received
	hasPend   bool   // DATA is held back
	pendEnd   bool   // the held-back DATA ends the stream
	pend      []byte // DATA held back by flow control
	sendWin   int64  // the stream's send window
	recvUsed  int64  // DATA received since the stream's last WINDOW_UPDATE
	fail      failure
}

// peerSettings are the settings the server sent, or their defaults.
type peerSettings struct {
	maxStreams    int64 // SETTINGS_MAX_CONCURRENT_STREAMS
	initialWindow int64 // SETTINGS_INITIAL_WINDOW_SIZE
	maxFrame      int64 // SETTINGS_MAX_FRAME_SIZE
}

// blockState is the header block being received.
type blockState struct {
	id     uint32 // its stream
	slot   int    // the slot of its stream, -1 when the stream is not open
	end    bool   // its HEADERS frame had END_STREAM
	length int    // its bytes so far
	cont   uint32 // the stream whose CONTINUATION must come next, 0 if none
}

// NewConn returns the state of a connection that carries streams
// requests at once for p. It allocates everything the connection needs;
// its methods do not allocate in the steady state.
func NewConn(p Protocol, streams int) *Conn {
	c := &Conn{
		proto: p,
		slots: make([]slot, streams),
		ids:   newIDTable(streams),
		out:   make([]byte, 0, 1024),
		maxID: maxStreamID,
	}
	// A method value is allocated once here, not at each header field.
	c.dec = hpack.NewDecoder(headerTableSize, c.onField)
	c.dec.SetMaxStringLength(maxHeaderBlock)
	c.Connected()
	return c
}

// Connected resets the state for a new connection and puts the client
// preface, its SETTINGS and a connection WINDOW_UPDATE in Output.
func (c *Conn) Connected() {
	for i := range c.slots {
		c.slots[i] = slot{}
	}
	c.ids.clear()
	c.rd = reader{}
	c.hdr = blockState{slot: -1}
	c.peer = peerSettings{maxStreams: 1 << 31, initialWindow: defaultWindow, maxFrame: MinFrameSize}
	c.nextID, c.open, c.pending = 1, 0, 0
	c.sendWin, c.recvWin = defaultWindow, connWindow
	c.settled, c.goaway, c.dead, c.err = false, false, false, connError{}
	c.resetDecoder()
	c.out, c.flushed = c.out[:0], false
	c.writePreface()
}

// resetDecoder empties the HPACK decoder's dynamic table and any partial
// block, as for a new connection, without allocating a new decoder.
func (c *Conn) resetDecoder() {
	c.dec.SetMaxDynamicTableSize(0)
	c.dec.SetMaxDynamicTableSize(headerTableSize)
	c.dec.Close() // drops a partial block, and says so
	c.dec.Close() // then the next field is a block's first again
	c.dec.SetEmitEnabled(true)
}

// Start begins request class on slot s: on the slot's open stream when
// the Protocol keeps one, else on a new stream. It returns false when no
// new stream may be opened now: the peer's MAX_CONCURRENT_STREAMS is
// reached, the peer sent GOAWAY, the stream IDs are used up, or the
// connection failed.
func (c *Conn) Start(s, class int) bool {
	c.startOutput()
	sl := &c.slots[s]
	if c.dead || sl.busy {
		return false
	}
	if sl.id != 0 && sl.hasPend {
		// A request whose body is still held back cannot be followed on
		// the same stream; this only happens with a peer that answered
		// before it had the request.
		c.release(s, codeCancel)
	}
	open := sl.id == 0
	if open && !c.canOpen() {
		return false
	}
	req := c.proto.Request(s, class, open)
	if open {
		c.openStream(s, req)
	} else {
		c.queue(s, req.Data, req.End)
	}
	sl.busy = true
	sl.fail = failure{}
	return true
}

// canOpen reports whether a new stream may be opened now.
func (c *Conn) canOpen() bool {
	return !c.goaway && c.nextID <= c.maxID && int64(c.open) < c.peer.maxStreams
}

// Consume parses the frames in p, which may start or end anywhere in a
// frame, and calls ended for each slot whose request ended.
func (c *Conn) Consume(p []byte, ended func(s int, st scenarios.Status)) {
	c.startOutput()
	c.consume(p, ended)
}

// Output returns the bytes to send now: frames queued by the methods
// called since the last Output, then the DATA that the flow control
// windows let through. No DATA goes out before the server's first
// SETTINGS has come: a server may set windows below the default, and
// some (Go's) reset the streams whose DATA went beyond them even before
// the client could know.
func (c *Conn) Output() []byte {
	c.startOutput()
	c.flushData()
	c.flushed = true
	return c.out
}

// Cancel ends slot s's request on the client's side: its stream, if still
// open, is reset with CANCEL and the slot is free.
func (c *Conn) Cancel(s int) {
	c.startOutput()
	if c.slots[s].id != 0 {
		c.release(s, codeCancel)
	}
	c.slots[s].busy = false
}

// Closed ends every request in flight with a short read: the peer closed
// the connection.
func (c *Conn) Closed(ended func(s int, st scenarios.Status)) {
	c.startOutput()
	c.dead = true
	c.endAll(scenarios.Failure(scenarios.ErrShortRead), failShort, ended)
}

// Usable reports whether the connection may open new streams: not after
// GOAWAY or a connection error, nor once its stream IDs are used up.
func (c *Conn) Usable() bool {
	return !c.dead && !c.goaway && c.nextID <= c.maxID
}

// startOutput empties the output buffer once the engine has written what
// the last Output returned: it does so before calling any other method.
func (c *Conn) startOutput() {
	if c.flushed {
		c.out = c.out[:0]
		c.flushed = false
	}
}

// openStream opens a new stream on slot s for req and sends its HEADERS.
func (c *Conn) openStream(s int, req Request) {
	sl := &c.slots[s]
	*sl = slot{id: c.nextID, sendWin: c.peer.initialWindow}
	c.nextID += 2
	c.ids.put(sl.id, s)
	c.open++
	var flags uint8 = flagEndHeaders
	if req.End && len(req.Data) == 0 {
		flags |= flagEndStream
		sl.localEnd = true
	}
	c.writeFrame(frameHeaders, flags, sl.id, req.Headers)
	if !sl.localEnd {
		c.queue(s, req.Data, req.End)
	}
}

// queue holds data for slot s's stream until Output sends it.
func (c *Conn) queue(s int, data []byte, end bool) {
	sl := &c.slots[s]
	if len(data) == 0 && !end {
		return
	}
	if !sl.hasPend {
		c.pending++
	}
	sl.pend, sl.pendEnd, sl.hasPend = data, end, true
}

// release closes slot s's stream: it resets it with code unless both
// sides have ended it, and forgets it. The request, if any, is left to
// the caller.
func (c *Conn) release(s int, code uint32) {
	sl := &c.slots[s]
	if !sl.localEnd || !sl.remoteEnd {
		c.writeRSTStream(sl.id, code)
	}
	c.forget(s)
}

// forget drops slot s's stream without sending anything.
func (c *Conn) forget(s int) {
	sl := &c.slots[s]
	if sl.hasPend {
		c.pending--
	}
	c.ids.del(sl.id)
	c.open--
	sl.id, sl.hasPend, sl.pend = 0, false, nil
}

// finish ends slot s's request, if one is in flight, with st; kind says
// which layer a failure came from, for Err.
func (c *Conn) finish(s int, st scenarios.Status, kind failKind, code uint32, ended func(int, scenarios.Status)) {
	sl := &c.slots[s]
	if !sl.busy {
		return
	}
	sl.busy = false
	if st.Class != scenarios.ErrNone {
		sl.fail = failure{kind: kind, code: code}
	}
	ended(s, st)
}

// endAll forgets every stream and ends every request in flight with st.
func (c *Conn) endAll(st scenarios.Status, kind failKind, ended func(int, scenarios.Status)) {
	for s := range c.slots {
		if c.slots[s].id != 0 {
			c.forget(s)
		}
		c.finish(s, st, kind, 0, ended)
	}
}
