package h2

import (
	"fmt"

	"github.com/latbench/latbench/scenarios"
)

// failKind says which layer ended a slot's request with a failure.
type failKind uint8

// The layers a failure comes from.
const (
	failNone     failKind = iota
	failProtocol          // the Protocol's checks: Protocol.Err says why
	failReset             // the peer reset the stream (RST_STREAM)
	failShort             // the connection closed, or the stream ended, too early
	failConn              // a connection error: Conn.err says which
)

// failure records why a slot's last request failed, for Err.
type failure struct {
	kind failKind
	code uint32 // the RST_STREAM error code of failReset
}

// connError records why the connection failed or was refused.
type connError struct {
	code   uint32 // an HTTP/2 error code
	what   string // a constant description of the client's finding: recording it does not allocate
	goaway bool   // a GOAWAY was received: code is the server's
}

// Err describes slot s's last failure, or the connection's when s < 0:
// a connection error or a GOAWAY with an error code. It returns nil when
// there was none.
func (c *Conn) Err(s int) error {
	if s < 0 || s >= len(c.slots) {
		return c.connErr()
	}
	f := c.slots[s].fail
	switch f.kind {
	case failProtocol:
		return c.proto.Err(s)
	case failReset:
		return &scenarios.RequestError{Class: scenarios.ErrReset,
			Msg: "h2: the server reset the stream with " + codeName(f.code)}
	case failShort:
		return &scenarios.RequestError{Class: scenarios.ErrShortRead,
			Msg: "h2: the connection closed or the stream ended before the whole response arrived"}
	case failConn:
		return c.connErr()
	}
	return nil
}

// connErr describes the connection's failure, or returns nil.
func (c *Conn) connErr() error {
	e := c.err
	switch {
	case e.what != "":
		return &scenarios.RequestError{Class: scenarios.ErrOther,
			Msg: fmt.Sprintf("h2: connection error %s: %s", codeName(e.code), e.what)}
	case e.goaway && e.code != codeNo:
		return &scenarios.RequestError{Class: scenarios.ErrOther,
			Msg: "h2: the server sent GOAWAY with " + codeName(e.code)}
	}
	return nil
}

// fail ends the connection with a connection error: it sends GOAWAY
// with code, ends every request in flight with Failure(ErrOther) and
// reads no more frames. what must be a constant.
func (c *Conn) fail(code uint32, what string, ended func(int, scenarios.Status)) {
	if c.dead {
		return
	}
	c.dead = true
	c.err = connError{code: code, what: what}
	c.writeGoAway(code)
	c.endAll(scenarios.Failure(scenarios.ErrOther), failConn, ended)
}

// The HTTP/2 error codes (RFC 9113, section 7).
const (
	codeNo                 = 0x0
	codeProtocol           = 0x1
	codeInternal           = 0x2
	codeFlowControl        = 0x3
	codeSettingsTimeout    = 0x4
	codeStreamClosed       = 0x5
	codeFrameSize          = 0x6
	codeRefusedStream      = 0x7
	codeCancel             = 0x8
	codeCompression        = 0x9
	codeConnect            = 0xa
	codeEnhanceYourCalm    = 0xb
	codeInadequateSecurity = 0xc
	codeHTTP11Required     = 0xd
)

var codeNames = [...]string{
	codeNo:                 "NO_ERROR",
	codeProtocol:           "PROTOCOL_ERROR",
	codeInternal:           "INTERNAL_ERROR",
	codeFlowControl:        "FLOW_CONTROL_ERROR",
	codeSettingsTimeout:    "SETTINGS_TIMEOUT",
	codeStreamClosed:       "STREAM_CLOSED",
	codeFrameSize:          "FRAME_SIZE_ERROR",
	codeRefusedStream:      "REFUSED_STREAM",
	codeCancel:             "CANCEL",
	codeCompression:        "COMPRESSION_ERROR",
	codeConnect:            "CONNECT_ERROR",
	codeEnhanceYourCalm:    "ENHANCE_YOUR_CALM",
	codeInadequateSecurity: "INADEQUATE_SECURITY",
	codeHTTP11Required:     "HTTP_1_1_REQUIRED",
}

// codeName returns the name of an HTTP/2 error code.
func codeName(code uint32) string {
	if int64(code) < int64(len(codeNames)) {
		return codeNames[code]
	}
	return fmt.Sprintf("error code 0x%x", code)
}
