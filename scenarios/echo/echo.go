// Package echo implements the echo scenario: each request writes a fixed
// payload to a TCP echo server over a kept-open connection and reads the
// same bytes back.
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

// chunkSize is the largest piece the client writes before reading the echo
// of that piece back. Writing a large payload in one go and only then
// reading would deadlock once the payload exceeds what the socket buffers of
// both ends can hold, because the server stops reading while its writes are
// blocked. Payloads up to chunkSize (every usual size) are sent in one write.
const chunkSize = 64 << 10

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
	return &scenario{size: size}, nil
}

// scenario is the echo Scenario.
type scenario struct {
	size int
}

// Name returns "echo".
func (s *scenario) Name() string { return "echo" }

// Describe returns the payload size.
func (s *scenario) Describe() map[string]string {
	return map[string]string{"size": strconv.Itoa(s.size)}
}

// NewClient returns a client for addr that connects on its first Do.
func (s *scenario) NewClient(addr string) scenarios.Client {
	return newClient(addr, s.size)
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
