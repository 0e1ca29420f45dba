// Package catalog builds a scenario from its name and settings. It is the
// one place that knows every workload package, so the engine and the CLI
// stay independent of them.
package catalog

import (
	"fmt"
	"slices"
	"strings"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/connect"
	"github.com/latbench/latbench/scenarios/echo"
	"github.com/latbench/latbench/scenarios/grpc"
	"github.com/latbench/latbench/scenarios/h2"
	"github.com/latbench/latbench/scenarios/http"
)

// Spec names a scenario and its settings, as a suite file or the command
// line give them. The zero value of every field but Name means the
// scenario's default.
type Spec struct {
	// Name is echo, http or connect.
	Name string
	// Size is the echo payload in bytes, or N of GET /bytes/N.
	Size int
	// Path overrides the HTTP request path.
	Path string
	// NoKeepAlive opens a new HTTP connection for every request.
	NoKeepAlive bool
	// ReconnectEvery reopens the HTTP connection after K requests.
	ReconnectEvery int
	// Protocol is what connect speaks: echo (default) or http.
	Protocol string
	// Mix is an HTTP request mix, "90:/bytes/100,10:/delay/100ms/bytes/100"
	// (http.ParseMix); it replaces Size and Path.
	Mix string
	// TLS makes every connection speak TLS (the engine's transport; ALPN
	// follows the scenario).
	TLS bool
	// Streams is how many requests an HTTP/2 or gRPC connection carries
	// at once (default 10).
	Streams int
	// GRPCMethod is the gRPC call: unary (default) or stream.
	GRPCMethod string
}

// Names returns the scenario names, in help order.
func Names() []string { return []string{"echo", "http", "connect", "h2", "grpc"} }

// New returns the scenario spec names, or an error naming the closest
// valid scenario.
func New(spec Spec) (scenarios.Scenario, error) {
	known := slices.Contains(Names(), spec.Name)
	switch {
	case spec.Mix != "" && spec.Name != "http" && known:
		return nil, fmt.Errorf("a request mix (--mix) needs the http scenario, not %s", spec.Name)
	case spec.Streams != 0 && spec.Name != "h2" && spec.Name != "grpc" && known:
		return nil, fmt.Errorf("--streams is for the multiplexed scenarios h2 and grpc, not %s", spec.Name)
	case spec.GRPCMethod != "" && spec.Name != "grpc" && known:
		return nil, fmt.Errorf("--grpc-method is for the grpc scenario, not %s", spec.Name)
	}
	switch spec.Name {
	case "echo":
		return echo.New(echo.Options{Size: spec.Size})
	case "http":
		var mix []http.MixClass
		if spec.Mix != "" {
			var err error
			if mix, err = http.ParseMix(spec.Mix); err != nil {
				return nil, fmt.Errorf("--mix: %w", err)
			}
		}
		return http.New(http.Options{
			Size: spec.Size, Path: spec.Path, Mix: mix,
			NoKeepAlive: spec.NoKeepAlive, ReconnectEvery: spec.ReconnectEvery,
		})
	case "connect":
		return connect.New(connect.Options{Protocol: spec.Protocol, Size: spec.Size})
	case "h2":
		return h2.New(h2.Options{Size: spec.Size, Path: spec.Path, Streams: spec.Streams, Scheme: scheme(spec)})
	case "grpc":
		return grpc.New(grpc.Options{Method: spec.GRPCMethod, Size: spec.Size, Streams: spec.Streams, Scheme: scheme(spec)})
	}
	return nil, unknown(spec.Name)
}

// scheme is the :scheme of HTTP/2 requests over the spec's transport.
func scheme(spec Spec) string {
	if spec.TLS {
		return "https"
	}
	return "http"
}

// ServerMode returns the mode a target must run in to answer spec: echo,
// http or grpc.
func ServerMode(spec Spec) string {
	switch {
	case spec.Name == "http" || spec.Name == "h2" || (spec.Name == "connect" && spec.Protocol == "http"):
		return "http"
	case spec.Name == "grpc":
		return "grpc"
	}
	return "echo"
}

// Listener returns what a launched target's listener must speak for
// spec: tls, h2c (HTTP/2 with prior knowledge) or http1 (HTTP/1.1, and
// plain TCP for echo).
func Listener(spec Spec) string {
	switch {
	case spec.TLS:
		return "tls"
	case spec.Name == "h2" || spec.Name == "grpc":
		return "h2c"
	}
	return "http1"
}

// unknown is the error for a scenario name that does not exist.
func unknown(name string) error {
	hint := ""
	if c := scenarios.Closest(name, Names()); c != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", c)
	}
	return fmt.Errorf("unknown scenario %q%s; valid: %s", name, hint, strings.Join(Names(), ", "))
}
