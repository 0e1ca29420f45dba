package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	echov1 "github.com/latbench/latbench/servers/proto/echov1"
)

// grpcMaxMessage is the request size limit of the contract: the
// libraries' default, 4 MiB.
const grpcMaxMessage = 4 << 20

// testGRPC checks --mode grpc over h2c, or over TLS with ALPN h2.
func (s *suite) testGRPC(t *testing.T, overTLS bool) {
	var extra []string
	creds := insecure.NewCredentials()
	if overTLS {
		certs := newTestCerts(t)
		extra = certs.args()
		creds = credentials.NewTLS(certs.clientConfig())
	}
	addr := s.startWith(t, "grpc", extra...).Addr()
	cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	client := echov1.NewEchoClient(cc)
	t.Run("unary", func(t *testing.T) { checkUnary(t, client) })
	t.Run("stream one message at a time", func(t *testing.T) { checkStream(t, client, false) })
	t.Run("stream 100 messages pipelined", func(t *testing.T) { checkStream(t, client, true) })
	t.Run("a request over 4 MiB gets RESOURCE_EXHAUSTED", func(t *testing.T) { checkTooLarge(t, client) })
	t.Run("an unknown method gets UNIMPLEMENTED", func(t *testing.T) { checkUnimplemented(t, cc) })
	t.Run("100 concurrent calls", func(t *testing.T) { checkConcurrentCalls(t, client) })
}

// grpcContext returns a context bounded by ioTimeout.
func grpcContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	t.Cleanup(cancel)
	return ctx
}

// checkUnary echoes payloads of many sizes, up to just under the limit.
func checkUnary(t *testing.T, client echov1.EchoClient) {
	tests := []struct {
		name string
		size int
	}{
		{name: "empty", size: 0},
		{name: "1 B", size: 1},
		{name: "64 B", size: 64},
		{name: "64 KiB", size: 64 << 10},
		{name: "1 MiB", size: 1 << 20},
		// The message's own bytes (a tag and a length) must fit too.
		{name: "4 MiB less 16 B", size: grpcMaxMessage - 16},
	}
	for i, tt := range tests {
		payload := message(tt.size, i)
		reply, err := client.Unary(grpcContext(t), &echov1.EchoRequest{Payload: payload})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if err := samePayload(reply.GetPayload(), payload); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// checkStream sends 100 messages of different sizes on one Stream call
// and checks that each comes back, in order. One at a time, each answer
// must come before the next message is sent (the server does not wait
// for more); pipelined, all are sent, then the client half-closes.
// Either way the call ends with OK.
func checkStream(t *testing.T, client echov1.EchoClient, pipelined bool) {
	const messages = 100
	stream, err := client.Stream(grpcContext(t))
	if err != nil {
		t.Fatal(err)
	}
	payload := func(i int) []byte { return message(i*97%2000, i) }
	for i := range messages {
		if err := stream.Send(&echov1.EchoRequest{Payload: payload(i)}); err != nil {
			t.Fatalf("send message %d: %v", i, err)
		}
		if pipelined {
			continue
		}
		if err := recvPayload(stream, payload(i)); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if pipelined {
		for i := range messages {
			if err := recvPayload(stream, payload(i)); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the client half-closed: %v, want the end of the call with OK", err)
	}
}

// recvPayload receives one reply of stream and compares its payload.
func recvPayload(stream grpc.BidiStreamingClient[echov1.EchoRequest, echov1.EchoReply], want []byte) error {
	reply, err := stream.Recv()
	if err != nil {
		return err
	}
	return samePayload(reply.GetPayload(), want)
}

// checkTooLarge sends a request one byte over the limit, expects
// RESOURCE_EXHAUSTED, and then a good call on the same connection.
func checkTooLarge(t *testing.T, client echov1.EchoClient) {
	_, err := client.Unary(grpcContext(t), &echov1.EchoRequest{Payload: make([]byte, grpcMaxMessage+1)})
	if code := status.Code(err); code != codes.ResourceExhausted {
		t.Errorf("a payload of 4 MiB + 1: %v; want RESOURCE_EXHAUSTED", err)
	}
	payload := message(100, 3)
	reply, err := client.Unary(grpcContext(t), &echov1.EchoRequest{Payload: payload})
	if err == nil {
		err = samePayload(reply.GetPayload(), payload)
	}
	if err != nil {
		t.Errorf("a good call after it: %v", err)
	}
}

// checkUnimplemented calls a method and a service that do not exist.
func checkUnimplemented(t *testing.T, cc *grpc.ClientConn) {
	for _, method := range []string{"/latbench.echo.v1.Echo/Nope", "/latbench.echo.v1.Nope/Unary"} {
		err := cc.Invoke(grpcContext(t), method, &echov1.EchoRequest{Payload: []byte("x")}, &echov1.EchoReply{})
		if code := status.Code(err); code != codes.Unimplemented {
			t.Errorf("%s: %v; want UNIMPLEMENTED", method, err)
		}
	}
}

// checkConcurrentCalls makes 100 Unary calls at once on one connection.
func checkConcurrentCalls(t *testing.T, client echov1.EchoClient) {
	errs := make([]error, 100)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() {
			payload := message(1000, i)
			reply, err := client.Unary(grpcContext(t), &echov1.EchoRequest{Payload: payload})
			if err == nil {
				err = samePayload(reply.GetPayload(), payload)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
}

// samePayload compares a reply's payload with the request's.
func samePayload(got, want []byte) error {
	if bytes.Equal(got, want) {
		return nil
	}
	if len(got) != len(want) {
		return fmt.Errorf("reply of %d bytes, want the %d sent", len(got), len(want))
	}
	i := firstDiff(got, want)
	return fmt.Errorf("reply differs at byte %d: got %q, want %q", i, got[i], want[i])
}
