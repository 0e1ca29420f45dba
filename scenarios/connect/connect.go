// Package connect implements the connect scenario: every request opens a
// new TCP connection, makes one echo or HTTP exchange on it and closes it,
// so the latency includes the TCP handshake. The engine opens and closes
// the connections; a connect session is an echo or http session that
// never keeps its connection open.
package connect

import (
	"fmt"
	"strconv"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/echo"
	"github.com/latbench/latbench/scenarios/http"
)

// The protocols a connection may speak.
const (
	ProtocolEcho = "echo"
	ProtocolHTTP = "http"
)

// Options configures the connect scenario. The zero value is valid and
// means an echo exchange of echo.DefaultSize bytes.
type Options struct {
	// Protocol is the exchange made on each connection: ProtocolEcho
	// ("echo", the default when empty) or ProtocolHTTP ("http").
	Protocol string
	// Size is the echo payload in bytes (zero means echo.DefaultSize), or
	// N in GET /bytes/N for http (zero means http.DefaultSize). At most
	// 16 MiB.
	Size int
}

// New returns the connect scenario, or an error if the options are
// invalid.
func New(opts Options) (scenarios.Scenario, error) {
	s := &scenario{protocol: opts.Protocol, size: opts.Size}
	var err error
	switch s.protocol {
	case "", ProtocolEcho:
		s.protocol = ProtocolEcho
		if s.size == 0 {
			s.size = echo.DefaultSize
		}
		s.inner, err = echo.New(echo.Options{Size: s.size})
	case ProtocolHTTP:
		if s.size == 0 {
			s.size = http.DefaultSize
		}
		s.inner, err = http.New(http.Options{Size: s.size, NoKeepAlive: true})
	default:
		return nil, fmt.Errorf("connect: unknown protocol %q (want %q or %q)", opts.Protocol, ProtocolEcho, ProtocolHTTP)
	}
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return s, nil
}

// scenario is the connect Scenario. It wraps the echo or http scenario.
type scenario struct {
	protocol string
	size     int
	inner    scenarios.Scenario
}

// Name returns "connect".
func (s *scenario) Name() string { return "connect" }

// ALPN returns the protocol to ask for over TLS: the inner scenario's.
func (s *scenario) ALPN() string {
	if a, ok := s.inner.(interface{ ALPN() string }); ok {
		return a.ALPN()
	}
	return ""
}

// Describe returns the protocol, the size, the http path if any, and
// keepalive=false.
func (s *scenario) Describe() map[string]string {
	d := map[string]string{
		"protocol":  s.protocol,
		"size":      strconv.Itoa(s.size),
		"keepalive": "false",
	}
	if path, ok := s.inner.Describe()["path"]; ok {
		d["path"] = path
	}
	return d
}

// NewSession returns an echo or http session that asks for a new
// connection after every request.
func (s *scenario) NewSession() scenarios.Session {
	return session{s.inner.NewSession()}
}

// session is the inner scenario's session with KeepOpen always false.
type session struct {
	scenarios.Session
}

// KeepOpen returns false: every request has a connection of its own.
func (session) KeepOpen() bool { return false }
