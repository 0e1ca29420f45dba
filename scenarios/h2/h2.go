// Package h2 implements the h2 scenario, HTTP/2 GET requests multiplexed
// on each connection, and the HTTP/2 client connection (Conn) that the
// grpc scenario runs on too.
//
// A Conn is a protocol state machine with no I/O of its own: the engine
// owns the socket (plain TCP for h2c with prior knowledge, or TLS with
// ALPN "h2") and hands it the bytes that arrive. It parses frames in
// place as they come, however reads split them, counts and checks bodies
// without buffering them, decodes response headers with one HPACK
// decoder per connection and sends precomputed request header blocks, so
// that a request does not allocate in the steady state.
//
// Supported: the connection preface and SETTINGS (the client disables
// server push and opens a 16 MiB stream window and a 1 GiB connection
// window, see StreamWindow), the server's SETTINGS (acknowledged;
// MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE and MAX_FRAME_SIZE are
// honoured), flow control both ways (WINDOW_UPDATE sent once half a
// window is used; request DATA held back while a window is closed),
// PING (answered), GOAWAY (requests above its last stream ID end with
// Retry, and no stream opens after it), RST_STREAM (REFUSED_STREAM means
// Retry, any other code a reset), header blocks split over CONTINUATION
// frames, padding, interim 1xx responses and trailers (ignored), and
// PRIORITY and unknown frames (ignored).
//
// The client does not wait for the server's SETTINGS before its first
// requests (RFC 9113 allows it): a server whose limit is below the
// requests sent refuses the excess with REFUSED_STREAM, which means
// Retry. Request DATA, though, waits for them: a server may open smaller
// windows than the default, and some (Go's) reset a stream whose DATA
// went beyond them even before the client could know.
//
// Not supported: server push (PUSH_PROMISE is a connection error, since
// the client's SETTINGS forbid it), the HTTP/1.1 Upgrade to h2c,
// priorities (none are sent; PRIORITY frames are ignored), frames larger
// than 16 KiB (the client keeps the default SETTINGS_MAX_FRAME_SIZE),
// and the stream errors of RFC 9113 that concern flow control (a zero or
// overflowing WINDOW_UPDATE on a stream): they end the whole connection
// instead of one stream. The body of a GET is counted and its length
// checked, not compared byte for byte, as in the http scenario.
package h2

import (
	"cmp"
	"fmt"
	"strconv"

	"github.com/latbench/latbench/scenarios"
)

// DefaultSize is N in GET /bytes/N when Options.Size is zero.
const DefaultSize = 10000

// MaxSize is the largest N a reference server serves at /bytes/N.
const MaxSize = 16 << 20

// DefaultStreams is the number of requests a connection carries at once
// when Options.Streams is zero.
const DefaultStreams = 10

// MaxStreams is the largest Options.Streams.
const MaxStreams = 1 << 14

// DefaultAuthority is the :authority of the requests when
// Options.Authority is empty.
const DefaultAuthority = "localhost"

// Options configures the h2 scenario. The zero value is valid: GET
// /bytes/10000 over h2c, ten streams per connection, expecting 200 and a
// 10,000-byte body.
type Options struct {
	// Size is N in the request path /bytes/N. Zero means DefaultSize; at
	// most MaxSize. It is ignored when Path is set.
	Size int
	// Path is the request's :path, such as "/health". It must start with
	// '/' and hold only visible ASCII. Empty means /bytes/Size. The body
	// length is checked when the path is /bytes/N or /delay/D/bytes/N.
	Path string
	// Streams is how many requests one connection carries at once. Zero
	// means DefaultStreams; at most MaxStreams. The server's
	// SETTINGS_MAX_CONCURRENT_STREAMS may lower it.
	Streams int
	// Authority is the :authority of the requests. Empty means
	// DefaultAuthority.
	Authority string
	// Scheme is the :scheme of the requests, "http" (h2c) or "https"
	// (TLS); the caller sets it from the transport. Empty means "http".
	Scheme string
}

// New returns the h2 scenario, or an error if the options are invalid.
func New(opts Options) (scenarios.Multiplexer, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	block, err := EncodeHeaders(":method", "GET", ":scheme", o.Scheme, ":authority", o.Authority,
		":path", o.Path, "user-agent", "latbench")
	if err != nil {
		return nil, err
	}
	return &scenario{opts: o, size: opts.Size, block: block, expectLength: expectedLength(o.Path)}, nil
}

// resolve checks the options and returns them with the defaults filled
// in.
func (o Options) resolve() (Options, error) {
	switch {
	case o.Size < 0 || o.Size > MaxSize:
		return o, fmt.Errorf("h2: size %d is not between 0 and %d bytes (16 MiB)", o.Size, MaxSize)
	case o.Path != "" && (o.Path[0] != '/' || !VisibleASCII(o.Path)):
		return o, fmt.Errorf("h2: path %q must start with '/' and hold only visible ASCII characters", o.Path)
	case o.Streams < 0 || o.Streams > MaxStreams:
		return o, fmt.Errorf("h2: streams %d is not between 1 and %d", o.Streams, MaxStreams)
	case o.Authority != "" && !VisibleASCII(o.Authority):
		return o, fmt.Errorf("h2: authority %q must hold only visible ASCII characters", o.Authority)
	case o.Scheme != "" && o.Scheme != "http" && o.Scheme != "https":
		return o, fmt.Errorf("h2: scheme %q is neither http nor https", o.Scheme)
	}
	if o.Size == 0 {
		o.Size = DefaultSize
	}
	if o.Path == "" {
		o.Path = "/bytes/" + strconv.Itoa(o.Size)
	} else {
		o.Size = 0
	}
	o.Streams = cmp.Or(o.Streams, DefaultStreams)
	o.Authority = cmp.Or(o.Authority, DefaultAuthority)
	o.Scheme = cmp.Or(o.Scheme, "http")
	return o, nil
}

// scenario is the h2 Multiplexer, with its options resolved.
type scenario struct {
	opts         Options // resolved; Size is 0 with a custom path
	size         int     // Options.Size as given
	block        []byte  // the request's header block, shared read-only by every Conn
	expectLength int64   // anyLength: not checked
}

// Name returns "h2".
func (s *scenario) Name() string { return "h2" }

// ALPN returns "h2".
func (s *scenario) ALPN() string { return "h2" }

// Streams returns how many requests a connection carries at once.
func (s *scenario) Streams() int { return s.opts.Streams }

// Describe returns the request path (and size), the streams per
// connection, the :authority and :scheme, the client's stream window and
// the expected status and body length.
func (s *scenario) Describe() map[string]string {
	d := map[string]string{
		"path":          s.opts.Path,
		"streams":       strconv.Itoa(s.opts.Streams),
		"authority":     s.opts.Authority,
		"scheme":        s.opts.Scheme,
		"stream_window": strconv.Itoa(StreamWindow),
		"expect_status": "200",
		"expect_length": "any",
	}
	if s.opts.Size > 0 {
		d["size"] = strconv.Itoa(s.opts.Size)
	}
	if s.expectLength != anyLength {
		d["expect_length"] = strconv.FormatInt(s.expectLength, 10)
	}
	return d
}

// NewSession returns nil: a Multiplexer's connections are made by
// NewConn.
func (s *scenario) NewSession() scenarios.Session { return nil }

// NewConn returns a connection that sends the scenario's GET on each of
// its streams and checks every response.
func (s *scenario) NewConn() scenarios.Conn {
	return NewConn(newGetProtocol(s), s.opts.Streams)
}
