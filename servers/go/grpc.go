//go:build !nogrpc

package main

// This file is the only one of the server that imports gRPC: a lean build
// can leave it out (with a build tag) and the rest of the server then
// refuses --mode grpc.

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/grpclog"

	echov1 "github.com/latbench/latbench/servers/proto/echov1"
)

// maxGRPCMessage is the largest request message the server accepts, the
// library's default (4 MiB), stated so that a change of the default does
// not change the contract: a larger one gets RESOURCE_EXHAUSTED.
const maxGRPCMessage = 4 << 20

func init() {
	serveGRPC = serveGRPCEcho
	// The contract allows one start line on stderr and no line per
	// request or connection; grpc-go would log some failures (a bad
	// handshake, a broken client) at its error level there.
	grpclog.SetLoggerV2(grpclog.NewLoggerV2(io.Discard, io.Discard, io.Discard))
}

// serveGRPCEcho serves latbench.echo.v1.Echo on ln until ctx is done:
// HTTP/2 with prior knowledge (h2c) when conf is nil, else TLS with conf
// and ALPN h2. At shutdown every connection gets a GOAWAY and running
// calls get shutdownGrace to finish before every connection is closed.
func serveGRPCEcho(ctx context.Context, ln net.Listener, conf *tls.Config) error {
	opts := []grpc.ServerOption{grpc.MaxRecvMsgSize(maxGRPCMessage)}
	if conf != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(withALPN(conf, "h2"))))
	}
	srv := grpc.NewServer(opts...)
	echov1.RegisterEchoServer(srv, echoService{})
	tl := newTrackedListener(ln)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(tl) }()
	select {
	case err := <-errc:
		tl.conns.closeAll()
		return err
	case <-ctx.Done():
	}
	stopGRPC(srv, tl.conns)
	return <-errc // nil once Stop or GracefulStop has run.
}

// stopGRPC stops srv gracefully for at most shutdownGrace, then closes
// conns, the connections of its listener, and stops it. Both Stop and
// GracefulStop wait for the connections still in their handshake (until
// the library's 120 s connection timeout); closing them ends that wait.
func stopGRPC(srv *grpc.Server, conns *connSet) {
	done := make(chan struct{})
	go func() {
		srv.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(shutdownGrace):
		conns.closeAll()
		srv.Stop()
		<-done
	}
}

// echoService answers each request with its own payload.
type echoService struct {
	echov1.UnimplementedEchoServer
}

// Unary answers req with its payload.
func (echoService) Unary(_ context.Context, req *echov1.EchoRequest) (*echov1.EchoReply, error) {
	return &echov1.EchoReply{Payload: req.GetPayload()}, nil
}

// Stream answers every message with its payload, in order, as soon as it
// arrives, and ends the call with OK when the client half-closes.
func (echoService) Stream(stream grpc.BidiStreamingServer[echov1.EchoRequest, echov1.EchoReply]) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := stream.Send(&echov1.EchoReply{Payload: req.GetPayload()}); err != nil {
			return err
		}
	}
}
