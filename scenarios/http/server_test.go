package http

import (
	"github.com/latbench/latbench/scenarios/scenariotest"

	"bufio"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/latbench/latbench/scenarios/echo"
)

// httpServer is an httptest server that counts the connections it opened.
type httpServer struct {
	*httptest.Server
	conns atomic.Int64
}

// Addr returns the host:port the server listens on.
func (s *httpServer) Addr() string { return s.Listener.Addr().String() }

// startHTTPServer starts a net/http server on 127.0.0.1:0 serving
// /bytes/N (Content-Length), /chunked/N (chunked, several chunks),
// /close/N (Connection: close), /host/H (200 when the Host header is H,
// else 400); any other path is 404.
func startHTTPServer(t testing.TB) *httpServer {
	t.Helper()
	s := &httpServer{}
	mux := nethttp.NewServeMux()
	mux.HandleFunc("GET /bytes/{n}", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		body, ok := payload(w, r)
		if ok {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write(body)
		}
	})
	mux.HandleFunc("GET /chunked/{n}", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		body, ok := payload(w, r)
		for ok && len(body) > 0 {
			n := min(len(body), 1000)
			w.Write(body[:n])
			w.(nethttp.Flusher).Flush()
			body = body[n:]
		}
	})
	mux.HandleFunc("GET /close/{n}", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		body, ok := payload(w, r)
		if ok {
			w.Header().Set("Connection", "close")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write(body)
		}
	})
	mux.HandleFunc("GET /host/{h}", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if r.Host != r.PathValue("h") {
			w.WriteHeader(nethttp.StatusBadRequest)
		}
	})
	s.Server = httptest.NewUnstartedServer(mux)
	s.Config.ConnState = func(_ net.Conn, state nethttp.ConnState) {
		if state == nethttp.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// payload returns the body for the size in the path, or answers 400.
func payload(w nethttp.ResponseWriter, r *nethttp.Request) ([]byte, bool) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n > MaxSize {
		w.WriteHeader(nethttp.StatusBadRequest)
		return nil, false
	}
	return echo.Payload(n), true
}

// startRawServer starts a test server on 127.0.0.1:0 whose connections
// are served by handle. Its canned-response handlers do not allocate per
// request, so allocation counts measure the client alone.
func startRawServer(t testing.TB, handle func(net.Conn)) *scenariotest.Server {
	return scenariotest.Start(t, handle)
}

// readRequestHead reads one request head, up to its empty line.
func readRequestHead(br *bufio.Reader) bool {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return false
		}
		if len(line) <= 2 {
			return true
		}
	}
}

// cannedHandler answers every request on the connection with resp.
func cannedHandler(resp string) func(net.Conn) {
	b := []byte(resp)
	return func(conn net.Conn) {
		br := bufio.NewReader(conn)
		for readRequestHead(br) {
			if _, err := conn.Write(b); err != nil {
				return
			}
		}
	}
}

// onceHandler answers the first request with resp and closes.
func onceHandler(resp string) func(net.Conn) {
	return func(conn net.Conn) {
		if readRequestHead(bufio.NewReader(conn)) {
			conn.Write([]byte(resp))
		}
	}
}

// silentHandler reads requests and never answers.
func silentHandler(conn net.Conn) {
	br := bufio.NewReader(conn)
	for readRequestHead(br) {
	}
}

// lengthResponse returns a 200 response with a Content-Length body of n
// bytes.
func lengthResponse(n int) string {
	return "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
		strconv.Itoa(n) + "\r\n\r\n" + string(echo.Payload(n))
}

// chunkedResponse returns a 200 response whose body of n bytes is sent in
// chunks of at most chunk bytes.
func chunkedResponse(n, chunk int) string {
	var sb strings.Builder
	sb.WriteString("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
	body := echo.Payload(n)
	for len(body) > 0 {
		k := min(len(body), chunk)
		sb.WriteString(strconv.FormatInt(int64(k), 16) + "\r\n" + string(body[:k]) + "\r\n")
		body = body[k:]
	}
	sb.WriteString("0\r\n\r\n")
	return sb.String()
}
