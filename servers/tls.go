package servers

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// This file holds what a launched target's listener speaks: plain TCP
// or TLS (StartSpec.TLS), and for the servers whose config latbench
// writes, HTTP/1.1 or HTTP/2 (StartSpec.Listener) and the ALPN protocols
// offered over TLS (StartSpec.ALPN).
//
// What each combination means for a client:
//
//   - A reference server (go, rust, java, python in the async form) takes
//     TLS through its manifest entry's `tls` arguments. Its plain
//     listener speaks HTTP/1.1 and h2c with prior knowledge at once; over
//     TLS it offers ALPN h2 and http/1.1 (h2 only in grpc mode). Listener
//     changes nothing on a command line and is not checked there: whether
//     a plain listener speaks h2c is the server's business (the blocking
//     forms do not). ALPN cannot be set.
//   - nginx (config nginx, mode http): ListenerHTTP1 speaks HTTP/1.1 only;
//     ListenerH2C speaks HTTP/2 with prior knowledge only (nginx 1.22 has
//     no HTTP/1.1 on such a listener); ListenerTLS speaks HTTPS with ALPN
//     h2 and http/1.1, or http/1.1 only when ALPN says so.
//   - HAProxy (config haproxy, mode proxy) relays bytes in TCP mode:
//     ListenerHTTP1 and ListenerH2C are the same plain relay, and the
//     client speaks whatever the backend does. ListenerTLS terminates TLS
//     and relays the plaintext: HAProxy does not translate between HTTP
//     versions in TCP mode, so its ALPN must name only what the backend
//     speaks in plain TCP. Its default is http/1.1 (nginx with an HTTP/1.1
//     listener, the study's backend); ALPN h2 needs a backend that speaks
//     h2c with prior knowledge (nginx with ListenerH2C, a reference server
//     in http or grpc mode), and h2 with http/1.1 a backend that speaks
//     both on one plain listener (a reference server in http mode).

// TLSFiles are the PEM files a launched target serves TLS with.
type TLSFiles struct {
	Cert string // the certificate (chain)
	Key  string // its private key
}

// The kinds of listener (StartSpec.Listener).
const (
	// ListenerHTTP1 is plain TCP; nginx speaks HTTP/1.1 on it. The
	// default without TLS.
	ListenerHTTP1 = "http1"
	// ListenerH2C is plain TCP; nginx speaks HTTP/2 with prior knowledge
	// on it, and only that.
	ListenerH2C = "h2c"
	// ListenerTLS is TLS with ALPN. The default, and the only kind, with
	// TLS files.
	ListenerTLS = "tls"
)

// Listeners returns the kinds of listener in a fixed order.
func Listeners() []string {
	return []string{ListenerHTTP1, ListenerH2C, ListenerTLS}
}

// The ALPN protocol IDs of StartSpec.ALPN.
const (
	ALPNH2    = "h2"
	ALPNHTTP1 = "http/1.1"
)

// listener returns the kind of the spec's listener, its defaults filled
// in.
func (spec StartSpec) listener() string {
	switch {
	case spec.Listener != "":
		return spec.Listener
	case spec.TLS != nil:
		return ListenerTLS
	}
	return ListenerHTTP1
}

// alpn returns the ALPN protocols a TLS listener of a written config
// offers: spec.ALPN, or the config's default (h2 and http/1.1 for nginx,
// http/1.1 for HAProxy, which relays without translating).
func (spec StartSpec) alpn() []string {
	switch {
	case len(spec.ALPN) > 0 || spec.listener() != ListenerTLS:
		return spec.ALPN
	case spec.Target.Config == ConfigHAProxy:
		return []string{ALPNHTTP1}
	}
	return []string{ALPNH2, ALPNHTTP1}
}

// checkListener checks that the target can serve the spec's listener,
// TLS files and ALPN protocols, before anything starts.
func (spec StartSpec) checkListener() error {
	t, kind := spec.Target, spec.listener()
	switch {
	case !slices.Contains(Listeners(), kind):
		return fmt.Errorf("target %s: unknown listener %q; valid: %s", t.Name, kind, strings.Join(Listeners(), ", "))
	case kind == ListenerTLS && spec.TLS == nil:
		return fmt.Errorf("target %s: a tls listener needs a certificate and key; pass TLS files (e.g. those of NewCA)", t.Name)
	case spec.TLS != nil && kind != ListenerTLS:
		return fmt.Errorf("target %s: listener %s is plain TCP, yet TLS files were given; use listener %s, or no TLS files", t.Name, kind, ListenerTLS)
	case len(spec.ALPN) > 0 && kind != ListenerTLS:
		return fmt.Errorf("target %s: ALPN %s is negotiated over TLS only, and listener %s is plain TCP", t.Name, strings.Join(spec.ALPN, ","), kind)
	case spec.TLS == nil:
		return nil
	}
	if err := t.tlsRefusal(spec.Mode); err != nil {
		return err
	}
	if err := t.checkALPN(spec.ALPN); err != nil {
		return err
	}
	return spec.TLS.check()
}

