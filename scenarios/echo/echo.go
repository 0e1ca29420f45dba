// Package echo implements the echo scenario: each request writes a fixed
// payload to a TCP echo server over a kept-open connection and reads the
// same bytes back. Its sessions check the echo as it streams in, byte for
// byte against the payload, without copying it.
package echo

import (
	"fmt"
	"strconv"

	"github.com/latbench/latbench/scenarios"
)

// DefaultSize is the payload size used when Options.Size is zero.
const DefaultSize = 64

// MaxSize is the largest payload a request may carry.
const MaxSize = 16 << 20

// Options configures the echo scenario. The zero value is valid.
type Options struct {
	// Size is the number of bytes each request sends and expects back.
	// Zero means DefaultSize; at most MaxSize.
	Size int
}

// New returns the echo scenario, or an error if the options are invalid.
func New(opts Options) (scenarios.Scenario, error) {
	size := opts.Size
	switch {
	case size == 0:
		size = DefaultSize
	case size < 0:
		return nil, fmt.Errorf("echo: size %d is negative", size)
	case size > MaxSize:
		return nil, fmt.Errorf("echo: size %d is above the maximum of %d bytes (16 MiB)", size, MaxSize)
	}
	return &scenario{size: size, payload: Payload(size)}, nil
}

// scenario is the echo Scenario.
type scenario struct {
	size    int
	payload []byte // built once and shared by every session; never written
}

// Name returns "echo".
func (s *scenario) Name() string { return "echo" }

// Describe returns the payload size.
func (s *scenario) Describe() map[string]string {
	return map[string]string{"size": strconv.Itoa(s.size)}
}

// NewSession returns a session that sends the scenario's payload.
func (s *scenario) NewSession() scenarios.Session {
	return &session{payload: s.payload}
}

// Payload returns size bytes where byte i is 'a' + i%26, the pattern every
// latbench payload uses.
func Payload(size int) []byte {
	p := make([]byte, size)
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	return p
}
