// Package http implements the http scenario: each request is an HTTP/1.1
// GET whose response is checked for its status and body length. It does
// not use net/http: the request bytes are built once, and each session
// parses responses incrementally as the engine hands it bytes, in place,
// counting bodies without copying them, so the steady state does not
// allocate.
package http

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/latbench/latbench/scenarios"
)

// DefaultSize is the body size requested (GET /bytes/10000) when
// Options.Size is zero.
const DefaultSize = 10000

// MaxSize is the largest body size a /bytes request may ask for; the
// reference servers answer 400 above it.
const MaxSize = 16 << 20

// DefaultStatus is the expected status code when Options.ExpectStatus is
// zero.
const DefaultStatus = 200

// AnyLength, as Options.ExpectLength, turns the body length check off.
const AnyLength = -1

// DefaultHost is the Host header sent when Options.Host is empty. Sessions
// do not know the address the engine dials.
const DefaultHost = "latbench"

// Options configures the http scenario. The zero value is valid and means
// GET /bytes/10000 on a kept-alive connection, expecting 200 and a
// 10000-byte body.
type Options struct {
	// Size is N in the request path /bytes/N. Zero means DefaultSize; at
	// most MaxSize. It is ignored when Path is set.
	Size int
	// Path is the request target, such as "/health". It must start with
	// '/' and hold only visible ASCII. Empty means /bytes/Size.
	Path string
	// Host is the Host header. Empty means DefaultHost.
	Host string
	// NoKeepAlive sends "Connection: close" and opens a new connection for
	// every request. The default keeps the connection open.
	NoKeepAlive bool
	// ReconnectEvery closes the connection after this many requests and
	// opens a new one for the next. Zero means never.
	ReconnectEvery int
	// ExpectStatus is the status code a successful response has. Zero
	// means DefaultStatus (200).
	ExpectStatus int
	// ExpectLength is the body length a successful response has. Zero
	// means Size when Path is empty and no check when Path is set;
	// AnyLength (-1) means no check. An expected length of exactly zero
	// cannot be asked for.
	ExpectLength int
	// Mix, when set, replaces Path and Size: each request's path is drawn
	// from these classes in proportion to their weights, from a sequence
	// seeded by the mix itself. A class's body length is checked when its
	// path is /bytes/N or /delay/D/bytes/N.
	Mix []MixClass
}

// New returns the http scenario, or an error if the options are invalid.
func New(opts Options) (scenarios.Scenario, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	s := &scenario{
		path:           opts.Path,
		host:           opts.Host,
		keepAlive:      !opts.NoKeepAlive,
		reconnectEvery: opts.ReconnectEvery,
		expectStatus:   opts.ExpectStatus,
		expectLength:   int64(opts.ExpectLength),
	}
	if s.expectStatus == 0 {
		s.expectStatus = DefaultStatus
	}
	if s.path == "" {
		s.size = opts.Size
		if s.size == 0 {
			s.size = DefaultSize
		}
		s.path = "/bytes/" + strconv.Itoa(s.size)
		if s.expectLength == 0 {
			s.expectLength = int64(s.size)
		}
	}
	if s.expectLength == 0 {
		s.expectLength = AnyLength
	}
	host := s.host
	if host == "" {
		host = DefaultHost
	}
	s.classes = []class{{name: s.path, req: buildRequest(s.path, host, s.keepAlive), expectLength: s.expectLength, upTo: 1}}
	if len(opts.Mix) > 0 {
		s.setMix(opts.Mix, host)
	}
	return s, nil
}

// setMix makes the scenario draw its requests from mix.
func (s *scenario) setMix(mix []MixClass, host string) {
	s.mix, s.pick, s.classes = FormatMix(mix), newPicker(mix), nil
	s.size, s.path = 0, ""
	var upTo uint64
	for _, m := range mix {
		upTo += uint64(m.Weight)
		s.classes = append(s.classes, class{name: m.Path, req: buildRequest(m.Path, host, s.keepAlive),
			expectLength: expectedLength(m.Path), upTo: upTo})
	}
}

