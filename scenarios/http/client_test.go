package http

import (
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// mustClient builds a client through the public API and closes it at
// cleanup.
func mustClient(t testing.TB, opts Options, addr string) *client {
	t.Helper()
	sc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c := sc.NewClient(addr).(*client)
	t.Cleanup(func() { c.Close() })
	return c
}

// doN runs n requests that must all succeed.
func doN(t *testing.T, c scenarios.Client, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := c.Do(scenariotest.Deadline()); err != nil {
			t.Fatalf("Do #%d: %v", i, err)
		}
	}
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		want    map[string]string
		wantErr bool
	}{
		{name: "zero value", opts: Options{}, want: map[string]string{
			"path": "/bytes/10000", "size": "10000", "keepalive": "true", "reconnect_every": "0",
			"expect_status": "200", "expect_length": "10000"}},
		{name: "all set", opts: Options{Size: 64, NoKeepAlive: true, ReconnectEvery: 50, Host: "example.test", ExpectStatus: 204, ExpectLength: -1},
			want: map[string]string{"path": "/bytes/64", "size": "64", "keepalive": "false", "reconnect_every": "50",
				"host": "example.test", "expect_status": "204", "expect_length": "any"}},
		{name: "custom path", opts: Options{Path: "/health", Size: 5}, want: map[string]string{
			"path": "/health", "keepalive": "true", "reconnect_every": "0", "expect_status": "200", "expect_length": "any"}},
		{name: "custom path with length", opts: Options{Path: "/health", ExpectLength: 2}, want: map[string]string{
			"path": "/health", "keepalive": "true", "reconnect_every": "0", "expect_status": "200", "expect_length": "2"}},
		{name: "negative size", opts: Options{Size: -1}, wantErr: true},
		{name: "size above maximum", opts: Options{Size: MaxSize + 1}, wantErr: true},
		{name: "relative path", opts: Options{Path: "health"}, wantErr: true},
		{name: "path with space", opts: Options{Path: "/a b"}, wantErr: true},
		{name: "path with newline", opts: Options{Path: "/a\r\nX: y"}, wantErr: true},
		{name: "host with newline", opts: Options{Host: "a\nb"}, wantErr: true},
		{name: "negative reconnect", opts: Options{ReconnectEvery: -1}, wantErr: true},
		{name: "status too small", opts: Options{ExpectStatus: 99}, wantErr: true},
		{name: "status too large", opts: Options{ExpectStatus: 1000}, wantErr: true},
		{name: "length below -1", opts: Options{ExpectLength: -2}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := New(tt.opts)
			scenariotest.CheckNew(t, sc, err, tt.wantErr, "http", tt.want)
		})
	}
}

func TestRequestBytes(t *testing.T) {
	c := mustClient(t, Options{Size: 64}, "127.0.0.1:8080")
	want := "GET /bytes/64 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: latbench\r\n\r\n"
	if string(c.req) != want {
		t.Errorf("request = %q, want %q", c.req, want)
	}
	c = mustClient(t, Options{Path: "/health", Host: "h.test", NoKeepAlive: true}, "127.0.0.1:8080")
	want = "GET /health HTTP/1.1\r\nHost: h.test\r\nUser-Agent: latbench\r\nConnection: close\r\n\r\n"
	if string(c.req) != want {
		t.Errorf("request = %q, want %q", c.req, want)
	}
}

func TestConnectionReuse(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		requests  int
		wantConns int64
	}{
		{name: "keep-alive", opts: Options{}, requests: 20, wantConns: 1},
		{name: "keep-alive chunked", opts: Options{Path: "/chunked/5000", ExpectLength: 5000}, requests: 10, wantConns: 1},
		{name: "reconnect every 3", opts: Options{ReconnectEvery: 3}, requests: 10, wantConns: 4},
		{name: "reconnect every 1", opts: Options{ReconnectEvery: 1}, requests: 5, wantConns: 5},
		{name: "no keep-alive", opts: Options{NoKeepAlive: true}, requests: 10, wantConns: 10},
		{name: "server closes", opts: Options{Path: "/close/100", ExpectLength: 100}, requests: 5, wantConns: 5},
		{name: "host header", opts: Options{Path: "/host/example.test", Host: "example.test"}, requests: 3, wantConns: 1},
		{name: "large body", opts: Options{Size: MaxSize}, requests: 2, wantConns: 1},
		{name: "empty body", opts: Options{Path: "/bytes/0"}, requests: 3, wantConns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startHTTPServer(t)
			c := mustClient(t, tt.opts, srv.Addr())
			doN(t, c, tt.requests)
			c.Close()
			if n := srv.conns.Load(); n != tt.wantConns {
				t.Errorf("server saw %d connections, want %d", n, tt.wantConns)
			}
		})
	}
}

