// Package grpc implements the grpc scenario: calls of the echo service of
// the reference servers (latbench.echo.v1.Echo, servers/proto/echo.proto)
// over HTTP/2, on the connection state machine of the h2 package
// (h2.Conn), with a Protocol of its own for the calls.
//
// It does not use a gRPC or protobuf library: each call's header block
// and its request message (the 5-byte gRPC prefix and an EchoRequest
// whose payload is the pattern of every latbench payload) are encoded
// once, and each reply is checked byte for byte as it arrives, however
// DATA frames and reads split it, against the same encoding (an
// EchoReply carries the payload as field 1, as an EchoRequest does).
// Nothing is buffered and a call does not allocate in the steady state.
//
// Methods: "unary" sends one Unary call per request (a new stream each);
// "stream" keeps one Stream call open per slot and sends one message per
// request on it, the request ending when its echo has come back (one
// message in flight per slot; the first request on a slot, and the first
// after the server ended the call, opens the stream).
//
// A call that ends with a grpc-status other than OK fails with class
// ErrStatus, and Err gives the status's name, code and grpc-message; a
// wrong reply fails with ErrPayload. Supported besides: trailers-only
// responses (an error without a reply), content-type
// application/grpc with a +format or parameters. Not supported:
// compression (a compressed reply is an error; none is offered),
// grpc-timeout (the engine's timeout cancels the stream with
// RST_STREAM), metadata, and half-closing a Stream call (the client
// never ends its side: the connection's end ends the calls).
package grpc

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/echo"
	"github.com/latbench/latbench/scenarios/h2"
)

// DefaultSize is the payload size of a message when Options.Size is
// zero.
const DefaultSize = 64

// MaxSize is the largest Options.Size. The reference servers accept
// messages of at most 4 MiB (a larger one gets RESOURCE_EXHAUSTED); a
// larger size is allowed to measure or test that limit.
const MaxSize = 16 << 20

// DefaultStreams is the number of calls a connection carries at once
// when Options.Streams is zero.
const DefaultStreams = 10

// The methods of the echo service.
const (
	UnaryPath  = "/latbench.echo.v1.Echo/Unary"
	StreamPath = "/latbench.echo.v1.Echo/Stream"
)

// Options configures the grpc scenario. The zero value is valid: unary
// calls with a 64-byte payload, ten per connection at once, over h2c.
type Options struct {
	// Method is "unary" (the default when empty) or "stream".
	Method string
	// Size is the payload size of each message. Zero means DefaultSize;
	// at most MaxSize. A payload of zero bytes cannot be asked for.
	Size int
	// Streams is how many calls one connection carries at once. Zero
	// means DefaultStreams; at most h2.MaxStreams.
	Streams int
	// Authority is the :authority of the calls. Empty means
	// h2.DefaultAuthority.
	Authority string
	// Scheme is the :scheme of the calls, "http" (h2c) or "https" (TLS);
	// the caller sets it from the transport. Empty means "http".
	Scheme string
}

// New returns the grpc scenario, or an error if the options are invalid.
func New(opts Options) (scenarios.Multiplexer, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	path := UnaryPath
	if o.Method == "stream" {
		path = StreamPath
	}
	block, err := h2.EncodeHeaders(":method", "POST", ":scheme", o.Scheme, ":authority", o.Authority,
		":path", path, "content-type", "application/grpc", "te", "trailers", "user-agent", "latbench")
	if err != nil {
		return nil, fmt.Errorf("grpc: %w", err)
	}
	msg := encodeMessage(echo.Payload(o.Size))
	return &scenario{opts: o, path: path, stream: o.Method == "stream", block: block, msg: msg}, nil
}

// resolve checks the options and returns them with the defaults filled
// in.
func (o Options) resolve() (Options, error) {
	switch {
	case o.Method != "" && o.Method != "unary" && o.Method != "stream":
		return o, fmt.Errorf("grpc: method %q is neither unary nor stream", o.Method)
	case o.Size < 0 || o.Size > MaxSize:
		return o, fmt.Errorf("grpc: size %d is not between 1 and %d bytes (16 MiB)", o.Size, MaxSize)
	case o.Streams < 0 || o.Streams > h2.MaxStreams:
		return o, fmt.Errorf("grpc: streams %d is not between 1 and %d", o.Streams, h2.MaxStreams)
	case o.Authority != "" && !h2.VisibleASCII(o.Authority):
		return o, fmt.Errorf("grpc: authority %q must hold only visible ASCII characters", o.Authority)
	case o.Scheme != "" && o.Scheme != "http" && o.Scheme != "https":
		return o, fmt.Errorf("grpc: scheme %q is neither http nor https", o.Scheme)
	}
	o.Method = cmp.Or(o.Method, "unary")
	o.Size = cmp.Or(o.Size, DefaultSize)
	o.Streams = cmp.Or(o.Streams, DefaultStreams)
	o.Authority = cmp.Or(o.Authority, h2.DefaultAuthority)
	o.Scheme = cmp.Or(o.Scheme, "http")
	return o, nil
}

// encodeMessage returns the gRPC message of an EchoRequest with payload:
// the 5-byte prefix (not compressed, then the length, big-endian) and the
// protobuf encoding, field 1 of wire type 2 (tag 0x0a), the payload's
// length as a varint, then the payload.
func encodeMessage(payload []byte) []byte {
	body := binary.AppendUvarint([]byte{0x0a}, uint64(len(payload)))
	body = append(body, payload...)
	msg := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(body)))
	return append(msg, body...)
}

// scenario is the grpc Multiplexer, with its options resolved.
type scenario struct {
	opts   Options
	path   string
	stream bool   // one long-lived Stream call per slot
	block  []byte // the calls' header block, shared read-only by every Conn
	msg    []byte // the request message with its prefix, shared read-only
}

// reply returns the expected reply message, without its prefix: the
// request's own encoding.
func (s *scenario) reply() []byte { return s.msg[5:] }

// Name returns "grpc".
func (s *scenario) Name() string { return "grpc" }

// ALPN returns "h2".
func (s *scenario) ALPN() string { return "h2" }

// Streams returns how many calls a connection carries at once.
func (s *scenario) Streams() int { return s.opts.Streams }

// Describe returns the method and its path, the payload size, the calls
// per connection, the :authority and :scheme and the client's stream
// window.
func (s *scenario) Describe() map[string]string {
	return map[string]string{
		"method":        s.opts.Method,
		"path":          s.path,
		"size":          strconv.Itoa(s.opts.Size),
		"streams":       strconv.Itoa(s.opts.Streams),
		"authority":     s.opts.Authority,
		"scheme":        s.opts.Scheme,
		"stream_window": strconv.Itoa(h2.StreamWindow),
	}
}

// NewSession returns nil: a Multiplexer's connections are made by
// NewConn.
func (s *scenario) NewSession() scenarios.Session { return nil }

// NewConn returns a connection that makes the scenario's calls on each of
// its streams and checks every reply.
func (s *scenario) NewConn() scenarios.Conn {
	return h2.NewConn(newCallProtocol(s), s.opts.Streams)
}
