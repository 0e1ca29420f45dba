package http

import (
	"fmt"

	"github.com/latbench/latbench/scenarios"
)

// Errors for responses that parse but are not what was expected. Err
// replaces them with messages that give the values that came back.
var (
	errStatus = &scenarios.RequestError{Class: scenarios.ErrStatus,
		Msg: "http: response status differs from the expected one"}
	errBodyLength = &scenarios.RequestError{Class: scenarios.ErrPayload,
		Msg: "http: response body length differs from the expected one"}
)

// session is an http Session: the scenario's request, a response parser
// and the connection policy. Once its line buffer has grown to the longest
// line that straddled two reads, it does not allocate.
type session struct {
	sc    *scenario
	class *class // the class of the request in flight
	ps    parser
	used  int  // requests begun on the current connection
	extra bool // bytes beyond the response arrived with its end
	last  failure
}

// failure records why the last request failed, for Err.
type failure struct {
	err     error // a preallocated RequestError; nil after a success
	status  int   // the final status that came back, 0 if none did
	bodyLen int64 // the body length known when it failed
	final   bool  // bodyLen is the whole body's, not a lower bound
}

// Request begins a request and returns the request bytes, which every
// session of the scenario shares.
func (s *session) Request(class int) []byte {
	s.class = &s.sc.classes[class]
	s.used++
	s.extra = false
	s.ps.reset()
	return s.class.req
}

// Consume parses p one line or body piece at a time and checks the
// response after each: the status once the head has ended, the body
// length as soon as it is known to be wrong. Checking at these points of
// the stream, and not at the end of p, makes the outcome the same however
// the response is split into reads.
func (s *session) Consume(p []byte) scenarios.Status {
	for len(p) > 0 {
		n, err := s.ps.step(p)
		if err != nil {
			return s.fail(err)
		}
		p = p[n:]
		if st := s.check(); st.Done {
			s.extra = len(p) > 0
			return st
		}
	}
	return scenarios.InProgress
}

// Closed ends a response whose body runs to the end of the connection;
// any other response is cut short.
func (s *session) Closed() scenarios.Status {
	if err := s.ps.eof(); err != nil {
		return s.fail(err)
	}
	return s.check()
}

// KeepOpen reports whether the connection may carry another request: not
// without keep-alive, not once it has carried ReconnectEvery requests, not
// when the server said it would close, and not when bytes beyond the
// response arrived.
func (s *session) KeepOpen() bool {
	sc := s.sc
	return sc.keepAlive && !s.ps.resp.close && !s.extra &&
		(sc.reconnectEvery == 0 || s.used < sc.reconnectEvery)
}

// Connected resets the request count and the parser for a new connection.
func (s *session) Connected() {
	s.used = 0
	s.extra = false
	s.ps.reset()
}

// Err describes the last failure, with the status or body length that
// came back, or returns nil after a success.
func (s *session) Err() error {
	f := s.last
	switch f.err {
	case errStatus:
		return requestError(scenarios.ErrStatus, "http: status %d, expected %d", f.status, s.sc.expectStatus)
	case errBodyLength:
		atLeast := ""
		if !f.final {
			atLeast = "at least "
		}
		return requestError(scenarios.ErrPayload, "http: body of %s%d bytes, expected %d",
			atLeast, f.bodyLen, s.class.expectLength)
	}
	return f.err
}

// check compares what is known of the response with what is expected and
// returns Success once it has ended well.
func (s *session) check() scenarios.Status {
	r, sc := &s.ps.resp, s.sc
	switch {
	case r.status == 0:
		return scenarios.InProgress // the final head has not ended yet
	case r.status != sc.expectStatus:
		return s.fail(errStatus)
	case s.class.expectLength != AnyLength &&
		(r.bodyLen > s.class.expectLength || (s.ps.lengthFinal() && r.bodyLen != s.class.expectLength)):
		return s.fail(errBodyLength)
	case s.ps.state == done:
		s.last = failure{}
		return scenarios.Success
	}
	return scenarios.InProgress
}

// fail records a failure and returns its Status. Every error the parser
// and check give is a RequestError.
func (s *session) fail(err error) scenarios.Status {
	s.last = failure{err: err, status: s.ps.resp.status, bodyLen: s.ps.resp.bodyLen, final: s.ps.lengthFinal()}
	class := scenarios.ErrOther
	if re, ok := err.(*scenarios.RequestError); ok {
		class = re.Class
	}
	return scenarios.Failure(class)
}

// requestError returns a RequestError of class c with a formatted message.
func requestError(c scenarios.ErrorClass, format string, args ...any) error {
	return &scenarios.RequestError{Class: c, Msg: fmt.Sprintf(format, args...)}
}
