package engine

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"

	grpcsc "github.com/latbench/latbench/scenarios/grpc"
	"github.com/latbench/latbench/scenarios/h2"
	"github.com/latbench/latbench/scenarios/h2/h2test"
	"github.com/latbench/latbench/scenarios/scenariotest"
	echov1 "github.com/latbench/latbench/servers/proto/echov1"
)

// startH2C starts a net/http server speaking h2c with prior knowledge,
// configured by conf, that answers GET /bytes/N with N bytes after delay.
func startH2C(t testing.TB, conf *http.HTTP2Config, delay time.Duration) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bytes/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		time.Sleep(delay)
		w.Header().Set("Content-Length", strconv.Itoa(n))
		_, _ = w.Write(make([]byte, n))
	})
	return serveH2C(t, mux, conf)
}

// serveH2C serves handler over h2c with prior knowledge, configured by
// conf, on 127.0.0.1 until the test ends, and returns its address.
func serveH2C(t testing.TB, handler http.Handler, conf *http.HTTP2Config) string {
	t.Helper()
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: handler, Protocols: &protocols, HTTP2: conf}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return ln.Addr().String()
}

// Streams on a few connections carry every request of the schedule, each
// once, and the connection is told about flow control as it goes (64 KiB
// bodies, more than a default stream window).
func TestMuxRunCountsExactly(t *testing.T) {
	addr := startH2C(t, nil, 0)
	sc, err := h2.New(h2.Options{Size: 64 << 10, Streams: 4})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Options{Scenario: sc, Addrs: []string{addr}, Connections: 2,
		Pacer: uniformPacer{PerSecond: 1000}, Duration: 300 * time.Millisecond, Wait: WaitBlock})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors.Total() != 0 || res.Requests() != 300 || res.FellDue != 300 {
		t.Errorf("%d requests of %d due, errors %v; want all 300, none failed", res.Requests(), res.FellDue, res.ErrorSamples)
	}
}

// A server that takes one stream at a time: the requests beyond it wait
// for a stream, none fails, and the wait counts (from the due time).
func TestMuxStreamLimitOne(t *testing.T) {
	addr := startH2C(t, &http.HTTP2Config{MaxConcurrentStreams: 1}, 3*time.Millisecond)
	sc, err := h2.New(h2.Options{Size: 100, Streams: 8})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Options{Scenario: sc, Addrs: []string{addr}, Connections: 1,
		Pacer: uniformPacer{PerSecond: 600}, Duration: 300 * time.Millisecond, Wait: WaitBlock})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors.Total() != 0 || res.Requests() != res.FellDue || res.FellDue != 180 {
		t.Fatalf("%d requests of %d due, errors %v; want all 180, none failed", res.Requests(), res.FellDue, res.ErrorSamples)
	}
	// One stream serves at most one request per 3 ms, 333 a second: at 600
	// a second the last requests wait over 100 ms for it.
	if lag := time.Duration(res.Lag.ValueAtQuantile(99)); lag < 30*time.Millisecond {
		t.Errorf("lag p99 %v; want ≥ 30ms: requests waiting for the one stream", lag)
	}
}

// A server that sends GOAWAY after five streams on every connection: the
// requests it refused go out again on a new connection, none is lost or
// counted twice.
func TestMuxGoAwayReconnects(t *testing.T) {
	var conns atomic.Int64
	srv := scenariotest.Start(t, func(nc net.Conn) {
		conns.Add(1)
		if err := goAwayAfter(h2test.NewPeer(nc), 5); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("fake server: %v", err)
		}
	})
	sc, err := h2.New(h2.Options{Size: 10, Streams: 3})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Options{Scenario: sc, Addrs: []string{srv.Addr()}, Connections: 1, MaxRequests: 40})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests() != 40 || res.Errors.Total() != 0 || conns.Load() < 8 {
		t.Errorf("%d requests, errors %v, %d connections; want 40, none, at least 8 (five streams each)", res.Requests(), res.ErrorSamples, conns.Load())
	}
}

// goAwayAfter answers n requests, then sends GOAWAY naming the last one,
// and reads until the client closes.
func goAwayAfter(p *h2test.Peer, n int) error {
	if err := p.Handshake(); err != nil {
		return err
	}
	answered := 0
	for {
		f, err := p.Read()
		if err != nil {
			return nil
		}
		if f.Type != h2test.FrameHeaders || answered == n {
			continue
		}
		answered++
		body := make([]byte, 10)
		out := append(p.Headers(f.Stream, false, ":status", "200", "content-length", "10"), h2test.AppendData(nil, f.Stream, true, body)...)
		if answered == n {
			out = h2test.AppendUint32(out, h2test.FrameGoAway, 0, f.Stream, h2test.CodeNo)
		}
		if err := p.Write(out); err != nil {
			return err
		}
	}
}

// echoService is the gRPC echo service for engine tests.
type echoService struct {
	echov1.UnimplementedEchoServer
}

func (echoService) Unary(_ context.Context, r *echov1.EchoRequest) (*echov1.EchoReply, error) {
	return &echov1.EchoReply{Payload: r.Payload}, nil
}

func (echoService) Stream(s echov1.Echo_StreamServer) error {
	for {
		r, err := s.Recv()
		if err != nil {
			return nil
		}
		if err := s.Send(&echov1.EchoReply{Payload: r.Payload}); err != nil {
			return err
		}
	}
}

// gRPC calls whose 10,000-byte messages are far above the server's
// 100-byte stream window: flow control is honoured and every call
// succeeds, unary and streamed.
func TestMuxGRPCTinyWindow(t *testing.T) {
	g := grpc.NewServer()
	echov1.RegisterEchoServer(g, echoService{})
	t.Cleanup(g.Stop) // after the server's own cleanup, as cleanups run last first
	addr := serveH2C(t, g, &http.HTTP2Config{MaxReceiveBufferPerStream: 100, MaxReceiveBufferPerConnection: 65535})
	for _, method := range []string{"unary", "stream"} {
		t.Run(method, func(t *testing.T) {
			sc, err := grpcsc.New(grpcsc.Options{Method: method, Size: 10000, Streams: 3})
			if err != nil {
				t.Fatal(err)
			}
			res, err := Run(context.Background(), Options{Scenario: sc, Addrs: []string{addr}, Connections: 2, MaxRequests: 60})
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests() != 60 || res.Errors.Total() != 0 {
				t.Errorf("%d calls, errors %v; want 60, none failed", res.Requests(), res.ErrorSamples)
			}
		})
	}
}
