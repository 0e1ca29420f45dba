package grpc

import (
	"fmt"
	"strconv"

	"github.com/latbench/latbench/scenarios"
)

// Errors of calls that did not end as expected. They are preallocated so
// that a failing call does not allocate; Err gives the values that came
// back.
var (
	errHTTPStatus = &scenarios.RequestError{Class: scenarios.ErrStatus,
		Msg: "grpc: the response's HTTP status is not 200"}
	errContentType = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "grpc: the response's content-type is not application/grpc"}
	errGRPCStatus = &scenarios.RequestError{Class: scenarios.ErrStatus,
		Msg: "grpc: the call ended with a status other than OK"}
	errNoGRPCStatus = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "grpc: the call ended without a valid grpc-status"}
	errNoHeaders = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "grpc: a reply or the end of the call came before the response headers"}
	errBlocks = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "grpc: more than two header blocks (headers and trailers) in a call"}
	errUnexpectedReply = &scenarios.RequestError{Class: scenarios.ErrOther,
		Msg: "grpc: a reply message came when none was awaited"}
	errShortReply = &scenarios.RequestError{Class: scenarios.ErrShortRead,
		Msg: "grpc: the call ended inside a reply message"}
	errEndedEarly = &scenarios.RequestError{Class: scenarios.ErrShortRead,
		Msg: "grpc: the server ended the Stream call with status OK before the reply"}
	errNoReply = &scenarios.RequestError{Class: scenarios.ErrPayload,
		Msg: "grpc: the call ended with status OK without a reply message"}
)

// codeNames are the names of the gRPC status codes.
var codeNames = [...]string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
	"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}

// codeResourceExhausted is the status of a message above the server's
// size limit.
const codeResourceExhausted = 8

// CodeName returns the name of gRPC status code, such as "UNAVAILABLE".
func CodeName(code int) string {
	if code >= 0 && code < len(codeNames) {
		return codeNames[code]
	}
	return "code " + strconv.Itoa(code)
}

// Err describes slot s's last failure with the values that came back,
// or returns nil after a success.
func (p *callProtocol) Err(s int) error {
	f := p.fails[s]
	var msg string
	switch f.err {
	case nil:
		return nil
	case errHTTPStatus:
		msg = fmt.Sprintf("grpc: HTTP status %d, expected 200", f.status)
	case errContentType:
		msg = fmt.Sprintf("grpc: content-type %q, expected application/grpc", f.ctype)
	case errGRPCStatus:
		msg = p.statusMessage(f)
	case errReplySize:
		msg = fmt.Sprintf("grpc: reply message of %d bytes, expected %d", f.size, len(p.sc.reply()))
	case errReplyBytes:
		msg = fmt.Sprintf("grpc: reply message differs from the request's at byte %d of %d", f.got, f.size)
	default:
		return f.err
	}
	return &scenarios.RequestError{Class: f.err.Class, Msg: msg}
}

// statusMessage describes a call that ended with status f.grpcStatus.
func (p *callProtocol) statusMessage(f callFailure) string {
	msg := fmt.Sprintf("grpc: status %s (%d)", CodeName(f.grpcStatus), f.grpcStatus)
	if f.grpcMsg != "" {
		msg += ": " + decodeMessage(f.grpcMsg)
	}
	if f.grpcStatus == codeResourceExhausted {
		msg += fmt.Sprintf(" (the request message of %d bytes is likely above the server's message size limit)",
			len(p.sc.msg))
	}
	return msg
}

// decodeMessage returns grpc-message m with its percent-encoding
// undone; a malformed escape is kept as it is.
func decodeMessage(m string) string {
	b := make([]byte, 0, len(m))
	for i := 0; i < len(m); i++ {
		if m[i] == '%' && i+2 < len(m) {
			if v, err := strconv.ParseUint(m[i+1:i+3], 16, 8); err == nil {
				b = append(b, byte(v))
				i += 2
				continue
			}
		}
		b = append(b, m[i])
	}
	return string(b)
}
