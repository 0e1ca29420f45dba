package grpc

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/h2/h2test"
	echov1 "github.com/latbench/latbench/servers/proto/echov1"
)

// echoService answers like the reference servers: each message with its
// payload. With fail set, every call ends with that error instead; with
// corrupt set, each reply's payload is changed by it; with endAfter set,
// a Stream call ends with endStatus on the message after endAfter
// echoes, without echoing it.
type echoService struct {
	echov1.UnimplementedEchoServer
	fail      error
	corrupt   func([]byte) []byte
	endAfter  int
	endStatus error
	calls     atomic.Int64 // Stream calls begun
}

// Unary answers req with its payload.
func (e *echoService) Unary(_ context.Context, req *echov1.EchoRequest) (*echov1.EchoReply, error) {
	if e.fail != nil {
		return nil, e.fail
	}
	return &echov1.EchoReply{Payload: e.reply(req.GetPayload())}, nil
}

// reply returns the payload of the reply to payload.
func (e *echoService) reply(payload []byte) []byte {
	if e.corrupt != nil {
		return e.corrupt(payload)
	}
	return payload
}

// Stream answers every message with its payload until the client ends
// its side or endAfter messages have been answered.
func (e *echoService) Stream(stream grpc.BidiStreamingServer[echov1.EchoRequest, echov1.EchoReply]) error {
	e.calls.Add(1)
	if e.fail != nil {
		return e.fail
	}
	for n := 0; ; n++ {
		req, err := stream.Recv()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		case e.endAfter > 0 && n == e.endAfter:
			return e.endStatus
		}
		if err := stream.Send(&echov1.EchoReply{Payload: e.reply(req.GetPayload())}); err != nil {
			return err
		}
	}
}

// startGRPC starts a gRPC server of svc on 127.0.0.1:0 and returns its
// address; it stops at test cleanup.
func startGRPC(t testing.TB, svc echov1.EchoServer) string {
	t.Helper()
	srv := grpc.NewServer()
	echov1.RegisterEchoServer(srv, svc)
	return serve(t, srv.Serve, srv.Stop)
}

// startTinyWindows starts svc behind net/http's HTTP/2 server (h2c),
// which gives each stream a receive window of 100 bytes only, and
// returns its address.
func startTinyWindows(t testing.TB, svc echov1.EchoServer) string {
	t.Helper()
	g := grpc.NewServer()
	echov1.RegisterEchoServer(g, svc)
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: g, Protocols: &protocols,
		HTTP2: &http.HTTP2Config{MaxReceiveBufferPerStream: 100, MaxReceiveBufferPerConnection: 65535}}
	return serve(t, srv.Serve, func() { srv.Close(); g.Stop() })
}

// serve runs a server's serve function on a listener on 127.0.0.1:0
// until test cleanup, which calls stop and waits for serve to return.
func serve(t testing.TB, run func(net.Listener) error, stop func()) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(ln)
	}()
	t.Cleanup(func() {
		stop()
		<-done
	})
	return ln.Addr().String()
}

