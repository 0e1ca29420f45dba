package echo

import (
	"bytes"
	"fmt"

	"github.com/latbench/latbench/scenarios"
)

// errTooLong is the failure of an echo that brings back more bytes than
// were sent.
var errTooLong = &scenarios.RequestError{Class: scenarios.ErrPayload,
	Msg: "echo: more bytes came back than were sent"}

// session is an echo Session. It compares the echo with the payload as it
// arrives, at a running offset, so it neither copies nor allocates.
type session struct {
	payload []byte // shared by every session of the scenario, on any event loop: read only
	got     int    // bytes of the echo received for the request in flight
	last    failure
}

// failure records why the last request failed, for Err.
type failure struct {
	err error // ErrPayloadMismatch, errTooLong, ErrShortResponse; nil after a success
	at  int   // the differing byte's offset, or how many bytes came back
	got byte  // the differing byte
}

// Request begins a request and returns the payload.
func (s *session) Request(class int) []byte {
	s.got = 0
	return s.payload
}

// Consume compares p with the payload at the running offset. It fails at
// the first differing byte and on any byte beyond the payload's end.
func (s *session) Consume(p []byte) scenarios.Status {
	want := s.payload[s.got:]
	n := min(len(p), len(want))
	if !bytes.Equal(p[:n], want[:n]) {
		i := firstDiff(p[:n], want[:n])
		return s.fail(scenarios.ErrPayloadMismatch, s.got+i, p[i])
	}
	s.got += n
	switch {
	case len(p) > n:
		return s.fail(errTooLong, s.got+len(p)-n, 0)
	case s.got == len(s.payload):
		s.last = failure{}
		return scenarios.Success
	}
	return scenarios.InProgress
}

// Closed fails the request: the echo stopped short.
func (s *session) Closed() scenarios.Status {
	return s.fail(scenarios.ErrShortResponse, s.got, 0)
}

// KeepOpen returns true: an echo connection carries request after
// request.
func (s *session) KeepOpen() bool { return true }

// Connected resets the request in flight.
func (s *session) Connected() { s.got = 0 }

// Err describes the last failure with its offset and sizes, or returns nil
// after a success.
func (s *session) Err() error {
	f, size := s.last, len(s.payload)
	switch f.err {
	case nil:
		return nil
	case scenarios.ErrPayloadMismatch:
		return requestError(scenarios.ErrPayload, "echo: byte %d differs: got %q, want %q",
			f.at, f.got, s.payload[f.at])
	case errTooLong:
		return requestError(scenarios.ErrPayload, "echo: at least %d bytes came back, %d were sent", f.at, size)
	}
	return requestError(scenarios.ErrShortRead, "echo: connection closed after %d of %d bytes came back", f.at, size)
}

// requestError returns a RequestError of class c with a formatted message.
func requestError(c scenarios.ErrorClass, format string, args ...any) error {
	return &scenarios.RequestError{Class: c, Msg: fmt.Sprintf(format, args...)}
}

// fail records a failure and returns its Status.
func (s *session) fail(err *scenarios.RequestError, at int, b byte) scenarios.Status {
	s.last = failure{err: err, at: at, got: b}
	return scenarios.Failure(err.Class)
}

// firstDiff returns the index of the first byte where a and b, of equal
// length, differ, or -1.
func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
