package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"strconv"
	"testing"
)

// proxyTo returns a serveFunc that relays to backend.
func proxyTo(backend string) serveFunc {
	return func(ctx context.Context, ln net.Listener) error {
		return serveProxy(ctx, ln, backend)
	}
}

func TestProxyToEcho(t *testing.T) {
	backend := startServer(t, serveEcho)
	proxy := startServer(t, proxyTo(backend.addr))
	testEchoRoundTrips(t, proxy.addr)
}

func TestProxyToHTTP(t *testing.T) {
	backend := startServer(t, serveHTTP)
	proxy := startServer(t, proxyTo(backend.addr))
	h := dialHTTP(t, proxy.addr)
	for _, n := range []int{0, 1, 10000, 1 << 20} {
		resp, body := h.get("/bytes/" + strconv.Itoa(n))
		if resp.StatusCode != 200 || !bytes.Equal(body, wantPattern(n)) {
			t.Fatalf("/bytes/%d through proxy: status %d, %d body bytes", n, resp.StatusCode, len(body))
		}
	}
	if resp, _ := h.get("/nope"); resp.StatusCode != 404 {
		t.Errorf("/nope through proxy: status %d, want 404", resp.StatusCode)
	}
}

// acceptOne listens on 127.0.0.1:0 and returns its address and a
// channel that receives the first accepted connection.
func acceptOne(t *testing.T) (string, <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan net.Conn, 1)
	go func() {
		defer ln.Close()
		if c, err := ln.Accept(); err == nil {
			ch <- c
		}
	}()
	return ln.Addr().String(), ch
}

func TestProxyClientCloseClosesBackend(t *testing.T) {
	backendAddr, accepted := acceptOne(t)
	proxy := startServer(t, proxyTo(backendAddr))
	client := dial(t, proxy.addr)
	if _, err := client.Write([]byte("ping")); err != nil {
		t.Fatalf("client write: %v", err)
	}
	backend := <-accepted
	t.Cleanup(func() { backend.Close() })
	backend.SetDeadline(deadline())
	buf := make([]byte, 4)
	if _, err := io.ReadFull(backend, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("backend read %q, %v; want ping", buf, err)
	}
	if _, err := backend.Write([]byte("pong")); err != nil {
		t.Fatalf("backend write: %v", err)
	}
	if _, err := io.ReadFull(client, buf); err != nil || string(buf) != "pong" {
		t.Fatalf("client read %q, %v; want pong", buf, err)
	}
	client.Close()
	expectClosed(t, backend)
}

func TestProxyBackendCloseClosesClient(t *testing.T) {
	backendAddr, accepted := acceptOne(t)
	proxy := startServer(t, proxyTo(backendAddr))
	client := dial(t, proxy.addr)
	backend := <-accepted
	backend.Close()
	expectClosed(t, client)
}

func TestProxyBackendDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	deadAddr := ln.Addr().String()
	ln.Close()
	proxy := startServer(t, proxyTo(deadAddr))
	expectClosed(t, dial(t, proxy.addr))
}