func TestRealServer(t *testing.T) {
	flip := func(p []byte) []byte {
		p[len(p)/2] ^= 1
		return p
	}
	tests := []struct {
		name     string
		opts     Options
		start    func(testing.TB, echov1.EchoServer) string // startGRPC when nil
		svc      *echoService
		requests int
		want     scenarios.Status
		wantErr  string // in Err(0)
	}{
		{name: "unary", opts: Options{}, requests: 50, want: scenarios.Success},
		{name: "unary, one byte", opts: Options{Size: 1, Streams: 2}, requests: 10, want: scenarios.Success},
		{name: "unary, 100 KiB", opts: Options{Size: 100 << 10, Streams: 4}, requests: 12, want: scenarios.Success},
		{name: "unary, 1 MiB", opts: Options{Size: 1 << 20, Streams: 3}, requests: 6, want: scenarios.Success},
		{name: "stream", opts: Options{Method: "stream"}, requests: 50, want: scenarios.Success},
		{name: "stream, 100 KiB", opts: Options{Method: "stream", Size: 100 << 10, Streams: 4}, requests: 12, want: scenarios.Success},
		{name: "stream, 1 MiB", opts: Options{Method: "stream", Size: 1 << 20, Streams: 2}, requests: 6, want: scenarios.Success},
		{name: "unary, tiny windows", opts: Options{Size: 10000, Streams: 3}, start: startTinyWindows, requests: 9,
			want: scenarios.Success},
		{name: "stream, tiny windows", opts: Options{Method: "stream", Size: 10000, Streams: 3}, start: startTinyWindows,
			requests: 9, want: scenarios.Success},
		{name: "unavailable", opts: Options{Streams: 2}, svc: &echoService{fail: status.Error(codes.Unavailable, "backend down")},
			requests: 4, want: scenarios.Failure(scenarios.ErrStatus), wantErr: "grpc: status UNAVAILABLE (14): backend down"},
		{name: "deadline exceeded", opts: Options{Streams: 2}, svc: &echoService{fail: status.Error(codes.DeadlineExceeded, "too slow")},
			requests: 4, want: scenarios.Failure(scenarios.ErrStatus), wantErr: "grpc: status DEADLINE_EXCEEDED (4): too slow"},
		{name: "stream unavailable", opts: Options{Method: "stream", Streams: 2},
			svc:      &echoService{fail: status.Error(codes.Unavailable, "draining")},
			requests: 4, want: scenarios.Failure(scenarios.ErrStatus), wantErr: "grpc: status UNAVAILABLE (14): draining"},
		{name: "message too large", opts: Options{Size: 5 << 20, Streams: 1}, requests: 2,
			want:    scenarios.Failure(scenarios.ErrStatus),
			wantErr: "grpc: status RESOURCE_EXHAUSTED (8): grpc: received message larger than max (5242885 vs. 4194304) (the request message of 5242890 bytes is likely above the server's message size limit)"},
		{name: "payload corrupted", opts: Options{Size: 1000, Streams: 2}, svc: &echoService{corrupt: flip}, requests: 4,
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: "grpc: reply message differs from the request's at byte 503 of 1003"},
		{name: "payload cut", opts: Options{Method: "stream", Size: 1000, Streams: 2},
			svc:      &echoService{corrupt: func(p []byte) []byte { return p[:999] }},
			requests: 4, want: scenarios.Failure(scenarios.ErrPayload), wantErr: "grpc: reply message of 1002 bytes, expected 1003"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, svc := tt.start, tt.svc
			if start == nil {
				start = startGRPC
			}
			if svc == nil {
				svc = &echoService{}
			}
			c := newConn(t, tt.opts)
			sc, _ := New(tt.opts)
			got := h2test.Dial(t, start(t, svc), c).Run(sc.Streams(), tt.requests)
			if got[tt.want] != tt.requests {
				t.Errorf("statuses %v, want %d × %+v (Err(0): %v)", got, tt.requests, tt.want, c.Err(0))
			}
			if err := c.Err(0); tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Errorf("Err(0) = %v,\nwant %s", err, tt.wantErr)
			}
			if !c.Usable() {
				t.Errorf("the connection is no longer usable: %v", c.Err(-1))
			}
		})
	}
}

func TestRealServerUnimplemented(t *testing.T) {
	srv := grpc.NewServer() // no service registered
	addr := serve(t, srv.Serve, srv.Stop)
	c := newConn(t, Options{Streams: 1})
	got := h2test.Dial(t, addr, c).Run(1, 2)
	if want := scenarios.Failure(scenarios.ErrStatus); got[want] != 2 {
		t.Errorf("statuses %v, want 2 × %+v", got, want)
	}
	if err := c.Err(0); err == nil || !strings.HasPrefix(err.Error(), "grpc: status UNIMPLEMENTED (12): unknown service latbench.echo.v1.Echo") {
		t.Errorf("Err(0) = %v", err)
	}
}

func TestRealServerEndsStreamMidway(t *testing.T) {
	tests := []struct {
		name      string
		endStatus error
		wantEnd   scenarios.Status // of the request whose message the server did not answer
		wantErr   string
	}{
		{name: "status OK", wantEnd: scenarios.Failure(scenarios.ErrShortRead),
			wantErr: "grpc: the server ended the Stream call with status OK before the reply"},
		{name: "aborted", endStatus: status.Error(codes.Aborted, "enough"), wantEnd: scenarios.Failure(scenarios.ErrStatus),
			wantErr: "grpc: status ABORTED (10): enough"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := &echoService{endAfter: 3, endStatus: tt.endStatus}
			c := newConn(t, Options{Method: "stream", Size: 100, Streams: 1})
			d := h2test.Dial(t, startGRPC(t, svc), c)
			for i := range 12 {
				want := scenarios.Success
				if i%4 == 3 {
					want = tt.wantEnd // every call answers 3 messages, then ends
				}
				if !d.Start(0, 0) {
					t.Fatalf("request %d did not start", i)
				}
				if got := d.Wait(1); len(got) != 1 || got[0].Status != want {
					t.Fatalf("request %d: ended %+v, want %+v (Err: %v)", i, got, want, c.Err(0))
				}
				if err := c.Err(0); want != scenarios.Success && (err == nil || err.Error() != tt.wantErr) {
					t.Errorf("request %d: Err(0) = %v, want %q", i, err, tt.wantErr)
				}
			}
			if n := svc.calls.Load(); n != 3 {
				t.Errorf("the server saw %d calls, want 3", n)
			}
		})
	}
}