// Classes returns the paths of the mix, or the one path.
func (s *scenario) Classes() []string {
	names := make([]string, len(s.classes))
	for i, c := range s.classes {
		names[i] = c.name
	}
	return names
}

// Class returns the class of request i: a draw from the mix's seeded
// sequence, so the same request index always gets the same path.
func (s *scenario) Class(i uint64) int {
	if len(s.classes) == 1 {
		return 0
	}
	d := s.pick.draw(i)
	for c := range s.classes {
		if d < s.classes[c].upTo {
			return c
		}
	}
	return len(s.classes) - 1
}

// validate checks the options and says which one is wrong.
func (o *Options) validate() error {
	switch {
	case o.Size < 0:
		return fmt.Errorf("http: size %d is negative", o.Size)
	case o.Size > MaxSize:
		return fmt.Errorf("http: size %d is above the maximum of %d bytes (16 MiB)", o.Size, MaxSize)
	case o.Path != "" && (o.Path[0] != '/' || !isVisibleASCII(o.Path)):
		return fmt.Errorf("http: path %q must start with '/' and hold only visible ASCII characters", o.Path)
	case o.Host != "" && !isVisibleASCII(o.Host):
		return fmt.Errorf("http: host %q must hold only visible ASCII characters", o.Host)
	case o.ReconnectEvery < 0:
		return fmt.Errorf("http: reconnect-every %d is negative", o.ReconnectEvery)
	case o.ExpectStatus != 0 && (o.ExpectStatus < 100 || o.ExpectStatus > 999):
		return fmt.Errorf("http: expected status %d is not a three-digit code", o.ExpectStatus)
	case o.ExpectLength < AnyLength:
		return errors.New("http: expected length must be -1 (any), 0 (the default) or positive")
	case len(o.Mix) > 0 && (o.Path != "" || o.ExpectLength != 0):
		return errors.New("http: a request mix sets its own paths and lengths: drop the path and the expected length")
	}
	if err := validateMix(o.Mix); err != nil {
		return fmt.Errorf("http: %w", err)
	}
	return nil
}

// isVisibleASCII reports whether s holds only printable ASCII other than
// space, so it cannot break the request line or a header.
func isVisibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// scenario is the http Scenario, with its options resolved.
type scenario struct {
	size           int // 0 when a custom path is used
	path           string
	host           string  // empty: DefaultHost, and not described
	classes        []class // one without a mix
	mix            string  // the mix as given, "" without one
	pick           picker
	keepAlive      bool
	reconnectEvery int
	expectStatus   int
	expectLength   int64 // AnyLength: no check
}

// Name returns "http".
func (s *scenario) Name() string { return "http" }

// ALPN returns the protocol to ask for over TLS: HTTP/1.1.
func (s *scenario) ALPN() string { return "http/1.1" }

// Describe returns the request path, keep-alive policy, reconnect period,
// the Host header when set, and the expected status and length.
func (s *scenario) Describe() map[string]string {
	d := map[string]string{
		"path":            s.path,
		"keepalive":       strconv.FormatBool(s.keepAlive),
		"reconnect_every": strconv.Itoa(s.reconnectEvery),
		"expect_status":   strconv.Itoa(s.expectStatus),
		"expect_length":   "any",
	}
	if s.size > 0 {
		d["size"] = strconv.Itoa(s.size)
	}
	if s.host != "" {
		d["host"] = s.host
	}
	if s.expectLength >= 0 {
		d["expect_length"] = strconv.FormatInt(s.expectLength, 10)
	}
	if s.mix != "" {
		d["mix"] = s.mix
		delete(d, "path")
		delete(d, "expect_length")
	}
	return d
}

// NewSession returns a session that sends the scenario's request and
// checks each response.
func (s *scenario) NewSession() scenarios.Session {
	return &session{sc: s}
}

// buildRequest returns the bytes of the GET request every request sends.
func buildRequest(path, host string, keepAlive bool) []byte {
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: latbench\r\n"
	if !keepAlive {
		req += "Connection: close\r\n"
	}
	return []byte(req + "\r\n")
}
