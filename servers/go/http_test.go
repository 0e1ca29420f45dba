package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// httpConn is a raw client connection that sends hand-written requests
// and parses the responses.
type httpConn struct {
	t  *testing.T
	c  *net.TCPConn
	br *bufio.Reader
}

// dialHTTP opens an httpConn to addr.
func dialHTTP(t *testing.T, addr string) *httpConn {
	t.Helper()
	c := dial(t, addr)
	return &httpConn{t: t, c: c, br: bufio.NewReader(c)}
}

// send writes raw to the connection and returns the response, with its
// body read in full.
func (h *httpConn) send(raw string) (*http.Response, []byte) {
	h.t.Helper()
	if _, err := io.WriteString(h.c, raw); err != nil {
		h.t.Fatalf("write request: %v", err)
	}
	req := &http.Request{Method: strings.Fields(raw)[0]} // So HEAD has no body.
	resp, err := http.ReadResponse(h.br, req)
	if err != nil {
		h.t.Fatalf("read response to %q: %v", raw, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("read body of response to %q: %v", raw, err)
	}
	return resp, body
}

// get sends a keep-alive GET for path.
func (h *httpConn) get(path string) (*http.Response, []byte) {
	h.t.Helper()
	return h.send("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n")
}

// wantPattern returns n bytes where byte i is 'a' + i%26.
func wantPattern(n int) []byte {
	return bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), n/26+1)[:n]
}

func TestHTTPRoutes(t *testing.T) {
	s := startServer(t, serveHTTP)
	tests := []struct {
		name        string
		path        string
		wantStatus  int
		wantType    string
		wantBody    []byte // nil: do not check the body.
		wantBodyLen int    // -1: do not check Content-Length.
	}{
		{name: "zero bytes", path: "/bytes/0", wantStatus: 200,
			wantType: "application/octet-stream", wantBody: []byte{}, wantBodyLen: 0},
		{name: "10000 bytes", path: "/bytes/10000", wantStatus: 200,
			wantType: "application/octet-stream", wantBody: wantPattern(10000), wantBodyLen: 10000},
		{name: "pattern chunk boundary", path: "/bytes/" + strconv.Itoa(patternSize+27), wantStatus: 200,
			wantType: "application/octet-stream", wantBody: wantPattern(patternSize + 27), wantBodyLen: patternSize + 27},
		{name: "16 MiB", path: "/bytes/16777216", wantStatus: 200,
			wantType: "application/octet-stream", wantBody: wantPattern(16 << 20), wantBodyLen: 16 << 20},
		{name: "leading zeros", path: "/bytes/007", wantStatus: 200,
			wantType: "application/octet-stream", wantBody: wantPattern(7), wantBodyLen: 7},
		{name: "too big", path: "/bytes/16777217", wantStatus: 400, wantBodyLen: -1},
		{name: "huge", path: "/bytes/99999999999999999999999", wantStatus: 400, wantBodyLen: -1},
		{name: "not a number", path: "/bytes/abc", wantStatus: 400, wantBodyLen: -1},
		{name: "negative", path: "/bytes/-1", wantStatus: 400, wantBodyLen: -1},
		{name: "plus sign", path: "/bytes/+1", wantStatus: 400, wantBodyLen: -1},
		{name: "unknown path", path: "/nope", wantStatus: 404, wantBodyLen: -1},
		{name: "health", path: "/health", wantStatus: 200, wantBody: []byte("ok"), wantBodyLen: 2},
	}
	h := dialHTTP(t, s.addr) // One keep-alive connection for all cases.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.t = t
			resp, body := h.get(tt.path)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := resp.Header.Get("Content-Type"); tt.wantType != "" && got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if tt.wantBodyLen >= 0 && resp.ContentLength != int64(tt.wantBodyLen) {
				t.Errorf("Content-Length = %d, want %d", resp.ContentLength, tt.wantBodyLen)
			}
			if tt.wantBody != nil && !bytes.Equal(body, tt.wantBody) {
				t.Errorf("body (%d bytes) differs from the expected %d bytes", len(body), len(tt.wantBody))
			}
		})
	}
}

func TestHTTPHead(t *testing.T) {
	s := startServer(t, serveHTTP)
	h := dialHTTP(t, s.addr)
	resp, body := h.send("HEAD /bytes/123 HTTP/1.1\r\nHost: test\r\n\r\n")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Length") != "123" || len(body) != 0 {
		t.Errorf("HEAD = %d, Content-Length %q, %d body bytes; want 200, 123, 0",
			resp.StatusCode, resp.Header.Get("Content-Length"), len(body))
	}
	if resp, body := h.get("/health"); resp.StatusCode != 200 || string(body) != "ok" {
		t.Errorf("GET after HEAD = %d %q, want 200 ok", resp.StatusCode, body)
	}
}

func TestHTTPKeepAlive(t *testing.T) {
	s := startServer(t, serveHTTP)
	h := dialHTTP(t, s.addr)
	for i := range 1000 {
		n := i % 100
		resp, body := h.get(fmt.Sprintf("/bytes/%d", n))
		if resp.StatusCode != 200 || resp.Close || !bytes.Equal(body, wantPattern(n)) {
			t.Fatalf("request %d: status %d, close %v, %d body bytes; want 200, keep-alive, %d",
				i, resp.StatusCode, resp.Close, len(body), n)
		}
	}
}

func TestHTTPConnectionClose(t *testing.T) {
	s := startServer(t, serveHTTP)
	h := dialHTTP(t, s.addr)
	resp, body := h.send("GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
	if resp.StatusCode != 200 || string(body) != "ok" {
		t.Errorf("response = %d %q, want 200 ok", resp.StatusCode, body)
	}
	if !resp.Close {
		t.Error("response does not announce Connection: close")
	}
	expectClosed(t, h.c)
}

func TestHTTPMalformedRequest(t *testing.T) {
	s := startServer(t, serveHTTP)
	tests := []struct {
		name       string
		raw        string
		wantStatus int
	}{
		{name: "garbage request line", raw: "GARBAGE\r\n\r\n", wantStatus: 400},
		{name: "bad header", raw: "GET / HTTP/1.1\r\nHost: test\r\nno colon\r\n\r\n", wantStatus: 400},
		{name: "no host", raw: "GET / HTTP/1.1\r\n\r\n", wantStatus: 400},
		{name: "unsupported version", raw: "GET / HTTP/9.9\r\nHost: test\r\n\r\n", wantStatus: 505},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := dialHTTP(t, s.addr)
			resp, _ := h.send(tt.raw)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			expectClosed(t, h.c)
			if resp, body := dialHTTP(t, s.addr).get("/health"); resp.StatusCode != 200 || string(body) != "ok" {
				t.Errorf("next request = %d %q, want 200 ok", resp.StatusCode, body)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in     string
		want   int
		wantOK bool
	}{
		{in: "0", want: 0, wantOK: true},
		{in: "16777216", want: 16 << 20, wantOK: true},
		{in: "16777217"},
		{in: ""},
		{in: "1e3"},
		{in: "0x10"},
		{in: "1_000"},
		{in: " 1"},
		{in: "-0"},
	}
	for _, tt := range tests {
		got, ok := parseSize(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseSize(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}
