package servers

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// The relay forwards both ways and holds each answer back by the delay
// it was last told.
func TestRelayDelaysAnswers(t *testing.T) {
	backend, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Close()
	go func() {
		for {
			c, err := backend.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	listen, err := FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	control, tell := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- RunRelay(ctx, listen, backend.Addr().String(), control, io.Discard) }()
	defer func() {
		cancel()
		tell.Close()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	var c net.Conn
	for range 100 {
		if c, err = net.Dial("tcp", listen); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	roundTrip := func() time.Duration {
		start := time.Now()
		if _, err := c.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4)
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
			t.Fatalf("read %q, %v", buf, err)
		}
		return time.Since(start)
	}
	if d := roundTrip(); d > time.Second {
		t.Errorf("round trip without delay took %v", d)
	}
	if _, err := io.WriteString(tell, "delay 2s\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the control line is read on another goroutine
	if d := roundTrip(); d < 2*time.Second {
		t.Errorf("round trip with a 2s delay took %v", d)
	}
	if _, err := io.WriteString(tell, "delay 0s\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if d := roundTrip(); d > time.Second {
		t.Errorf("round trip after the delay ended took %v", d)
	}
}
