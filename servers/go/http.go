package main

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"time"
)

// HTTP server limits and timeouts.
const (
	// maxBytes is the largest body /bytes/N serves (16 MiB).
	maxBytes = 16 << 20
	// patternSize is the length of the precomputed body pattern: a
	// whole number of alphabets (26 × 2521 = 65546 bytes), so every
	// slice of it that starts at 0 continues the pattern of the previous
	// chunk.
	patternSize = 26 * 2521
	// readHeaderTimeout bounds how long a client may take to send the
	// request headers.
	readHeaderTimeout = 10 * time.Second
	// idleTimeout closes keep-alive connections idle for this long.
	idleTimeout = 2 * time.Minute
	// shutdownGrace is how long in-flight requests may finish at
	// shutdown before their connections are closed.
	shutdownGrace = 100 * time.Millisecond
)

// serveHTTP runs the HTTP server on plain TCP on ln until ctx is done:
// HTTP/1.1, and HTTP/2 with prior knowledge (h2c) on a connection that
// starts with the HTTP/2 preface (h2c.go). At shutdown it stops
// accepting, gives in-flight requests shutdownGrace to finish (HTTP/2
// connections get a GOAWAY) and closes every connection before returning
// nil.
func serveHTTP(ctx context.Context, ln net.Listener) error {
	h1 := newHTTPServer(protocols((*http.Protocols).SetHTTP1))
	h2c := newHTTPServer(protocols((*http.Protocols).SetUnencryptedHTTP2))
	return serveH2CMux(ctx, ln, h1, h2c)
}

// serveHTTPS returns the HTTP server over TLS with conf: ALPN offers h2
// and http/1.1 and the server speaks the one negotiated; a client that
// offers no ALPN gets HTTP/1.1. Shutdown is as serveHTTP's.
func serveHTTPS(conf *tls.Config) func(ctx context.Context, ln net.Listener) error {
	return func(ctx context.Context, ln net.Listener) error {
		srv := newHTTPServer(protocols((*http.Protocols).SetHTTP1, (*http.Protocols).SetHTTP2))
		srv.TLSConfig = withALPN(conf, "h2", "http/1.1")
		return serveUntilDone(ctx, srv, func() error { return srv.ServeTLS(ln, "", "") })
	}
}

// serveUntilDone runs serve, which serves with srv, until ctx is done or
// serve fails, then shuts srv down with shutdownHTTP. It returns serve's
// error unless that is http.ErrServerClosed.
func serveUntilDone(ctx context.Context, srv *http.Server, serve func() error) error {
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	select {
	case err := <-errc:
		srv.Close()
		return err
	case <-ctx.Done():
	}
	shutdownHTTP(srv)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// shutdownHTTP shuts srv down gracefully for at most shutdownGrace and
// then closes whatever connections are left. An HTTP/2 connection gets a
// GOAWAY at the start of the graceful part.
func shutdownHTTP(srv *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if srv.Shutdown(ctx) != nil {
		srv.Close()
	}
}

// maxConcurrentStreams is the HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS the
// server announces; the contract asks for at least 100.
const maxConcurrentStreams = 250

// protocols returns the set of HTTP protocols that the setters turn on,
// e.g. protocols((*http.Protocols).SetHTTP1).
func protocols(set ...func(*http.Protocols, bool)) *http.Protocols {
	p := new(http.Protocols)
	for _, f := range set {
		f(p, true)
	}
	return p
}

// newHTTPServer returns the configured, not yet serving, http.Server for
// the protocols p.
func newHTTPServer(p *http.Protocols) *http.Server {
	return &http.Server{
		Handler:           newHTTPHandler(waitTimer),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          log.New(io.Discard, "", 0),
		Protocols:         p,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: maxConcurrentStreams},
	}
}

// newHTTPHandler returns the routes of the HTTP mode: GET /bytes/{n},
// GET /delay/{d}/bytes/{n} (which waits with wait) and GET /health.
// Anything else is answered by http.ServeMux (404, or 405 for a known
// path with another method). The routes are the same over HTTP/1.1 and
// HTTP/2.
func newHTTPHandler(wait func(*http.Request, time.Duration)) http.Handler {
	b := &bytesHandler{pattern: newPattern(patternSize)}
	mux := http.NewServeMux()
	mux.Handle("GET /bytes/{n}", b)
	mux.Handle("GET /delay/{d}/bytes/{n}", &delayHandler{bytes: b, wait: wait})
	mux.HandleFunc("GET /health", serveHealth)
	return mux
}

// maxDelay is the longest delay /delay/D/bytes/N waits.
const maxDelay = 60 * time.Second

// delayHandler serves GET /delay/{d}/bytes/{n}: /bytes/{n} after waiting
// d, the way the server's I/O form waits (wait).
type delayHandler struct {
	bytes *bytesHandler
	wait  func(r *http.Request, d time.Duration)
}

// ServeHTTP answers 400 at once for a bad d or n, else waits d and
// answers as /bytes/{n}.
func (h *delayHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d, ok := parseDelay(r.PathValue("d"))
	if !ok {
		http.Error(w, "delay must be a whole number of us, ms or s, at most 60s", http.StatusBadRequest)
		return
	}
	if _, ok := parseSize(r.PathValue("n")); !ok {
		h.bytes.ServeHTTP(w, r) // the 400 of a bad size, without the wait
		return
	}
	h.wait(r, d)
	h.bytes.ServeHTTP(w, r)
}

// waitTimer waits d on a runtime timer, the non-blocking way: the
// goroutine parks and no OS thread is held. A client that goes away ends
// the wait.
func waitTimer(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// waitThread waits d by blocking the calling thread, the way a blocking
// server waits on a slow dependency.
func waitThread(_ *http.Request, d time.Duration) { time.Sleep(d) }

// parseDelay parses a whole number followed by us, ms or s, up to
// maxDelay.
func parseDelay(s string) (time.Duration, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var unit time.Duration
	switch s[i:] {
	case "us":
		unit = time.Microsecond
	case "ms":
		unit = time.Millisecond
	case "s":
		unit = time.Second
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if i == 0 || unit == 0 || err != nil || n > int64(maxDelay/unit) {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

// newPattern returns n bytes where byte i is 'a' + i%26.
func newPattern(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	return p
}

// bytesHandler serves GET /bytes/{n}: n bytes of the alphabet pattern,
// written from a shared read-only buffer.
type bytesHandler struct {
	pattern []byte
}

// ServeHTTP answers 200 with the body, or 400 if n is not a decimal
// integer between 0 and maxBytes.
func (h *bytesHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, ok := parseSize(r.PathValue("n"))
	if !ok {
		http.Error(w, "size must be a decimal integer from 0 to 16777216", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(n))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	writePattern(w, h.pattern, n)
}

// parseSize parses s as a non-negative decimal integer of at most
// maxBytes.
func parseSize(s string) (int, bool) {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > maxBytes {
		return 0, false
	}
	return n, true
}

// writePattern writes the first n bytes of the endless alphabet
// pattern to w, in chunks of at most len(pattern), which must be a
// multiple of 26. It stops at the first write error.
func writePattern(w io.Writer, pattern []byte, n int) error {
	for n > 0 {
		k := min(n, len(pattern))
		if _, err := w.Write(pattern[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// serveHealth answers 200 with the body "ok".
func serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", "2")
	io.WriteString(w, "ok")
}
