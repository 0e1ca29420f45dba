package grpc

import (
	"bytes"
	"encoding/binary"

	"github.com/latbench/latbench/scenarios"
)

// Errors of reply messages. They are preallocated so that a failing call
// does not allocate; Err gives the values that came back.
var (
	errCompressed = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "grpc: a reply message is compressed or has an invalid flag"}
	errReplySize = &scenarios.RequestError{Class: scenarios.ErrPayload,
		Msg: "grpc: a reply message's length differs from the request's"}
	errReplyBytes = &scenarios.RequestError{Class: scenarios.ErrPayload,
		Msg: "grpc: a reply message differs from the request's"}
)

// msgReader checks the length-prefixed messages of a gRPC stream as they
// arrive, against the message expected, byte for byte: a message may
// start, and end, anywhere in a DATA frame and in a read. Only the 5-byte
// prefix is collected, into an array; the message is compared in place.
type msgReader struct {
	prefix [5]byte
	n      int // prefix bytes collected
	size   int // the message's length, from its prefix
	got    int // message bytes checked so far
}

// midMessage reports whether a message has begun and not ended.
func (m *msgReader) midMessage() bool { return m.n > 0 }

// feed checks the start of p against want, the message expected, and
// returns how many bytes it used (at least one of a non-empty p, unless
// it fails) and whether a whole message has ended with them. On a
// failure, size and got say where: the length the prefix gave, and the
// offset of the first byte that differs.
func (m *msgReader) feed(p, want []byte) (int, bool, *scenarios.RequestError) {
	if m.n < len(m.prefix) {
		k := copy(m.prefix[m.n:], p)
		m.n += k
		if m.n < len(m.prefix) {
			return k, false, nil
		}
		m.size, m.got = int(binary.BigEndian.Uint32(m.prefix[1:])), 0
		switch {
		case m.prefix[0] != 0:
			return k, false, errCompressed
		case m.size != len(want):
			return k, false, errReplySize
		case m.size == 0:
			m.n = 0
			return k, true, nil
		}
		return k, false, nil
	}
	k := min(len(p), m.size-m.got)
	if exp := want[m.got : m.got+k]; !bytes.Equal(p[:k], exp) {
		i := 0
		for p[i] == exp[i] {
			i++
		}
		m.got += i
		return i, false, errReplyBytes
	}
	m.got += k
	if m.got < m.size {
		return k, false, nil
	}
	m.n = 0
	return k, true, nil
}
