package main

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"testing"
)

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 42))
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(r.Uint32())
	}
	return p
}

// roundTrip writes payload to c from a goroutine while reading the same
// number of bytes back, so large payloads cannot deadlock on full
// socket buffers, and returns what was read.
func roundTrip(t *testing.T, c net.Conn, payload []byte) []byte {
	t.Helper()
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(payload)
		werr <- err
	}()
	got := make([]byte, len(payload))
	_, rerr := io.ReadFull(c, got)
	if err := <-werr; err != nil {
		t.Fatalf("write %d bytes: %v", len(payload), err)
	}
	if rerr != nil {
		t.Fatalf("read %d bytes: %v", len(payload), rerr)
	}
	return got
}

// testEchoRoundTrips checks that payloads of several sizes come back
// unchanged through addr, and that the connection is closed once the
// client closes its side.
func testEchoRoundTrips(t *testing.T, addr string) {
	tests := []struct {
		name string
		size int
	}{
		{name: "1B", size: 1},
		{name: "64B", size: 64},
		{name: "16KiB", size: 16 << 10},
		{name: "1MiB", size: 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			payload := randomBytes(tt.size)
			for range 2 { // Twice, to show the connection stays usable.
				if got := roundTrip(t, c, payload); !bytes.Equal(got, payload) {
					t.Fatalf("echoed %d bytes differ from the %d sent", len(got), len(payload))
				}
			}
			if err := c.CloseWrite(); err != nil {
				t.Fatalf("close write: %v", err)
			}
			expectClosed(t, c)
		})
	}
}

func TestEcho(t *testing.T) {
	s := startServer(t, serveEcho)
	testEchoRoundTrips(t, s.addr)
}

func TestEchoManyConnections(t *testing.T) {
	s := startServer(t, serveEcho)
	conns := make([]net.Conn, 50)
	for i := range conns {
		conns[i] = dial(t, s.addr)
	}
	for i, c := range conns {
		payload := []byte{byte(i)}
		if got := roundTrip(t, c, payload); !bytes.Equal(got, payload) {
			t.Fatalf("conn %d echoed %q, want %q", i, got, payload)
		}
	}
}
