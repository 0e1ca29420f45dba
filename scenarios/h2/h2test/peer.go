package h2test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"

	"golang.org/x/net/http2/hpack"
)

// The frame types and flags a fake server needs.
const (
	FrameData         = 0x0
	FrameHeaders      = 0x1
	FramePriority     = 0x2
	FrameRSTStream    = 0x3
	FrameSettings     = 0x4
	FramePing         = 0x6
	FrameGoAway       = 0x7
	FrameWindowUpdate = 0x8
	FrameContinuation = 0x9

	FlagEndStream  = 0x1
	FlagAck        = 0x1
	FlagEndHeaders = 0x4
	FlagPadded     = 0x8
)

// The settings a fake server sends.
const (
	SettingMaxConcurrentStreams = 0x3
	SettingInitialWindowSize    = 0x4
	SettingMaxFrameSize         = 0x5
)

// The error codes of RST_STREAM and GOAWAY a fake server sends.
const (
	CodeNo            = 0x0
	CodeInternal      = 0x2
	CodeRefusedStream = 0x7
	CodeCancel        = 0x8
)

// preface is the client connection preface.
const preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// Frame is one frame read by a Peer.
type Frame struct {
	Type, Flags uint8
	Stream      uint32
	Payload     []byte
	// Fields is the decoded header block of a HEADERS frame (with its
	// CONTINUATION frames), as name, value pairs.
	Fields []string
}

// Field returns the value of the header field name in f, or "".
func (f Frame) Field(name string) string {
	for i := 0; i+1 < len(f.Fields); i += 2 {
		if f.Fields[i] == name {
			return f.Fields[i+1]
		}
	}
	return ""
}

// Peer is the server side of a fake HTTP/2 connection: it reads the
// client's frames and writes frames of its own, encoding header blocks
// with an HPACK encoder of its own. One goroutine uses it.
type Peer struct {
	nc  net.Conn
	br  *bufio.Reader
	dec *hpack.Decoder
	enc *hpack.Encoder
	buf bytes.Buffer // what enc writes
}

// NewPeer returns the server side of nc. nc may be nil for a Peer that
// only builds frames (Headers, Block) for recorded responses.
func NewPeer(nc net.Conn) *Peer {
	p := &Peer{nc: nc, br: bufio.NewReader(nc), dec: hpack.NewDecoder(4096, nil)}
	p.enc = hpack.NewEncoder(&p.buf)
	return p
}

// Handshake reads the client preface and writes the server's SETTINGS,
// with the settings given as id, value pairs.
func (p *Peer) Handshake(settings ...uint32) error {
	got := make([]byte, len(preface))
	if _, err := io.ReadFull(p.br, got); err != nil {
		return err
	}
	if string(got) != preface {
		return fmt.Errorf("preface %q", got)
	}
	return p.Write(AppendSettings(nil, settings...))
}

// Write writes raw bytes (frames made with the Append functions).
func (p *Peer) Write(b []byte) error {
	_, err := p.nc.Write(b)
	return err
}

// Headers returns a HEADERS frame of stream id (END_STREAM when end) with
// the fields given as name, value pairs, encoded by the peer's encoder.
func (p *Peer) Headers(id uint32, end bool, fields ...string) []byte {
	var flags uint8 = FlagEndHeaders
	if end {
		flags |= FlagEndStream
	}
	return AppendFrame(nil, FrameHeaders, flags, id, p.Block(fields...))
}

// Block returns the header block of fields, name, value pairs, encoded
// by the peer's encoder (whose dynamic table it changes).
func (p *Peer) Block(fields ...string) []byte {
	p.buf.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		p.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	return bytes.Clone(p.buf.Bytes())
}

// Read reads the next frame of a type other than SETTINGS, WINDOW_UPDATE
// and PING ACK; it acknowledges the client's SETTINGS, and decodes a
// header block (with its CONTINUATION frames) into Fields.
func (p *Peer) Read() (Frame, error) {
	for {
		f, err := p.ReadAny()
		if err != nil {
			return f, err
		}
		switch {
		case f.Type == FrameSettings && f.Flags&FlagAck == 0:
			if err := p.Write(AppendFrame(nil, FrameSettings, FlagAck, 0, nil)); err != nil {
				return f, err
			}
		case f.Type == FrameSettings, f.Type == FrameWindowUpdate, f.Type == FramePing && f.Flags&FlagAck != 0:
		default:
			return f, nil
		}
	}
}

