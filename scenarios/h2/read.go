package h2

import (
	"encoding/binary"

	"github.com/latbench/latbench/scenarios"
)

// phase is the part of a frame the reader expects next.
type phase uint8

// The reader's phases, in the order a frame goes through them.
const (
	phaseHeader phase = iota // the 9-byte frame header
	phaseFixed               // a fixed-size field, collected into fix
	phaseBody                // payload bytes handed on (or dropped) as they come
	phaseRest                // the rest of the payload (padding), dropped
)

// reader is where the frame parser stands. Frames are parsed as the
// bytes come, wherever reads split them: only the frame header and the
// short fixed fields (a pad length, a priority, a setting, a PING's
// data, a GOAWAY's IDs, an error code, an increment) are collected, into
// arrays of their own; DATA is counted and checked in place and header
// block fragments go straight to the HPACK decoder, which keeps a
// partial field itself. So no frame is ever reassembled in a buffer.
type reader struct {
	phase phase
	head  [frameHeaderLen]byte
	fix   [8]byte
	n     int // bytes collected into head or fix
	need  int // the size of the fixed field being collected
	typ   uint8
	flags uint8
	id    uint32
	left  int // payload bytes of the frame not yet read
	body  int // bytes left in phaseBody
	slot  int // the slot of a DATA frame's stream, -1 if not open
}

// consume parses the frames in p.
func (c *Conn) consume(p []byte, ended func(int, scenarios.Status)) {
	r := &c.rd
	for !c.dead {
		switch r.phase {
		case phaseHeader:
			k := copy(r.head[r.n:], p)
			r.n += k
			p = p[k:]
			if r.n < frameHeaderLen {
				return
			}
			c.beginFrame(ended)
		case phaseFixed:
			k := copy(r.fix[r.n:r.need], p)
			r.n += k
			p = p[k:]
			if r.n < r.need {
				return
			}
			r.left -= r.need
			c.fixed(ended)
		case phaseBody:
			if r.body > 0 {
				if len(p) == 0 {
					return
				}
				k := min(len(p), r.body)
				r.body -= k
				r.left -= k
				c.payload(p[:k], ended)
				p = p[k:]
				continue
			}
			r.phase = phaseRest
		case phaseRest:
			k := min(len(p), r.left)
			r.left -= k
			p = p[k:]
			if r.left > 0 {
				return
			}
			c.endFrame(ended)
			r.phase, r.n = phaseHeader, 0
		}
	}
}

// expect makes the reader collect a fixed field of need bytes next.
func (r *reader) expect(need int) {
	r.phase, r.n, r.need = phaseFixed, 0, need
}

// handOn makes the reader hand the next body bytes on, then drop the
// rest of the payload.
func (r *reader) handOn(body int) {
	r.phase, r.body = phaseBody, body
}

// beginFrame acts on a frame header that has just been read.
func (c *Conn) beginFrame(ended func(int, scenarios.Status)) {
	r := &c.rd
	h := r.head[:]
	r.left = int(h[0])<<16 | int(h[1])<<8 | int(h[2])
	r.typ, r.flags = h[3], h[4]
	r.id = binary.BigEndian.Uint32(h[5:]) & maxStreamID
	r.slot = -1
	switch {
	case r.left > MinFrameSize:
		c.fail(codeFrameSize, "a frame is larger than SETTINGS_MAX_FRAME_SIZE", ended)
		return
	case c.hdr.cont != 0 && (r.typ != frameContinuation || r.id != c.hdr.cont):
		c.fail(codeProtocol, "a header block is interrupted before its END_HEADERS", ended)
		return
	}
	switch r.typ {
	case frameData:
		c.beginData(ended)
	case frameHeaders:
		c.beginHeaders(ended)
	case frameContinuation:
		if c.hdr.cont == 0 {
			c.fail(codeProtocol, "a CONTINUATION frame follows no header block", ended)
			return
		}
		r.handOn(r.left)
	case frameSettings, framePing, frameGoAway, frameRSTStream, frameWindowUpdate:
		c.beginControl(ended)
	case framePushPromise:
		c.fail(codeProtocol, "PUSH_PROMISE although SETTINGS_ENABLE_PUSH is 0", ended)
	default:
		// PRIORITY and unknown frame types are ignored (RFC 9113,
		// sections 5.5 and 5.3.2).
		r.handOn(r.left)
	}
}

// beginControl checks the stream and length of a control frame and
// collects its first fixed field.
func (c *Conn) beginControl(ended func(int, scenarios.Status)) {
	r := &c.rd
	onStream := r.typ == frameRSTStream || (r.typ == frameWindowUpdate && r.id != 0)
	switch {
	case onStream && !c.validStream(r.id):
		c.fail(codeProtocol, "a frame is on a stream the client did not open", ended)
	case !onStream && r.typ != frameWindowUpdate && r.id != 0:
		c.fail(codeProtocol, "a connection frame is on a stream", ended)
	case r.typ == frameSettings && r.flags&flagAck != 0 && r.left != 0,
		r.typ == frameSettings && r.left%6 != 0,
		r.typ == framePing && r.left != 8,
		r.typ == frameGoAway && r.left < 8,
		(r.typ == frameRSTStream || r.typ == frameWindowUpdate) && r.left != 4:
		c.fail(codeFrameSize, "a control frame has the wrong length", ended)
	case r.typ == frameSettings && r.left == 0:
		r.handOn(0)
	case r.typ == frameSettings:
		r.expect(6)
	default:
		r.expect(min(r.left, 8))
	}
}

