package grpc

import (
	"strings"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/h2"
)

// callProtocol is the grpc scenario's h2.Protocol: the calls to send and
// the checks of their responses, per slot.
type callProtocol struct {
	sc    *scenario
	calls []call
	fails []callFailure
}

// call is the state of one slot's call: its stream's response so far and
// the message in flight.
type call struct {
	inFlight   bool   // a reply is awaited: a request is in flight
	blocks     int    // header blocks received on the stream
	status     int    // :status; 0 none, -1 malformed
	grpcType   bool   // the content-type is gRPC's
	ctype      string // the content-type, for Err
	grpcStatus int    // grpc-status; -1 none, -2 malformed
	grpcMsg    string // grpc-message, as sent (percent-encoded)
	replies    int    // replies of this request (a unary call has one)
	reader     msgReader
}

// callFailure records why a slot's last call failed, for Err.
type callFailure struct {
	err        *scenarios.RequestError // preallocated; nil after a success
	status     int
	ctype      string
	grpcStatus int
	grpcMsg    string
	size, got  int // the reply's length and where it differs
}

// newCallProtocol returns the Protocol of a connection of sc.
func newCallProtocol(sc *scenario) *callProtocol {
	return &callProtocol{sc: sc, calls: make([]call, sc.opts.Streams), fails: make([]callFailure, sc.opts.Streams)}
}

// Request returns slot s's next request: a unary call on a new stream,
// or one more message on the slot's Stream call, which open says is new.
func (p *callProtocol) Request(s, _ int, open bool) h2.Request {
	c := &p.calls[s]
	if open || !p.sc.stream {
		*c = call{grpcStatus: -1}
	}
	c.inFlight, c.replies = true, 0
	p.fails[s] = callFailure{}
	return h2.Request{Headers: p.sc.block, Data: p.sc.msg, End: !p.sc.stream}
}

// Field records a response header or trailer field.
func (p *callProtocol) Field(s int, name, value string) {
	c := &p.calls[s]
	switch name {
	case ":status":
		c.status = h2.ParseStatus(value)
	case "content-type":
		c.ctype = value
		c.grpcType = value == "application/grpc" || strings.HasPrefix(value, "application/grpc+") ||
			strings.HasPrefix(value, "application/grpc;")
	case "grpc-status":
		if n, ok := h2.ParseDecimal(value); ok && n <= 1<<16 {
			c.grpcStatus = int(n)
		} else {
			c.grpcStatus = -2
		}
	case "grpc-message":
		c.grpcMsg = value
	}
}

// Headers checks the response headers, the first block: status 200 and
// a gRPC content-type. A trailers-only response is checked at its end,
// as are the trailers.
func (p *callProtocol) Headers(s int) scenarios.Status {
	c := &p.calls[s]
	c.blocks++
	switch {
	case c.blocks > 2:
		return p.fail(s, errBlocks)
	case c.blocks == 2:
		return scenarios.InProgress // the trailers
	case c.status != 200:
		return p.fail(s, errHTTPStatus)
	case !c.grpcType:
		return p.fail(s, errContentType)
	}
	return scenarios.InProgress
}

// Data checks reply messages: a Stream call's request ends with its
// echo; a unary call's with its trailers.
func (p *callProtocol) Data(s int, b []byte) (int, scenarios.Status) {
	c := &p.calls[s]
	switch {
	case c.blocks == 0:
		return 0, p.fail(s, errNoHeaders)
	case !c.inFlight || c.replies > 0:
		return 0, p.fail(s, errUnexpectedReply)
	}
	n, done, err := c.reader.feed(b, p.sc.reply())
	switch {
	case err != nil:
		return n, p.fail(s, err)
	case !done:
		return n, scenarios.InProgress
	case p.sc.stream:
		c.inFlight = false
		return n, scenarios.Success
	}
	c.replies++
	return n, scenarios.InProgress
}

// End checks the end of the call: its grpc-status, and for a request in
// flight, its reply.
func (p *callProtocol) End(s int) scenarios.Status {
	c := &p.calls[s]
	switch {
	case !c.inFlight:
		return scenarios.InProgress // a Stream call ended between requests
	case c.blocks == 0:
		return p.fail(s, errNoHeaders)
	case c.grpcStatus < 0:
		return p.fail(s, errNoGRPCStatus)
	case c.grpcStatus != 0:
		return p.fail(s, errGRPCStatus)
	case c.reader.midMessage():
		return p.fail(s, errShortReply)
	case p.sc.stream:
		return p.fail(s, errEndedEarly)
	case c.replies == 0:
		return p.fail(s, errNoReply)
	}
	c.inFlight = false
	return scenarios.Success
}

// fail records slot s's failure and returns its Status. The slot's call
// is over: the Conn resets or forgets its stream.
func (p *callProtocol) fail(s int, err *scenarios.RequestError) scenarios.Status {
	c := &p.calls[s]
	c.inFlight = false
	p.fails[s] = callFailure{err: err, status: c.status, ctype: c.ctype, grpcStatus: c.grpcStatus,
		grpcMsg: c.grpcMsg, size: c.reader.size, got: c.reader.got}
	return scenarios.Failure(err.Class)
}
