//go:build !nogrpc

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	echov1 "github.com/latbench/latbench/servers/proto/echov1"
)

// grpcTransports are the two ways the gRPC mode is served: h2c (certs
// nil) and TLS.
func grpcTransports(t *testing.T) []struct {
	name  string
	certs *testCerts
} {
	return []struct {
		name  string
		certs *testCerts
	}{
		{name: "h2c"},
		{name: "tls", certs: newTestCerts(t)},
	}
}

// startGRPC runs the gRPC mode in-process, over TLS when certs is not
// nil, and returns a client connection to it.
func startGRPC(t *testing.T, certs *testCerts) *grpc.ClientConn {
	t.Helper()
	var conf *tls.Config
	if certs != nil {
		conf = certs.serverConfig(t)
	}
	s := startServer(t, func(ctx context.Context, ln net.Listener) error { return serveGRPCEcho(ctx, ln, conf) })
	return grpcClientConn(t, s.addr, certs)
}

// grpcClientConn returns a client connection to addr, over TLS trusting
// certs when certs is not nil, closed when the test ends.
func grpcClientConn(t *testing.T, addr string, certs *testCerts) *grpc.ClientConn {
	t.Helper()
	creds := insecure.NewCredentials()
	if certs != nil {
		creds = credentials.NewTLS(certs.clientConfig())
	}
	cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

// grpcContext returns a context bounded by testTimeout.
func grpcContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func TestGRPCUnary(t *testing.T) {
	for _, tr := range grpcTransports(t) {
		t.Run(tr.name, func(t *testing.T) {
			client := echov1.NewEchoClient(startGRPC(t, tr.certs))
			tests := []struct {
				name     string
				size     int
				wantCode codes.Code
			}{
				{name: "empty", size: 0, wantCode: codes.OK},
				{name: "64 B", size: 64, wantCode: codes.OK},
				{name: "1 MiB", size: 1 << 20, wantCode: codes.OK},
				{name: "just under 4 MiB", size: maxGRPCMessage - 16, wantCode: codes.OK},
				{name: "over 4 MiB", size: maxGRPCMessage + 1, wantCode: codes.ResourceExhausted},
				{name: "after the refusal", size: 10, wantCode: codes.OK},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					payload := randomBytes(tt.size)
					reply, err := client.Unary(grpcContext(t), &echov1.EchoRequest{Payload: payload})
					if code := status.Code(err); code != tt.wantCode {
						t.Fatalf("Unary: %v; want code %v", err, tt.wantCode)
					}
					if err == nil && !bytes.Equal(reply.GetPayload(), payload) {
						t.Errorf("reply of %d bytes differs from the %d sent", len(reply.GetPayload()), len(payload))
					}
				})
			}
		})
	}
}

func TestGRPCStream(t *testing.T) {
	for _, tr := range grpcTransports(t) {
		t.Run(tr.name, func(t *testing.T) {
			client := echov1.NewEchoClient(startGRPC(t, tr.certs))
			stream, err := client.Stream(grpcContext(t))
			if err != nil {
				t.Fatal(err)
			}
			// One at a time: each answer must come before the next
			// message is sent, so the server cannot batch them.
			for i := range 100 {
				payload := randomBytes(i * 100)
				if err := stream.Send(&echov1.EchoRequest{Payload: payload}); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
				reply, err := stream.Recv()
				if err != nil {
					t.Fatalf("receive %d: %v", i, err)
				}
				if !bytes.Equal(reply.GetPayload(), payload) {
					t.Fatalf("reply %d has %d bytes, not the %d sent", i, len(reply.GetPayload()), len(payload))
				}
			}
			if err := stream.CloseSend(); err != nil {
				t.Fatal(err)
			}
			if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
				t.Errorf("after the client half-closed: %v, want the end of the stream with OK", err)
			}
		})
	}
}

func TestGRPCUnknownMethod(t *testing.T) {
	cc := startGRPC(t, nil)
	for _, method := range []string{"/latbench.echo.v1.Echo/Nope", "/latbench.echo.v1.Nope/Unary"} {
		err := cc.Invoke(grpcContext(t), method, &echov1.EchoRequest{}, &echov1.EchoReply{})
		if status.Code(err) != codes.Unimplemented {
			t.Errorf("%s: %v, want UNIMPLEMENTED", method, err)
		}
	}
}

func TestGRPCShutdown(t *testing.T) {
	for _, tr := range grpcTransports(t) {
		t.Run(tr.name, func(t *testing.T) {
			var conf *tls.Config
			if tr.certs != nil {
				conf = tr.certs.serverConfig(t)
			}
			s := startServer(t, func(ctx context.Context, ln net.Listener) error { return serveGRPCEcho(ctx, ln, conf) })
			silent := dial(t, s.addr) // Connected, but no preface and no handshake.
			cc := grpcClientConn(t, s.addr, tr.certs)
			stream, err := echov1.NewEchoClient(cc).Stream(grpcContext(t))
			if err != nil {
				t.Fatal(err)
			}
			if err := stream.Send(&echov1.EchoRequest{Payload: []byte("x")}); err != nil {
				t.Fatal(err)
			}
			if _, err := stream.Recv(); err != nil {
				t.Fatal(err)
			}
			s.stop(t) // It fails the test unless serving ends in time.
			// The h2c server may have sent its SETTINGS: read up to the end.
			if _, err := io.Copy(io.Discard, silent); err != nil && !isReset(err) {
				t.Errorf("a connection without a preface after shutdown: %v; want it closed", err)
			}
			if _, err := stream.Recv(); status.Code(err) != codes.Unavailable {
				t.Errorf("an open stream after shutdown: %v, want UNAVAILABLE", err)
			}
		})
	}
}
