package engine

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/latbench/latbench/scenarios/catalog"
	echov1 "github.com/latbench/latbench/servers/proto/echov1"
)

// envBenchServer makes the test binary a server (echo or http) for the
// loop benchmarks, in a process of its own, so that its allocations do not
// count as the loop's.
const envBenchServer = "LATBENCH_BENCH_SERVER"

// httpBody is the body the benchmark's http server answers with.
const httpBody = 10000

// BenchmarkLoop measures one request of each scenario through a real
// event loop (closed loop, 10 connections, one loop) against a server in
// another process. One op is one request: allocs/op must be 0, and
// allocs/req gives the exact share, the run's setup included. The
// interval log is set to one interval, as its once-a-second encoding
// (thousands of small allocations inside hdrhistogram-go) is no cost of
// a request.
func BenchmarkLoop(b *testing.B) {
	tests := []struct {
		name   string
		server string
		spec   catalog.Spec
	}{
		{name: "echo", server: "echo", spec: catalog.Spec{Name: "echo", Size: 64}},
		{name: "http", server: "http", spec: catalog.Spec{Name: "http", Size: httpBody}},
		{name: "connect", server: "echo", spec: catalog.Spec{Name: "connect", Size: 64}},
		{name: "https", server: "https", spec: catalog.Spec{Name: "http", Size: httpBody, TLS: true}},
		{name: "h2", server: "h2c", spec: catalog.Spec{Name: "h2", Size: httpBody, Streams: 10}},
		{name: "grpc", server: "grpc", spec: catalog.Spec{Name: "grpc", Size: 64, Streams: 10}},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			addr := startServerProcess(b, tt.server)
			sc, err := catalog.New(tt.spec)
			if err != nil {
				b.Fatal(err)
			}
			var cfg *tls.Config
			if tt.spec.TLS {
				cfg = &tls.Config{InsecureSkipVerify: true} // the bench server's certificate is its own
			}
			opts, err := Options{Scenario: sc, Addrs: []string{addr}, Connections: 10, TLS: cfg,
				MaxRequests: int64(b.N), Timeout: DefaultTimeout, Every: time.Hour, Pacer: unlimitedPacer{}, Split: Whole()}.withDefaults()
			if err != nil {
				b.Fatal(err)
			}
			r, err := newRun(opts)
			if err != nil {
				b.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			res := r.execute(context.Background())
			b.StopTimer()
			runtime.ReadMemStats(&after)
			if res.Requests() != int64(b.N) {
				b.Fatalf("%d of %d requests succeeded: %v", res.Requests(), b.N, res.ErrorSamples)
			}
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N), "allocs/req")
		})
	}
}

// startServerProcess runs this test binary as a server of kind and
// returns its address; the server ends when the benchmark does.
func startServerProcess(b *testing.B, kind string) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envBenchServer+"="+kind)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close() // the server exits when its stdin closes
		_ = cmd.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("bench server: %v", err)
	}
	return strings.TrimSpace(addr)
}

// serveBench is the bench server's main: it prints its address, serves
// until stdin closes, and exits.
func serveBench(kind string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr())
	switch kind {
	case "h2c", "grpc":
		go serveMux(kind, ln)
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	case "https":
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{benchCert()}})
	}
	handle := echoConn
	if kind == "http" || kind == "https" {
		handle = httpConn
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// echoConn echoes until the client closes.
func echoConn(c net.Conn) {
	defer c.Close()
	_, _ = io.Copy(c, c)
}

// httpConn answers every request head with a 10,000-byte body.
func httpConn(c net.Conn) {
	defer c.Close()
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(httpBody) + "\r\n\r\n" + strings.Repeat("x", httpBody))
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		if len(bytes.TrimSpace(line)) == 0 {
			if _, err := c.Write(resp); err != nil {
				return
			}
		}
	}
}

// serveMux serves h2c GET /bytes/N, or the gRPC echo service, on ln.
func serveMux(kind string, ln net.Listener) {
	if kind == "grpc" {
		g := grpc.NewServer()
		echov1.RegisterEchoServer(g, echoService{})
		_ = g.Serve(ln)
		return
	}
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	body := make([]byte, httpBody)
	srv := &http.Server{Protocols: &protocols, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(httpBody))
		_, _ = w.Write(body)
	})}
	_ = srv.Serve(ln)
}

// benchCert makes a self-signed certificate for the https bench server.
func benchCert() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
