package h2

import (
	"golang.org/x/net/http2/hpack"

	"github.com/latbench/latbench/scenarios"
)

// setting applies one setting the server sent. It returns false after a
// connection error.
func (c *Conn) setting(id uint16, v uint32, ended func(int, scenarios.Status)) bool {
	switch id {
	case settingEnablePush:
		if v > 1 {
			c.fail(codeProtocol, "SETTINGS_ENABLE_PUSH is neither 0 nor 1", ended)
			return false
		}
	case settingMaxConcurrentStreams:
		c.peer.maxStreams = int64(v)
	case settingInitialWindowSize:
		if v > maxWindow {
			c.fail(codeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE is above 2^31-1", ended)
			return false
		}
		// The change applies to every open stream's window, which may
		// turn negative (RFC 9113, 6.9.2).
		delta := int64(v) - c.peer.initialWindow
		c.peer.initialWindow = int64(v)
		for s := range c.slots {
			if c.slots[s].id != 0 {
				c.slots[s].sendWin += delta
			}
		}
	case settingMaxFrameSize:
		if v < MinFrameSize || v > maxFrameSizeLimit {
			c.fail(codeProtocol, "SETTINGS_MAX_FRAME_SIZE is out of range", ended)
			return false
		}
		c.peer.maxFrame = int64(v)
	}
	// SETTINGS_HEADER_TABLE_SIZE does not matter: the requests' header
	// blocks never use the dynamic table. SETTINGS_MAX_HEADER_LIST_SIZE
	// and unknown settings are ignored.
	return true
}

// goAway acts on a GOAWAY: no new stream opens, and the requests on
// streams above lastID, which the server did not process, end with
// Retry. The others go on.
func (c *Conn) goAway(lastID, code uint32, ended func(int, scenarios.Status)) {
	c.goaway = true
	c.err.goaway, c.err.code = true, code
	for s := range c.slots {
		if id := c.slots[s].id; id != 0 && id > lastID {
			c.forget(s)
			c.finish(s, scenarios.Retry, failNone, 0, ended)
		}
	}
}

// rstStream acts on an RST_STREAM: the request on the stream ends, with
// Retry when the server refused it before processing it.
func (c *Conn) rstStream(id, code uint32, ended func(int, scenarios.Status)) {
	s := c.ids.get(id)
	if s < 0 {
		return
	}
	c.forget(s)
	if code == codeRefusedStream {
		c.finish(s, scenarios.Retry, failNone, 0, ended)
		return
	}
	c.finish(s, scenarios.Failure(scenarios.ErrReset), failReset, code, ended)
}

// windowUpdate opens the connection's send window (id 0) or a stream's.
// A window above 2^31-1 or a zero increment is a connection error (the
// stream-level cases are stream errors in RFC 9113; treating them as
// connection errors keeps the state machine small).
func (c *Conn) windowUpdate(id uint32, inc int64, ended func(int, scenarios.Status)) {
	if inc == 0 {
		c.fail(codeProtocol, "a WINDOW_UPDATE has a zero increment", ended)
		return
	}
	w := &c.sendWin
	if id != 0 {
		s := c.ids.get(id)
		if s < 0 {
			return
		}
		w = &c.slots[s].sendWin
	}
	*w += inc
	if *w > maxWindow {
		c.fail(codeFlowControl, "a WINDOW_UPDATE opens a window above 2^31-1", ended)
	}
}

// data hands DATA bytes of stream id to slot s's Protocol, as long as
// the stream stays open.
func (c *Conn) data(s int, id uint32, b []byte, ended func(int, scenarios.Status)) {
	for s >= 0 && len(b) > 0 && c.slots[s].id == id {
		n, st := c.proto.Data(s, b)
		c.result(s, st, ended)
		if n <= 0 {
			return
		}
		b = b[n:]
	}
}

// replenish gives back the receive window that DATA used, once half of
// it is used, for the connection and for slot s's stream (s < 0: none),
// so that WINDOW_UPDATE frames are few.
func (c *Conn) replenish(s int, id uint32) {
	if used := connWindow - c.recvWin; used >= connWindow/2 {
		c.writeWindowUpdate(0, used)
		c.recvWin = connWindow
	}
	if s < 0 {
		return
	}
	if sl := &c.slots[s]; sl.id == id && sl.recvUsed >= StreamWindow/2 {
		c.writeWindowUpdate(id, sl.recvUsed)
		sl.recvUsed = 0
	}
}

// fragment hands a header block fragment to the HPACK decoder.
func (c *Conn) fragment(b []byte, ended func(int, scenarios.Status)) {
	c.hdr.length += len(b)
	if c.hdr.length > maxHeaderBlock {
		c.fail(codeProtocol, "a header block is larger than 256 KiB", ended)
		return
	}
	if _, err := c.dec.Write(b); err != nil {
		c.fail(codeCompression, "a header block does not decode (HPACK)", ended)
	}
}

// onField is the HPACK decoder's callback: it passes a field of an open
// stream's block to the Protocol.
func (c *Conn) onField(f hpack.HeaderField) {
	if c.hdr.slot >= 0 {
		c.proto.Field(c.hdr.slot, f.Name, f.Value)
	}
}

// endBlock acts on the end of a header block.
func (c *Conn) endBlock(ended func(int, scenarios.Status)) {
	c.hdr.cont = 0
	if err := c.dec.Close(); err != nil {
		c.fail(codeCompression, "a header block ends inside a field (HPACK)", ended)
		return
	}
	s, id := c.hdr.slot, c.hdr.id
	if s < 0 || c.slots[s].id != id {
		return
	}
	c.result(s, c.proto.Headers(s), ended)
	if c.hdr.end && c.slots[s].id == id {
		c.remoteEnd(s, ended)
	}
}

// remoteEnd acts on the end of slot s's stream by the server: the
// request in flight ends with the Protocol's final status, or as cut
// short if the Protocol has none, and the stream closes (with
// RST_STREAM NO_ERROR if the client had not ended its side).
func (c *Conn) remoteEnd(s int, ended func(int, scenarios.Status)) {
	c.slots[s].remoteEnd = true
	st := c.proto.End(s)
	c.release(s, codeNo)
	if !st.Done {
		c.finish(s, scenarios.Failure(scenarios.ErrShortRead), failShort, 0, ended)
		return
	}
	c.finish(s, st, failProtocol, 0, ended)
}

// result acts on the status a Protocol returned for slot s: a request
// that failed ends and its stream, still open, is reset; a request that
// succeeded ends and its stream stays open if the server has not ended
// it (a gRPC bidirectional stream).
func (c *Conn) result(s int, st scenarios.Status, ended func(int, scenarios.Status)) {
	if !st.Done {
		return
	}
	if st != scenarios.Success && c.slots[s].id != 0 {
		c.release(s, codeCancel)
	}
	c.finish(s, st, failProtocol, 0, ended)
}
