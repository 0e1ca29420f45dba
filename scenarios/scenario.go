// Package scenarios defines the interface every workload implements and the
// error classes the engine counts. Each workload lives in its own
// sub-package (echo, http, connect).
//
// A scenario does no I/O of its own. The engine runs one event loop per
// client CPU that owns non-blocking sockets and does every connect, write,
// read and close, every timeout, and the error classes of socket errors
// (refused, reset, timeout). A scenario is a protocol state machine: its
// Sessions say which bytes to send, consume the bytes that arrive, and say
// when a request is done and whether it failed.
package scenarios

import "fmt"

// Scenario is one workload: a factory of Sessions. The engine keeps one
// Session per connection slot and does all the I/O.
type Scenario interface {
	// Name returns the scenario's name as used on the command line.
	Name() string
	// Describe returns the settings that make two results comparable
	// (payload size, keep-alive policy, path, ...), for the result file.
	Describe() map[string]string
	// NewSession returns the protocol state of a new connection slot.
	NewSession() Session
}

// Mixer is a scenario whose requests come in several classes, such as the
// paths of an HTTP request mix. The engine asks it the class of every
// request, passes the class to Session.Request, and keeps histograms per
// class beside the total.
type Mixer interface {
	// Classes returns the name of each class, in order.
	Classes() []string
	// Class returns the class of request i of the run's schedule. It is
	// a pure function of i, so every loop and every agent that sends
	// request i sends the same class: the mix is reproducible.
	Class(i uint64) int
}

// Session is the protocol state of one connection slot. One event loop
// uses it; no locking.
//
// A request goes: Request, then Consume for each read until it returns a
// Status with Done set, or Closed if the peer closes first. After a Success
// or a Failure the engine calls Request again for the next request, after
// Connected if it opened a new connection. After a Failure the engine
// always closes the connection; after a Success it keeps it open only if
// KeepOpen says so.
type Session interface {
	// Request begins the next request and returns the bytes to send. The
	// engine may write them over several writes while it already feeds
	// arriving bytes to Consume (an echo of 1 MiB streams back while it
	// is still being written; there is no chunked ping-pong any more).
	// The slice belongs to the session; the engine neither modifies nor
	// keeps it after the request ends. class is the request's class in a
	// scenario with a request mix (Mixer), else 0. Must not allocate.
	Request(class int) []byte
	// Consume takes the next bytes received for the request in flight and
	// returns InProgress until the whole response has arrived, then
	// Success, or Failure(class) as soon as the response is known to be
	// wrong. p is only valid during the call. Must not allocate in the
	// steady state.
	Consume(p []byte) Status
	// Closed is called when the peer closed the connection (read returned
	// EOF) while a request was in flight. It returns Success for a
	// response whose body ends with the connection (HTTP without length),
	// else Failure(ErrShortRead).
	Closed() Status
	// KeepOpen reports whether the connection may carry another request
	// after the one that just ended with Success. false: the engine
	// closes it and the next request on this slot opens a new connection
	// (no keep-alive, reconnect-every K reached, server said Connection:
	// close or HTTP/1.0, bytes beyond the response arrived, the connect
	// scenario always).
	KeepOpen() bool
	// Connected tells the session that a new connection has just been
	// opened for it (reset per-connection state such as the request count
	// of reconnect-every and any parser state).
	Connected()
	// Err describes the last failure in words, for the result's error
	// samples, e.g. "http: status 403, expected 200" or "http: body of 12
	// bytes, expected 10000" or "echo: byte 17 differs". It may allocate:
	// the engine calls it only for the first failure of each class.
	// Returns nil after a success.
	Err() error
}

// Status is where a request stands after the bytes it was given.
type Status struct {
	Done  bool       // the request has ended
	Class ErrorClass // ErrNone when it succeeded
	// Retry marks a request the peer refused before processing it (a
	// multiplexed connection's REFUSED_STREAM or GOAWAY): it is sent
	// again, and counted once.
	Retry bool
}

// InProgress is the Status of a request whose response has not fully
// arrived yet.
var InProgress = Status{}

// Success is the Status of a request that ended with the response
// expected.
var Success = Status{Done: true}

// Failure returns the Status of a request that ended with an error of
// class c.
func Failure(c ErrorClass) Status { return Status{Done: true, Class: c} }

// ErrorClass names one kind of failed request. Failed requests are counted
// per class and never enter the latency histograms.
type ErrorClass uint8

// The error classes, in the order tables print them.
const (
	ErrNone ErrorClass = iota
	ErrConnect
	ErrTLS
	ErrTimeout
	ErrReset
	ErrShortRead
	ErrPayload
	ErrStatus
	ErrOther
	NumErrorClasses
)

var errorClassNames = [NumErrorClasses]string{
	ErrNone:      "none",
	ErrConnect:   "connect",
	ErrTLS:       "tls",
	ErrTimeout:   "timeout",
	ErrReset:     "reset",
	ErrShortRead: "short_read",
	ErrPayload:   "payload_mismatch",
	ErrStatus:    "bad_status",
	ErrOther:     "other",
}

// String returns the class name used in result files and tables.
func (c ErrorClass) String() string {
	if c < NumErrorClasses {
		return errorClassNames[c]
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// ErrorClassNames returns every class name except "none", in table order.
func ErrorClassNames() []string {
	return errorClassNames[1:]
}

// RequestError is an error whose class the scenario knows, such as a
// payload mismatch or a bad HTTP status. Sessions keep preallocated
// RequestErrors on the hot path so that a failing request does not
// allocate; Err may build a more precise one.
type RequestError struct {
	Class ErrorClass
	Msg   string
}

// Error returns the message.
func (e *RequestError) Error() string { return e.Msg }

// Errors that scenarios share. They are values, so keeping them does not
// allocate.
var (
	ErrPayloadMismatch = &RequestError{Class: ErrPayload, Msg: "response payload differs from what was expected"}
	ErrShortResponse   = &RequestError{Class: ErrShortRead, Msg: "connection closed before the whole response arrived"}
)