// tlsRefusal returns why t cannot serve TLS in mode, or nil when it can.
func (t *Target) tlsRefusal(mode string) error {
	switch {
	case t.External():
		return fmt.Errorf("target %s is not launched by latbench, so it cannot be given TLS files: it serves TLS with a certificate of its own or not at all", t.Name)
	case t.Config != "":
		return nil // latbench writes TLS into the config
	case len(t.TLS) == 0:
		return fmt.Errorf("target %s does not speak TLS: its manifest entry%s has no `tls` arguments that turn TLS on (the blocking I/O forms of the reference servers have none); pick a target that has them, or run without TLS",
			t.Name, t.where())
	case mode == ModeProxy:
		return fmt.Errorf("target %s takes no TLS in proxy mode: it relays bytes as they are (TLS in front of a backend is the haproxy target's)", t.Name)
	}
	return nil
}

// checkALPN checks the ALPN protocols asked of t's TLS listener.
func (t *Target) checkALPN(alpn []string) error {
	if len(alpn) == 0 {
		return nil
	}
	if t.Config == "" {
		return fmt.Errorf("target %s offers the ALPN protocols of its own server; ALPN can be set only for a config latbench writes (%s)",
			t.Name, strings.Join(ConfigKinds(), ", "))
	}
	for i, p := range alpn {
		switch {
		case p != ALPNH2 && p != ALPNHTTP1:
			return fmt.Errorf("target %s: unknown ALPN protocol %q; valid: %s, %s", t.Name, p, ALPNH2, ALPNHTTP1)
		case slices.Contains(alpn[:i], p):
			return fmt.Errorf("target %s: ALPN protocol %s is listed twice", t.Name, p)
		}
	}
	if t.Config == ConfigNginx && !slices.Contains(alpn, ALPNHTTP1) {
		return fmt.Errorf("target %s: nginx offers h2 only together with http/1.1; ALPN must be [h2 http/1.1] or [http/1.1]", t.Name)
	}
	return nil
}

// check reports a missing or unreadable file, naming it.
func (f *TLSFiles) check() error {
	for _, file := range []struct{ what, path string }{{"certificate", f.Cert}, {"key", f.Key}} {
		if file.path == "" {
			return fmt.Errorf("TLS %s file is missing: TLS needs both a certificate and its key", file.what)
		}
		r, err := os.Open(file.path)
		if err != nil {
			return fmt.Errorf("TLS %s file %s: %w", file.what, file.path, err)
		}
		r.Close()
	}
	return nil
}

// read returns the contents of the certificate and the key files.
func (f *TLSFiles) read() (cert, key []byte, err error) {
	if cert, err = os.ReadFile(f.Cert); err != nil {
		return nil, nil, err
	}
	if key, err = os.ReadFile(f.Key); err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// tlsProblems checks the target's `tls` arguments.
func (t *Target) tlsProblems(who string) []problem {
	if len(t.TLS) == 0 {
		return nil
	}
	var ps []problem
	add := func(format string, args ...any) {
		ps = append(ps, problem{"tls", who + fmt.Sprintf(format, args...)})
	}
	switch {
	case t.External():
		add(" has both `tls` and `address`; tls holds arguments of a command latbench launches")
	case t.Config != "":
		add(" has config %s, whose TLS latbench writes into the config; remove `tls`", t.Config)
	}
	for _, arg := range t.TLS {
		for _, ph := range unknownPlaceholders(arg, allPlaceholderNames()) {
			add(": unknown placeholder %s in tls; valid: %s", ph, strings.Join(allPlaceholderNames(), " "))
		}
	}
	for _, ph := range tlsPlaceholderNames() {
		if !slices.ContainsFunc(t.TLS, func(arg string) bool { return strings.Contains(arg, ph) }) {
			add(": tls has no %s; latbench passes the certificate and its key as two files, e.g. [\"--tls-cert\", \"{tls_cert}\", \"--tls-key\", \"{tls_key}\"]", ph)
		}
	}
	return ps
}
