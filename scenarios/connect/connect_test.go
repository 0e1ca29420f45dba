package connect

import (
	"net"
	nethttp "net/http"
	"net/http/httptest"
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

// doN makes n requests with a fresh client that must all succeed.
func doN(t *testing.T, opts Options, addr string, n int) {
	t.Helper()
	sc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c := sc.NewClient(addr)
	defer c.Close()
	for i := 0; i < n; i++ {
		if err := c.Do(scenariotest.Deadline()); err != nil {
			t.Fatalf("Do #%d: %v", i, err)
		}
	}
}

func TestEchoConnectionPerRequest(t *testing.T) {
	srv := startEchoServer(t, false)
	doN(t, Options{Size: 100}, srv.ln.Addr().String(), 10)
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
	doN(t, Options{Protocol: "http", Size: 500}, addr, 10)
	if n := conns.Load(); n != 10 {
		t.Errorf("server saw %d connections, want 10", n)
	}
}

func TestErrorClasses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	httpAddr, _ := startHTTPServer(t)
	silent := startEchoServer(t, true)
	mangler := startEchoServer(t, false)
	mangler.mangle.Store(true)
	tests := []struct {
		name    string
		opts    Options
		addr    string
		timeout time.Duration
		want    scenarios.ErrorClass
	}{
		{name: "echo refused", opts: Options{}, addr: closed, want: scenarios.ErrConnect},
		{name: "http refused", opts: Options{Protocol: "http"}, addr: closed, want: scenarios.ErrConnect},
		{name: "echo timeout", opts: Options{}, addr: silent.ln.Addr().String(), timeout: 50 * time.Millisecond,
			want: scenarios.ErrTimeout},
		{name: "http speaking to echo", opts: Options{Protocol: "http"}, addr: silent.ln.Addr().String(),
			timeout: 50 * time.Millisecond, want: scenarios.ErrTimeout},
		{name: "echo to a server that mangles bytes", opts: Options{Size: 200}, addr: mangler.ln.Addr().String(),
			want: scenarios.ErrPayload},
		{name: "http to an http server", opts: Options{Protocol: "http"}, addr: httpAddr,
			want: scenarios.ErrNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			c := sc.NewClient(tt.addr)
			defer c.Close()
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			if err := c.Do(time.Now().Add(timeout)); scenarios.Classify(err) != tt.want {
				t.Errorf("Do() = %v, class %v, want class %v", err, scenarios.Classify(err), tt.want)
			}
		})
	}
}
