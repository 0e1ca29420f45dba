package h2

import "encoding/binary"

// Preface is the client connection preface (RFC 9113, section 3.4).
const Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// The frame types (RFC 9113, section 6).
const (
	frameData         = 0x0
	frameHeaders      = 0x1
	framePriority     = 0x2
	frameRSTStream    = 0x3
	frameSettings     = 0x4
	framePushPromise  = 0x5
	framePing         = 0x6
	frameGoAway       = 0x7
	frameWindowUpdate = 0x8
	frameContinuation = 0x9
)

// The frame flags.
const (
	flagEndStream  = 0x1 // DATA, HEADERS
	flagAck        = 0x1 // SETTINGS, PING
	flagEndHeaders = 0x4 // HEADERS, CONTINUATION
	flagPadded     = 0x8 // DATA, HEADERS
	flagPriority   = 0x20
)

// The settings (RFC 9113, section 6.5.2).
const (
	settingHeaderTableSize      = 0x1
	settingEnablePush           = 0x2
	settingMaxConcurrentStreams = 0x3
	settingInitialWindowSize    = 0x4
	settingMaxFrameSize         = 0x5
)

// Sizes and limits.
const (
	// frameHeaderLen is the length of a frame header.
	frameHeaderLen = 9
	// MinFrameSize is the smallest SETTINGS_MAX_FRAME_SIZE, and the
	// largest frame the client accepts: it does not raise the default,
	// since it never buffers a frame's payload, and servers rarely send
	// larger frames anyway.
	MinFrameSize = 1 << 14
	// maxFrameSizeLimit is the largest SETTINGS_MAX_FRAME_SIZE allowed.
	maxFrameSizeLimit = 1<<24 - 1
	// maxWindow is the largest flow control window.
	maxWindow = 1<<31 - 1
	// defaultWindow is the initial window of every stream and of the
	// connection until SETTINGS and WINDOW_UPDATE say otherwise.
	defaultWindow = 65535
	// StreamWindow is the client's SETTINGS_INITIAL_WINDOW_SIZE: 16 MiB,
	// the largest body a reference server sends (GET /bytes/N), so that
	// a response never waits for a stream WINDOW_UPDATE, the way a
	// latency benchmark wants. The client never buffers a body, so a
	// large window costs no memory.
	StreamWindow = 1 << 24
	// connWindow is the connection's receive window, raised from 65,535
	// by the client's first WINDOW_UPDATE: 1 GiB, room for 64 streams'
	// full windows, and the size Go's own client uses. Below 2^31-1 so
	// that a server summing increments never nears an overflow.
	connWindow = 1 << 30
	// maxStreamID is the largest stream ID (2^31-1); the last one a
	// client opens is odd.
	maxStreamID = 1<<31 - 1
	// headerTableSize is the HPACK dynamic table size for the responses:
	// the default SETTINGS_HEADER_TABLE_SIZE.
	headerTableSize = 4096
	// maxHeaderBlock is the largest response header block accepted (a
	// HEADERS frame and its CONTINUATION frames), and the longest header
	// string.
	maxHeaderBlock = 256 << 10
)

// writePreface writes the client preface, the client's SETTINGS and a
// WINDOW_UPDATE that raises the connection window to connWindow.
func (c *Conn) writePreface() {
	c.out = append(c.out, Preface...)
	c.out = appendFrameHeader(c.out, 12, frameSettings, 0, 0)
	c.out = appendSetting(c.out, settingEnablePush, 0)
	c.out = appendSetting(c.out, settingInitialWindowSize, StreamWindow)
	c.writeWindowUpdate(0, connWindow-defaultWindow)
}

// writeFrame writes a frame with payload p.
func (c *Conn) writeFrame(typ, flags uint8, id uint32, p []byte) {
	c.out = appendFrameHeader(c.out, len(p), typ, flags, id)
	c.out = append(c.out, p...)
}

// writeWindowUpdate writes a WINDOW_UPDATE of stream id (0: the
// connection).
func (c *Conn) writeWindowUpdate(id uint32, inc int64) {
	c.out = appendFrameHeader(c.out, 4, frameWindowUpdate, 0, id)
	c.out = binary.BigEndian.AppendUint32(c.out, uint32(inc))
}

// writeRSTStream writes an RST_STREAM of stream id with code.
func (c *Conn) writeRSTStream(id, code uint32) {
	c.out = appendFrameHeader(c.out, 4, frameRSTStream, 0, id)
	c.out = binary.BigEndian.AppendUint32(c.out, code)
}

// writeGoAway writes a GOAWAY with code. Its last stream ID is 0: the
// client processes no stream the server opens.
func (c *Conn) writeGoAway(code uint32) {
	c.out = appendFrameHeader(c.out, 8, frameGoAway, 0, 0)
	c.out = binary.BigEndian.AppendUint32(c.out, 0)
	c.out = binary.BigEndian.AppendUint32(c.out, code)
}

// flushData writes the DATA held back for every slot, as far as the
// flow control windows allow.
func (c *Conn) flushData() {
	if !c.settled {
		return
	}
	for s := 0; s < len(c.slots) && c.pending > 0; s++ {
		if c.slots[s].hasPend {
			c.sendData(s)
		}
	}
}

// sendData writes slot s's held-back DATA in frames no larger than the
// peer's SETTINGS_MAX_FRAME_SIZE, within the stream's and the
// connection's send windows; what does not fit stays held back.
func (c *Conn) sendData(s int) {
	sl := &c.slots[s]
	for {
		n := min(int64(len(sl.pend)), max(0, min(c.sendWin, sl.sendWin, c.peer.maxFrame)))
		last := n == int64(len(sl.pend))
		if n == 0 && !last {
			return // a window is closed: a WINDOW_UPDATE will reopen it
		}
		var flags uint8
		if last && sl.pendEnd {
			flags = flagEndStream
		}
		if n > 0 || flags != 0 {
			c.writeFrame(frameData, flags, sl.id, sl.pend[:n])
		}
		c.sendWin -= n
		sl.sendWin -= n
		sl.pend = sl.pend[n:]
		if last {
			sl.localEnd = sl.localEnd || sl.pendEnd
			sl.hasPend, sl.pend = false, nil
			c.pending--
			return
		}
	}
}

// appendFrameHeader appends a frame header.
func appendFrameHeader(b []byte, length int, typ, flags uint8, id uint32) []byte {
	return append(b, byte(length>>16), byte(length>>8), byte(length), typ, flags,
		byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
}

// appendSetting appends one setting of a SETTINGS frame.
func appendSetting(b []byte, id uint16, v uint32) []byte {
	b = binary.BigEndian.AppendUint16(b, id)
	return binary.BigEndian.AppendUint32(b, v)
}
