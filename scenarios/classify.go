package scenarios

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// Classify maps an error returned by Client.Do to its class. A nil error is
// ErrNone.
func Classify(err error) ErrorClass {
	if err == nil {
		return ErrNone
	}
	var re *RequestError
	if errors.As(err, &re) {
		return re.Class
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return ErrTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ErrTimeout
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrConnect
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return ErrReset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ErrShortRead
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return ErrConnect
	}
	return ErrOther
}
