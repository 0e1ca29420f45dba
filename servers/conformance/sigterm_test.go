package conformance

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/latbench/latbench/servers"
	echov1 "github.com/latbench/latbench/servers/proto/echov1"
)

// testSigterm checks that each mode exits 0 within sigtermBound of a
// SIGTERM to its main process, also with a client connection open.
func (s *suite) testSigterm(t *testing.T) {
	tests := []struct {
		mode string
	}{
		{mode: "echo"},
		{mode: "http"},
		{mode: "proxy"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			backend := ""
			if tt.mode == "proxy" {
				backend = newBackend(t).addr()
			}
			p := s.start(t, tt.mode, backend)
			c := dial(t, p.Addr())
			if err := echoOrGet(c, tt.mode); err != nil {
				t.Fatal(err)
			}
			checkSigtermExit(t, p)
		})
	}
}

// echoOrGet makes one exchange on c in the language of mode, so the
// server has a live connection when the signal comes.
func echoOrGet(c net.Conn, mode string) error {
	if mode == "http" {
		return getBytes(bufio.NewReader(c), c, 10, "")
	}
	return echoOnce(c, message(64, 0))
}

// checkSigtermExit sends SIGTERM to p's main process only and expects it
// to exit with status 0 in time, leaving no process of its group behind.
func checkSigtermExit(t *testing.T, p *servers.Process) {
	t.Helper()
	sent := time.Now()
	if err := syscall.Kill(p.Pid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Exited():
	case <-time.After(sigtermBound):
		t.Fatalf("still running %v after SIGTERM", sigtermBound)
	}
	if code := p.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0; its output: %q", code, p.Stderr())
	}
	t.Logf("exited %v after SIGTERM", time.Since(sent).Round(time.Millisecond))
	if err := p.Stop(time.Second); errors.Is(err, servers.ErrForceKilled) {
		t.Fatalf("processes of its group outlived it: %v", err)
	}
}

// testSigtermProtocols checks that the servers of part 2 of the contract
// exit 0 within sigtermBound of a SIGTERM with a client connected: a TLS
// echo connection, an HTTP/2 connection (h2 or h2c) and an open gRPC
// stream.
func (s *suite) testSigtermProtocols(t *testing.T) {
	certs := newTestCerts(t)
	tests := []struct {
		name    string
		mode    string
		tls     bool
		connect func(t *testing.T, addr string) // leaves a live client
	}{
		{name: "echo over TLS", mode: "echo", tls: true, connect: func(t *testing.T, addr string) {
			if err := echoOnce(dialTLS(t, addr, certs.clientConfig()), message(64, 0)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "http h2", mode: "http", tls: true, connect: func(t *testing.T, addr string) {
			var p http.Protocols
			p.SetHTTP2(true)
			if err := newHTTPConn(t, "https", addr, &p, certs.clientConfig(), false).getBytes(10, 2); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "http h2c", mode: "http", connect: func(t *testing.T, addr string) {
			var p http.Protocols
			p.SetUnencryptedHTTP2(true)
			if err := newHTTPConn(t, "http", addr, &p, nil, false).getBytes(10, 2); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "grpc h2c", mode: "grpc", connect: func(t *testing.T, addr string) {
			openStream(t, addr, insecure.NewCredentials())
		}},
		{name: "grpc over TLS", mode: "grpc", tls: true, connect: func(t *testing.T, addr string) {
			openStream(t, addr, credentials.NewTLS(certs.clientConfig()))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var extra []string
			if tt.tls {
				extra = certs.args()
			}
			p := s.startWith(t, tt.mode, extra...)
			tt.connect(t, p.Addr())
			checkSigtermExit(t, p)
		})
	}
}

// openStream opens a gRPC Stream call to addr, makes one exchange on it
// and leaves it open until the test ends.
func openStream(t *testing.T, addr string, creds credentials.TransportCredentials) {
	t.Helper()
	cc, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	stream, err := echov1.NewEchoClient(cc).Stream(grpcContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&echov1.EchoRequest{Payload: message(64, 0)}); err != nil {
		t.Fatal(err)
	}
	if err := recvPayload(stream, message(64, 0)); err != nil {
		t.Fatal(err)
	}
}