// ReadAny reads the next frame, whatever its type.
func (p *Peer) ReadAny() (Frame, error) {
	var h [9]byte
	if _, err := io.ReadFull(p.br, h[:]); err != nil {
		return Frame{}, err
	}
	f := Frame{Type: h[3], Flags: h[4], Stream: binary.BigEndian.Uint32(h[5:]) & (1<<31 - 1)}
	f.Payload = make([]byte, int(h[0])<<16|int(h[1])<<8|int(h[2]))
	if _, err := io.ReadFull(p.br, f.Payload); err != nil {
		return f, err
	}
	if f.Type != FrameHeaders {
		return f, nil
	}
	block := f.Payload
	for f.Flags&FlagEndHeaders == 0 {
		next, err := p.ReadAny()
		if err != nil {
			return f, err
		}
		block = append(block, next.Payload...)
		f.Flags |= next.Flags & FlagEndHeaders
	}
	fields, err := p.dec.DecodeFull(block)
	for _, hf := range fields {
		f.Fields = append(f.Fields, hf.Name, hf.Value)
	}
	return f, err
}

// Close closes the connection.
func (p *Peer) Close() error { return p.nc.Close() }

// CloseWrite closes the server's side of a TCP connection: the client
// reads EOF, while what it still sends is read (and dropped) until it
// closes too, so that closing never resets the connection.
func (p *Peer) CloseWrite() error {
	if tc, ok := p.nc.(*net.TCPConn); ok {
		if err := tc.CloseWrite(); err != nil {
			return err
		}
		_, err := io.Copy(io.Discard, p.br)
		return err
	}
	return p.nc.Close()
}

// AppendFrame appends a frame.
func AppendFrame(b []byte, typ, flags uint8, id uint32, payload []byte) []byte {
	n := len(payload)
	b = append(b, byte(n>>16), byte(n>>8), byte(n), typ, flags, byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
	return append(b, payload...)
}

// AppendSettings appends a SETTINGS frame with settings given as id,
// value pairs.
func AppendSettings(b []byte, settings ...uint32) []byte {
	var payload []byte
	for i := 0; i+1 < len(settings); i += 2 {
		payload = binary.BigEndian.AppendUint16(payload, uint16(settings[i]))
		payload = binary.BigEndian.AppendUint32(payload, settings[i+1])
	}
	return AppendFrame(b, FrameSettings, 0, 0, payload)
}

// AppendData appends DATA frames of stream id carrying body in frames of
// at most 16 KiB; the last one has END_STREAM when end.
func AppendData(b []byte, id uint32, end bool, body []byte) []byte {
	for {
		k := min(len(body), 1<<14)
		var flags uint8
		if k == len(body) && end {
			flags = FlagEndStream
		}
		b = AppendFrame(b, FrameData, flags, id, body[:k])
		body = body[k:]
		if len(body) == 0 {
			return b
		}
	}
}

// AppendUint32 appends a frame whose payload is the 32-bit values vs:
// an RST_STREAM (an error code), a WINDOW_UPDATE (an increment) or a
// GOAWAY (the last stream ID and an error code).
func AppendUint32(b []byte, typ uint8, id uint32, vs ...uint32) []byte {
	var payload []byte
	for _, v := range vs {
		payload = binary.BigEndian.AppendUint32(payload, v)
	}
	return AppendFrame(b, typ, 0, id, payload)
}

// ParseFrames splits b, what a client sent (its preface first, if any),
// into frames, and decodes the header blocks with a decoder of its own.
// It fails on a frame cut short.
func ParseFrames(b []byte) ([]Frame, error) {
	p := NewPeer(nil)
	p.br = bufio.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte(preface))))
	var frames []Frame
	for {
		f, err := p.ReadAny()
		switch {
		case err == io.EOF:
			return frames, nil
		case err != nil:
			return frames, fmt.Errorf("frame %d: %w", len(frames), err)
		}
		frames = append(frames, f)
	}
}

// SetStream rewrites, in place, the stream ID of every frame in b that
// is on a stream (not the connection) to id, without allocating: a
// recorded response replays on the stream of each new request.
func SetStream(b []byte, id uint32) {
	for len(b) >= 9 {
		n := int(b[0])<<16 | int(b[1])<<8 | int(b[2])
		if binary.BigEndian.Uint32(b[5:]) != 0 {
			binary.BigEndian.PutUint32(b[5:], id)
		}
		b = b[min(len(b), 9+n):]
	}
}
