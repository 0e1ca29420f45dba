// Package scenarios defines the interface every workload implements and the
// error classes the engine counts. Each workload lives in its own
// sub-package (echo, http, connect).
package scenarios

import (
	"fmt"
	"time"
)

// Scenario is one workload. It is a factory for Clients: the engine makes one
// Client per connection slot and drives each from a single goroutine.
type Scenario interface {
	// Name returns the scenario's name as used on the command line.
	Name() string
	// NewClient returns a client that will talk to addr. It must not dial
	// yet: the first Do call connects.
	NewClient(addr string) Client
	// Describe returns the settings that make two results comparable
	// (payload size, keep-alive policy, path, ...), for the result file.
	Describe() map[string]string
}

// Client owns at most one connection and performs one request at a time.
// A Client is used by one goroutine only and needs no locking.
type Client interface {
	// Do performs one complete request: it connects first if it has no
	// connection, sends, reads and verifies the whole response. The
	// deadline bounds the whole request. On any error the client closes
	// its connection, so the next Do starts a fresh one. The steady-state
	// path (connection already open) must not allocate.
	Do(deadline time.Time) error
	// Close closes the connection, if any. It is safe to call twice.
	Close() error
}

// ErrorClass names one kind of failed request. Failed requests are counted
// per class and never enter the latency histograms.
type ErrorClass uint8

// The error classes, in the order tables print them.
const (
	ErrNone ErrorClass = iota
	ErrConnect
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

// RequestError is an error whose class the scenario already knows, such as
// a payload mismatch or a bad HTTP status. Scenarios return preallocated
// RequestErrors on the hot path so that a failing request does not allocate.
type RequestError struct {
	Class ErrorClass
	Msg   string
}

// Error returns the message.
func (e *RequestError) Error() string { return e.Msg }

// Errors that scenarios share. They are values, so returning them does not
// allocate.
var (
	ErrPayloadMismatch = &RequestError{Class: ErrPayload, Msg: "response payload differs from what was expected"}
	ErrShortResponse   = &RequestError{Class: ErrShortRead, Msg: "connection closed before the whole response arrived"}
)
