package metrics

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// pushURLExample ends every complaint about a push URL.
const pushURLExample = "give the push-gateway's base URL, e.g. http://127.0.0.1:9091 or https://pushgateway.example.org"

// pushTarget is a validated push-gateway URL.
type pushTarget struct {
	// url is scheme://host[:port][/prefix] without credentials or a
	// trailing slash, safe to show in messages.
	url string
	// user and password come from the URL's user info; they are sent as
	// HTTP basic authentication.
	user, password string
}

// parsePushURL validates raw, a push-gateway base URL. Like the push
// client, it takes host:port alone to mean http://host:port.
func parsePushURL(raw string) (*pushTarget, error) {
	withScheme := raw
	if !strings.Contains(raw, "://") {
		withScheme = "http://" + raw
	}
	u, err := url.Parse(withScheme)
	if err != nil {
		return nil, fmt.Errorf("metrics: push URL %q is not a URL (%v): %s", raw, err, pushURLExample)
	}
	shown := raw
	if u.User != nil {
		shown = u.Redacted() // never show a password
	}
	bad := func(why string) error {
		return fmt.Errorf("metrics: push URL %q %s: %s", shown, why, pushURLExample)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, bad(fmt.Sprintf("has scheme %q; only http and https are supported", u.Scheme))
	case u.Opaque != "" || u.Hostname() == "":
		return nil, bad("has no host")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, bad("has a query or fragment")
	case strings.Contains(u.Path, "/metrics/job"):
		return nil, bad("names a job: latbench adds /metrics/job/<job>/run/<run>/cell/<cell> itself")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, bad(fmt.Sprintf("has port %q, not 1-65535", p))
		}
	}
	pt := &pushTarget{}
	if u.User != nil {
		pt.user = u.User.Username()
		pt.password, _ = u.User.Password()
		u.User = nil
	}
	pt.url = strings.TrimSuffix(u.String(), "/")
	return pt, nil
}

// listenMetrics opens the /metrics server's listener on addr.
func listenMetrics(addr string) (net.Listener, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("metrics: listen address %q is not HOST:PORT (%v): use e.g. 127.0.0.1:9464, or 127.0.0.1:0 for a free port", addr, err)
	}
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("metrics: listen address %s is already in use (by another latbench or exporter?): pick another port, or port 0 (e.g. 127.0.0.1:0) to let the system choose a free one: %w", addr, err)
	case err != nil:
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	return ln, nil
}

// validateSecond checks that s can be exported: a run and a cell to
// group it by, UTF-8 labels, no negative counts or durations, and
// percentiles between 0 and 100.
func validateSecond(s Second) error {
	if s.Run == "" || s.Cell == "" {
		return fmt.Errorf("metrics: interval of cell %q of run %q: run and cell must not be empty", s.Cell, s.Run)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("metrics: interval of cell %q of run %q: %s", s.Cell, s.Run, fmt.Sprintf(format, args...))
	}
	for _, v := range []string{s.Run, s.Cell, s.Target, s.Scenario, s.Load} {
		if !utf8.ValidString(v) {
			return bad("label %q is not valid UTF-8", v)
		}
	}
	if s.Completed < 0 {
		return bad("completed count %d is negative", s.Completed)
	}
	for class, n := range s.ErrorsByClass {
		switch {
		case class == "" || !utf8.ValidString(class):
			return bad("error class %q is empty or not valid UTF-8", class)
		case n < 0:
			return bad("error count %d of class %s is negative", n, class)
		}
	}
	if math.IsNaN(s.RatePerSec) || math.IsInf(s.RatePerSec, 0) || s.RatePerSec < 0 {
		return bad("rate %v per second is not a finite, non-negative number", s.RatePerSec)
	}
	if err := validateQuantiles(s.Latency); err != nil {
		return bad("latency: %v", err)
	}
	if err := validateQuantiles(s.ServiceTime); err != nil {
		return bad("service time: %v", err)
	}
	if s.TrimmedMean < 0 || s.StdDev < 0 {
		return bad("trimmed mean %v or std dev %v is negative", s.TrimmedMean, s.StdDev)
	}
	if math.IsInf(s.TargetCPUPct, 1) {
		return bad("target CPU is infinite")
	}
	return nil
}

// validateQuantiles checks that every key of m is a percentile (0–100)
// and every value non-negative.
func validateQuantiles(m map[float64]time.Duration) error {
	for p, d := range m {
		switch {
		case math.IsNaN(p) || p < 0 || p > 100:
			return fmt.Errorf("key %v is not a percentile between 0 and 100", p)
		case d < 0:
			return fmt.Errorf("p%v %v is negative", p, d)
		}
	}
	return nil
}