func TestErrorClasses(t *testing.T) {
	closedAddr := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	httpAddr := func(t *testing.T) string { return startHTTPServer(t).Addr() }
	rawAddr := func(handle func(net.Conn)) func(t *testing.T) string {
		return func(t *testing.T) string { return startRawServer(t, handle).Addr() }
	}
	tests := []struct {
		name    string
		addr    func(t *testing.T) string
		opts    Options
		timeout time.Duration
		want    scenarios.ErrorClass
	}{
		{name: "refused", addr: closedAddr, want: scenarios.ErrConnect},
		{name: "not found", addr: httpAddr, opts: Options{Path: "/missing"}, want: scenarios.ErrStatus},
		{name: "bad request", addr: httpAddr, opts: Options{Path: "/bytes/x"}, want: scenarios.ErrStatus},
		{name: "wrong length", addr: httpAddr, opts: Options{Path: "/bytes/10", ExpectLength: 11}, want: scenarios.ErrPayload},
		{name: "wrong chunked length", addr: httpAddr, opts: Options{Path: "/chunked/3000", ExpectLength: 2999}, want: scenarios.ErrPayload},
		{name: "unexpected status", addr: httpAddr, opts: Options{Size: 10, ExpectStatus: 204}, want: scenarios.ErrStatus},
		{name: "closed mid-body",
			addr: rawAddr(onceHandler("HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\nabcdefghij")),
			want: scenarios.ErrShortRead},
		{name: "closed mid-chunk",
			addr: rawAddr(onceHandler("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\nabc")),
			want: scenarios.ErrShortRead},
		{name: "closed before answering", addr: rawAddr(onceHandler("")), want: scenarios.ErrShortRead},
		{name: "malformed", addr: rawAddr(onceHandler("SSH-2.0-OpenSSH\r\n")), want: scenarios.ErrOther},
		{name: "never answers", addr: rawAddr(silentHandler), timeout: 50 * time.Millisecond, want: scenarios.ErrTimeout},
		{name: "stalls mid-body",
			addr:    rawAddr(cannedHandler("HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\nabc")),
			timeout: 50 * time.Millisecond, want: scenarios.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustClient(t, tt.opts, tt.addr(t))
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			err := c.Do(time.Now().Add(timeout))
			if got := scenarios.Classify(err); got != tt.want {
				t.Fatalf("Do() = %v, class %v, want class %v", err, got, tt.want)
			}
			if c.conn != nil {
				t.Error("connection still open after an error")
			}
		})
	}
}

func TestReconnectsAfterError(t *testing.T) {
	srv := startHTTPServer(t)
	c := mustClient(t, Options{Path: "/missing"}, srv.Addr())
	for i := 0; i < 3; i++ {
		if err := c.Do(scenariotest.Deadline()); err != errStatus {
			t.Fatalf("Do #%d = %v, want %v", i, err, errStatus)
		}
	}
	if n := srv.conns.Load(); n != 3 {
		t.Errorf("server saw %d connections, want 3", n)
	}
}

func TestNoLengthBody(t *testing.T) {
	srv := startRawServer(t, onceHandler("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n0123456789"))
	c := mustClient(t, Options{Path: "/x", ExpectLength: 10}, srv.Addr())
	doN(t, c, 3)
	if c.conn != nil {
		t.Error("connection kept after a body read to the end")
	}
	if n := srv.Accepted(); n != 3 {
		t.Errorf("server accepted %d connections, want 3", n)
	}
}

func TestCloseTwice(t *testing.T) {
	srv := startHTTPServer(t)
	c := mustClient(t, Options{Size: 10}, srv.Addr())
	if err := c.Close(); err != nil {
		t.Errorf("Close before connecting: %v", err)
	}
	doN(t, c, 1)
	if err := c.Close(); err != nil {
		t.Errorf("first Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	doN(t, c, 1)
}

// allocCases are the canned responses allocation tests and benchmarks use.
var allocCases = []struct {
	name string
	opts Options
	resp string
}{
	{name: "length-2", opts: Options{Path: "/health", ExpectLength: 2}, resp: lengthResponse(2)},
	{name: "length-10000", opts: Options{}, resp: lengthResponse(10000)},
	{name: "length-1MiB", opts: Options{Size: 1 << 20}, resp: lengthResponse(1 << 20)},
	{name: "chunked-10000", opts: Options{}, resp: chunkedResponse(10000, 1000)},
}

func TestDoDoesNotAllocate(t *testing.T) {
	for _, tt := range allocCases {
		t.Run(tt.name, func(t *testing.T) {
			srv := startRawServer(t, cannedHandler(tt.resp))
			c := mustClient(t, tt.opts, srv.Addr())
			scenariotest.CheckZeroAllocs(t, c)
		})
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	for _, tt := range parseCases {
		t.Run(tt.name, func(t *testing.T) {
			r := strings.NewReader(tt.in)
			rr := newResponseReader(r)
			allocs := testing.AllocsPerRun(20, func() {
				r.Reset(tt.in)
				rr.reset(r)
				if _, err := rr.read(); err != tt.wantErr {
					t.Fatalf("read() error = %v, want %v", err, tt.wantErr)
				}
			})
			if allocs != 0 {
				t.Errorf("read() allocates %v times, want 0", allocs)
			}
		})
	}
}

func BenchmarkDo(b *testing.B) {
	for _, tt := range allocCases {
		b.Run(tt.name, func(b *testing.B) {
			srv := startRawServer(b, cannedHandler(tt.resp))
			c := mustClient(b, tt.opts, srv.Addr())
			dl := time.Now().Add(time.Hour)
			if err := c.Do(dl); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Do(dl); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
