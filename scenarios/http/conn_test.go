package http

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

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
		{name: "default host header", opts: Options{Path: "/host/latbench"}, requests: 3, wantConns: 1},
		{name: "host header", opts: Options{Path: "/host/example.test", Host: "example.test"}, requests: 3, wantConns: 1},
		{name: "large body", opts: Options{Size: MaxSize}, requests: 2, wantConns: 1},
		{name: "empty body", opts: Options{Path: "/bytes/0"}, requests: 3, wantConns: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startHTTPServer(t)
			l := scenariotest.NewLoop(t, srv.Addr(), newSession(t, tt.opts))
			l.Run(t, tt.requests)
			l.Close()
			if n := srv.conns.Load(); n != tt.wantConns {
				t.Errorf("server saw %d connections, want %d", n, tt.wantConns)
			}
		})
	}
}

func TestServerErrors(t *testing.T) {
	httpAddr := func(t *testing.T) string { return startHTTPServer(t).Addr() }
	rawAddr := func(handle func(net.Conn)) func(t *testing.T) string {
		return func(t *testing.T) string { return startRawServer(t, handle).Addr() }
	}
	tests := []struct {
		name        string
		addr        func(t *testing.T) string
		opts        Options
		timeout     time.Duration
		want        scenarios.Status
		wantErr     string // in the session's Err()
		wantTimeout bool   // the exchange ends with a timeout, which the engine classifies
	}{
		{name: "not found", addr: httpAddr, opts: Options{Path: "/missing"},
			want: scenarios.Failure(scenarios.ErrStatus), wantErr: "status 404, expected 200"},
		{name: "bad request", addr: httpAddr, opts: Options{Path: "/bytes/x"},
			want: scenarios.Failure(scenarios.ErrStatus), wantErr: "status 400, expected 200"},
		{name: "wrong length", addr: httpAddr, opts: Options{Path: "/bytes/10", ExpectLength: 11},
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: "body of 10 bytes, expected 11"},
		{name: "wrong chunked length", addr: httpAddr, opts: Options{Path: "/chunked/3000", ExpectLength: 2999},
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: "body of at least 3000 bytes, expected 2999"},
		{name: "unexpected status", addr: httpAddr, opts: Options{Size: 10, ExpectStatus: 204},
			want: scenarios.Failure(scenarios.ErrStatus), wantErr: "status 200, expected 204"},
		{name: "closed mid-body",
			addr: rawAddr(onceHandler("HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\nabcdefghij")),
			want: scenarios.Failure(scenarios.ErrShortRead)},
		{name: "closed mid-chunk",
			addr: rawAddr(onceHandler("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\nabc")),
			want: scenarios.Failure(scenarios.ErrShortRead)},
		{name: "closed before answering", addr: rawAddr(onceHandler("")),
			want: scenarios.Failure(scenarios.ErrShortRead)},
		{name: "malformed", addr: rawAddr(onceHandler("SSH-2.0-OpenSSH\r\n")),
			want: scenarios.Failure(scenarios.ErrOther), wantErr: "malformed status line"},
		{name: "never answers", addr: rawAddr(silentHandler), timeout: 50 * time.Millisecond,
			want: scenarios.InProgress, wantTimeout: true},
		{name: "stalls mid-body",
			addr:    rawAddr(cannedHandler("HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\nabc")),
			timeout: 50 * time.Millisecond, want: scenarios.InProgress, wantTimeout: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t, tt.opts)
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			st, err := scenariotest.NewLoop(t, tt.addr(t), s).Exchange(time.Now().Add(timeout))
			if st != tt.want {
				t.Errorf("status = %+v (%v), want %+v", st, s.Err(), tt.want)
			}
			if timedOut := errors.Is(err, os.ErrDeadlineExceeded); timedOut != tt.wantTimeout || (err != nil && !timedOut) {
				t.Errorf("exchange error = %v, want a timeout: %v", err, tt.wantTimeout)
			}
			if tt.wantErr != "" && (s.Err() == nil || !strings.Contains(s.Err().Error(), tt.wantErr)) {
				t.Errorf("Err() = %v, want it to contain %q", s.Err(), tt.wantErr)
			}
		})
	}
}

func TestReconnectsAfterError(t *testing.T) {
	srv := startHTTPServer(t)
	l := scenariotest.NewLoop(t, srv.Addr(), newSession(t, Options{Path: "/missing"}))
	for i := 0; i < 3; i++ {
		if st, err := l.Exchange(scenariotest.Deadline()); err != nil || st.Class != scenarios.ErrStatus {
			t.Fatalf("request %d: status %+v, error %v, want a status failure", i, st, err)
		}
	}
	if n := l.Dials(); n != 3 {
		t.Errorf("%d connections, want 3", n)
	}
	if n := srv.conns.Load(); n != 3 {
		t.Errorf("server saw %d connections, want 3", n)
	}
}

func TestNoLengthBody(t *testing.T) {
	srv := startRawServer(t, onceHandler("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n0123456789"))
	l := scenariotest.NewLoop(t, srv.Addr(), newSession(t, Options{Path: "/x", ExpectLength: 10}))
	l.Run(t, 3)
	if n := srv.Accepted(); n != 3 {
		t.Errorf("server accepted %d connections, want 3", n)
	}
}