// validStream reports whether id is a stream the client may have opened.
func (c *Conn) validStream(id uint32) bool {
	return id&1 == 1 && id < c.nextID
}

// beginData counts a DATA frame against the receive windows and prepares
// to hand its body to its stream's slot.
func (c *Conn) beginData(ended func(int, scenarios.Status)) {
	r := &c.rd
	if !c.validStream(r.id) {
		c.fail(codeProtocol, "DATA is on a stream the client did not open", ended)
		return
	}
	// The whole payload counts, padding included (RFC 9113, 6.9.1).
	c.recvWin -= int64(r.left)
	r.slot = c.ids.get(r.id)
	if r.slot >= 0 {
		c.slots[r.slot].recvUsed += int64(r.left)
	}
	switch {
	case c.recvWin < 0 || (r.slot >= 0 && c.slots[r.slot].recvUsed > StreamWindow):
		c.fail(codeFlowControl, "DATA beyond the receive window", ended)
	case r.flags&flagPadded != 0 && r.left == 0:
		c.fail(codeFrameSize, "a padded frame has no pad length", ended)
	case r.flags&flagPadded != 0:
		r.expect(1)
	default:
		r.handOn(r.left)
	}
}

// beginHeaders starts a header block.
func (c *Conn) beginHeaders(ended func(int, scenarios.Status)) {
	r := &c.rd
	if !c.validStream(r.id) {
		c.fail(codeProtocol, "HEADERS on a stream the client did not open", ended)
		return
	}
	s := c.ids.get(r.id)
	c.hdr = blockState{id: r.id, slot: s, end: r.flags&flagEndStream != 0}
	// Fields of a stream that is no longer open are decoded, to keep
	// the dynamic table in step, but not emitted.
	c.dec.SetEmitEnabled(s >= 0)
	need := 0
	if r.flags&flagPadded != 0 {
		need++
	}
	if r.flags&flagPriority != 0 {
		need += 5
	}
	switch {
	case need > r.left:
		c.fail(codeFrameSize, "a HEADERS frame is shorter than its fixed fields", ended)
	case need > 0:
		r.expect(need)
	default:
		r.handOn(r.left)
	}
}

// fixed acts on a fixed field that has just been collected.
func (c *Conn) fixed(ended func(int, scenarios.Status)) {
	r := &c.rd
	switch r.typ {
	case frameData, frameHeaders:
		pad := 0
		if r.flags&flagPadded != 0 {
			pad = int(r.fix[0])
		}
		if pad > r.left {
			c.fail(codeProtocol, "the padding is longer than the frame", ended)
			return
		}
		r.handOn(r.left - pad)
	case frameSettings:
		if !c.setting(binary.BigEndian.Uint16(r.fix[:]), binary.BigEndian.Uint32(r.fix[2:]), ended) {
			return
		}
		if r.left > 0 {
			r.expect(6)
			return
		}
		r.handOn(0)
	case framePing:
		if r.flags&flagAck == 0 {
			c.writeFrame(framePing, flagAck, 0, r.fix[:8])
		}
		r.handOn(0)
	case frameGoAway:
		c.goAway(binary.BigEndian.Uint32(r.fix[:])&maxStreamID, binary.BigEndian.Uint32(r.fix[4:]), ended)
		r.handOn(0) // the debug data is dropped
	case frameRSTStream:
		c.rstStream(r.id, binary.BigEndian.Uint32(r.fix[:]), ended)
		r.handOn(0)
	case frameWindowUpdate:
		c.windowUpdate(r.id, int64(binary.BigEndian.Uint32(r.fix[:])&maxWindow), ended)
		r.handOn(0)
	}
}

// payload hands body bytes on: DATA to its stream's slot, header block
// fragments to the HPACK decoder. Other frames' bytes are dropped.
func (c *Conn) payload(b []byte, ended func(int, scenarios.Status)) {
	r := &c.rd
	switch r.typ {
	case frameData:
		c.data(r.slot, r.id, b, ended)
	case frameHeaders, frameContinuation:
		c.fragment(b, ended)
	}
}

// endFrame acts on the end of a frame.
func (c *Conn) endFrame(ended func(int, scenarios.Status)) {
	r := &c.rd
	switch r.typ {
	case frameData:
		if r.flags&flagEndStream != 0 && r.slot >= 0 && c.slots[r.slot].id == r.id {
			c.remoteEnd(r.slot, ended)
		}
		c.replenish(r.slot, r.id)
	case frameHeaders, frameContinuation:
		if r.flags&flagEndHeaders != 0 {
			c.endBlock(ended)
		} else {
			c.hdr.cont = r.id
		}
	case frameSettings:
		if r.flags&flagAck == 0 {
			c.writeFrame(frameSettings, flagAck, 0, nil)
			c.settled = true
		}
	}
}
