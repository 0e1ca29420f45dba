package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"time"
)

// The blocking form (--io blocking): a fixed pool of worker goroutines,
// each locked to an OS thread of its own and serving one connection at a
// time. A locked goroutine that waits in a read, a write or a sleep holds
// its thread, so the pool behaves like a pool of N blocking threads: when
// all of them wait on a slow dependency, new connections queue. That is
// the honest Go equivalent of the thread-per-connection servers.

// acceptQueue is how many accepted connections may wait for a worker
// before the acceptor stops accepting (the kernel's backlog then holds
// the rest).
const acceptQueue = 1 << 16

// serveBlocking serves cfg.mode on ln with cfg.workers locked workers
// until ctx is done. It does not wait for the workers at the end: the
// process exits with them still blocked.
func serveBlocking(ctx context.Context, cfg config, ln net.Listener) error {
	queue := make(chan net.Conn, acceptQueue)
	handle := blockingHandler(cfg)
	for range cfg.workers {
		go lockedWorker(queue, handle)
	}
	errc := make(chan error, 1)
	go func() { errc <- acceptLoop(ln, func(c net.Conn) { queue <- c }) }()
	select {
	case <-ctx.Done():
		ln.Close()
		return nil
	case err := <-errc:
		return err
	}
}

// lockedWorker serves the connections of queue one at a time on a thread
// of its own.
func lockedWorker(queue <-chan net.Conn, handle func(net.Conn)) {
	runtime.LockOSThread()
	for c := range queue {
		handle(c)
		c.Close()
	}
}

// blockingHandler returns what a worker does with one connection.
func blockingHandler(cfg config) func(net.Conn) {
	switch cfg.mode {
	case "http":
		h := newHTTPHandler(waitThread)
		return func(c net.Conn) { serveHTTPConn(c, h) }
	case "proxy":
		back := make(chan relayPair, acceptQueue)
		for range cfg.workers {
			go lockedRelay(back)
		}
		d := &net.Dialer{Timeout: backendDialTimeout}
		return func(c net.Conn) { relayBlocking(c, cfg.backend, d, back) }
	}
	return echo
}

// relayPair is a proxied connection whose backend→client direction a
// relay worker copies.
type relayPair struct {
	client, upstream net.Conn
	done             chan struct{}
}

// relayBlocking relays one client connection: the worker dials the
// backend and copies client→backend itself, a worker of the second pool
// (back) copies backend→client. When either direction ends, both
// connections close.
func relayBlocking(client net.Conn, backend string, d *net.Dialer, back chan<- relayPair) {
	upstream, err := d.Dial("tcp", backend)
	if err != nil {
		return
	}
	p := relayPair{client: client, upstream: upstream, done: make(chan struct{})}
	back <- p
	io.Copy(upstream, client)
	client.Close()
	upstream.Close()
	<-p.done
}

// lockedRelay copies backend→client for the pairs of back, one at a
// time, on a thread of its own.
func lockedRelay(back <-chan relayPair) {
	runtime.LockOSThread()
	for p := range back {
		io.Copy(p.client, p.upstream)
		p.client.Close()
		p.upstream.Close()
		close(p.done)
	}
}

// serveHTTPConn answers the requests of one connection in order with h,
// until the client closes, asks to close, or sends a malformed request
// (400, then close).
func serveHTTPConn(c net.Conn, h http.Handler) {
	br := bufio.NewReader(c)
	bw := bufio.NewWriterSize(c, 64<<10)
	defer bw.Flush()
	for {
		_ = c.SetReadDeadline(time.Now().Add(idleTimeout))
		req, err := http.ReadRequest(br)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !isTimeout(err) {
				writeBadRequest(bw)
			}
			return
		}
		w := &blockingWriter{w: bw, req: req, header: http.Header{}}
		h.ServeHTTP(w, req)
		_, _ = io.Copy(io.Discard, req.Body)
		if w.finish() != nil || w.close {
			return
		}
		if br.Buffered() == 0 && bw.Flush() != nil {
			return // answers of pipelined requests go out together
		}
	}
}

// isTimeout reports whether err is a deadline that passed.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// writeBadRequest answers a request that does not parse.
func writeBadRequest(w *bufio.Writer) {
	const body = "malformed request\n"
	io.WriteString(w, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"+
		"Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
}

// blockingWriter is the http.ResponseWriter of the blocking form: it
// writes HTTP/1.1 straight to the connection. A response whose handler
// set Content-Length streams; any other is buffered and sent with its
// length.
type blockingWriter struct {
	w       *bufio.Writer
	req     *http.Request
	header  http.Header
	status  int
	wrote   bool   // the head is written
	body    []byte // the buffered body of a response without a length
	close   bool   // the connection closes after this response
	lengthy bool   // the handler set Content-Length
	err     error
}

func (w *blockingWriter) Header() http.Header { return w.header }

// WriteHeader records the status; the head goes out with the first body
// bytes of a response with a length, or at finish.
func (w *blockingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
		w.lengthy = w.header.Get("Content-Length") != ""
	}
}

// Write streams p, or buffers it while the length is unknown.
func (w *blockingWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if !w.lengthy {
		w.body = append(w.body, p...)
		return len(p), nil
	}
	w.writeHead()
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.w.Write(p)
	w.err = err
	return n, err
}

// finish completes the response.
func (w *blockingWriter) finish() error {
	w.WriteHeader(http.StatusOK)
	if !w.lengthy {
		w.header.Set("Content-Length", strconv.Itoa(len(w.body)))
	}
	w.writeHead()
	if !w.lengthy && w.err == nil && w.req.Method != http.MethodHead {
		_, w.err = w.w.Write(w.body)
	}
	return w.err
}

// writeHead writes the status line and headers once.
func (w *blockingWriter) writeHead() {
	if w.wrote || w.err != nil {
		return
	}
	w.wrote = true
	w.close = w.req.Close
	if w.close {
		w.header.Set("Connection", "close")
	}
	w.header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	if _, err := io.WriteString(w.w, "HTTP/1.1 "+strconv.Itoa(w.status)+" "+http.StatusText(w.status)+"\r\n"); err != nil {
		w.err = err
		return
	}
	w.err = w.header.Write(w.w)
	if w.err == nil {
		_, w.err = io.WriteString(w.w, "\r\n")
	}
}
