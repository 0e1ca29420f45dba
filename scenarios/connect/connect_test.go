package connect

import (
	"errors"
	"net"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/echo"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// echoServer is a TCP echo server on 127.0.0.1:0 that counts the
// connections it accepted.
type echoServer struct {
	ln       net.Listener
	silent   bool        // read but never answer
	mangle   atomic.Bool // answer with the first byte of each read flipped
	accepted atomic.Int64
	active   atomic.Int64 // connections the client has not closed yet
	wg       sync.WaitGroup
}

// startEchoServer starts an echoServer that stops at test cleanup. A
// silent server reads but never answers.
func startEchoServer(t *testing.T, silent bool) *echoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &echoServer{ln: ln, silent: silent}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

// serve accepts connections until the listener closes. Each connection is
// echoed until the client closes it, which the tests wait for.
func (s *echoServer) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.accepted.Add(1)
		s.active.Add(1)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.active.Add(-1)
			defer conn.Close()
			buf := make([]byte, 32<<10)
			for {
				n, err := conn.Read(buf)
				if n > 0 && s.mangle.Load() {
					buf[0] ^= 1
				}
				if n > 0 && !s.silent {
					conn.Write(buf[:n])
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// startHTTPServer starts a net/http server serving GET /bytes/N (any other
// path is 404) and returns its address and a count of the connections it
// opened.
func startHTTPServer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	mux := nethttp.NewServeMux()
	mux.HandleFunc("GET /bytes/{n}", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 0 || n > echo.MaxSize {
			w.WriteHeader(nethttp.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(echo.Payload(n))
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(_ net.Conn, state nethttp.ConnState) {
		if state == nethttp.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), &conns
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		want    map[string]string
		wantErr bool
	}{
		{name: "zero value", opts: Options{},
			want: map[string]string{"protocol": "echo", "size": "64", "keepalive": "false"}},
		{name: "echo size", opts: Options{Protocol: "echo", Size: 1000},
			want: map[string]string{"protocol": "echo", "size": "1000", "keepalive": "false"}},
		{name: "http default", opts: Options{Protocol: "http"},
			want: map[string]string{"protocol": "http", "size": "10000", "keepalive": "false", "path": "/bytes/10000"}},
		{name: "http size", opts: Options{Protocol: "http", Size: 64},
			want: map[string]string{"protocol": "http", "size": "64", "keepalive": "false", "path": "/bytes/64"}},
		{name: "unknown protocol", opts: Options{Protocol: "udp"}, wantErr: true},
		{name: "negative echo size", opts: Options{Size: -1}, wantErr: true},
		{name: "http size too large", opts: Options{Protocol: "http", Size: 16<<20 + 1}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := New(tt.opts)
			scenariotest.CheckNew(t, sc, err, tt.wantErr, "connect", tt.want)
		})
	}
}

// newSession returns a session of the connect scenario built through
// the public API.
func newSession(t *testing.T, opts Options) scenarios.Session {
	t.Helper()
	sc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return sc.NewSession()
}

// lengthResponse returns a 200 response with a Content-Length body of n
// bytes.
func lengthResponse(n int) []byte {
	return append([]byte("HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(n)+"\r\n\r\n"), echo.Payload(n)...)
}

func TestKeepOpen(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		resp []byte
	}{
		{name: "echo", opts: Options{Size: 100}, resp: echo.Payload(100)},
		{name: "http", opts: Options{Protocol: "http", Size: 100}, resp: lengthResponse(100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t, tt.opts)
			for i := 0; i < 3; i++ {
				s.Connected()
				if st := scenariotest.Feed(s, [][]byte{tt.resp}); st != scenarios.Success {
					t.Fatalf("request %d: status %+v (%v), want success", i, st, s.Err())
				}
				if s.KeepOpen() {
					t.Errorf("request %d: KeepOpen() = true, want false", i)
				}
			}
		})
	}
}

func TestRequestBytes(t *testing.T) {
	s := newSession(t, Options{Protocol: "http", Size: 64})
	want := "GET /bytes/64 HTTP/1.1\r\nHost: latbench\r\nUser-Agent: latbench\r\nConnection: close\r\n\r\n"
	if got := s.Request(0); string(got) != want {
		t.Errorf("Request() = %q, want %q", got, want)
	}
}

// run makes n requests with a fresh session that must all succeed, and
// returns how many connections it opened.
func run(t *testing.T, opts Options, addr string, n int) int {
	t.Helper()
	l := scenariotest.NewLoop(t, addr, newSession(t, opts))
	l.Run(t, n)
	return l.Dials()
}

func TestEchoConnectionPerRequest(t *testing.T) {
	srv := startEchoServer(t, false)
	if n := run(t, Options{Size: 100}, srv.ln.Addr().String(), 10); n != 10 {
		t.Errorf("%d connections for 10 requests, want 10", n)
	}
	if n := srv.accepted.Load(); n != 10 {
		t.Errorf("server accepted %d connections, want 10", n)
	}
	// Each connection's server side ends when the client closes it; a
	// connection left open would keep active above zero until the end.
	for end := time.Now().Add(10 * time.Second); srv.active.Load() > 0 && time.Now().Before(end); {
		time.Sleep(time.Millisecond)
	}
	if n := srv.active.Load(); n != 0 {
		t.Errorf("%d connections still open after the requests", n)
	}
}

func TestHTTPConnectionPerRequest(t *testing.T) {
	addr, conns := startHTTPServer(t)
	run(t, Options{Protocol: "http", Size: 500}, addr, 10)
	if n := conns.Load(); n != 10 {
		t.Errorf("server saw %d connections, want 10", n)
	}
}

func TestServerErrors(t *testing.T) {
	httpAddr, _ := startHTTPServer(t)
	silent := startEchoServer(t, true)
	mangler := startEchoServer(t, false)
	mangler.mangle.Store(true)
	tests := []struct {
		name        string
		opts        Options
		addr        string
		timeout     time.Duration
		want        scenarios.Status
		wantTimeout bool // the exchange ends with a timeout, which the engine classifies
	}{
		{name: "echo timeout", opts: Options{}, addr: silent.ln.Addr().String(), timeout: 50 * time.Millisecond,
			want: scenarios.InProgress, wantTimeout: true},
		{name: "http speaking to echo", opts: Options{Protocol: "http"}, addr: silent.ln.Addr().String(),
			timeout: 50 * time.Millisecond, want: scenarios.InProgress, wantTimeout: true},
		{name: "echo to a server that mangles bytes", opts: Options{Size: 200}, addr: mangler.ln.Addr().String(),
			want: scenarios.Failure(scenarios.ErrPayload)},
		{name: "http to an http server", opts: Options{Protocol: "http"}, addr: httpAddr,
			want: scenarios.Success},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			s := newSession(t, tt.opts)
			st, err := scenariotest.NewLoop(t, tt.addr, s).Exchange(time.Now().Add(timeout))
			if st != tt.want {
				t.Errorf("status = %+v (%v), want %+v", st, s.Err(), tt.want)
			}
			if timedOut := errors.Is(err, os.ErrDeadlineExceeded); timedOut != tt.wantTimeout || (err != nil && !timedOut) {
				t.Errorf("exchange error = %v, want a timeout: %v", err, tt.wantTimeout)
			}
		})
	}
}
