package echo

import (
	"net"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newClient builds a client through the public API.
func mustClient(t testing.TB, opts Options, addr string) scenarios.Client {
	t.Helper()
	sc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c := sc.NewClient(addr)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		wantSize string
		wantErr  bool
	}{
		{name: "zero value means default", opts: Options{}, wantSize: "64"},
		{name: "one byte", opts: Options{Size: 1}, wantSize: "1"},
		{name: "maximum", opts: Options{Size: MaxSize}, wantSize: strconv.Itoa(MaxSize)},
		{name: "negative", opts: Options{Size: -1}, wantErr: true},
		{name: "above maximum", opts: Options{Size: MaxSize + 1}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := New(tt.opts)
			scenariotest.CheckNew(t, sc, err, tt.wantErr, "echo", map[string]string{"size": tt.wantSize})
		})
	}
}

func TestPayload(t *testing.T) {
	p := Payload(30)
	if got, want := string(p), "abcdefghijklmnopqrstuvwxyzabcd"; got != want {
		t.Errorf("Payload(30) = %q, want %q", got, want)
	}
}

func TestDoSizes(t *testing.T) {
	srv := startServer(t, echoHandler)
	for _, size := range []int{1, 64, 1500, chunkSize, chunkSize + 1, 1 << 20, MaxSize} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			c := mustClient(t, Options{Size: size}, srv.Addr())
			for i := 0; i < 3; i++ {
				if err := c.Do(scenariotest.Deadline()); err != nil {
					t.Fatalf("Do #%d: %v", i, err)
				}
			}
		})
	}
}

func TestKeepsConnection(t *testing.T) {
	srv := startServer(t, echoHandler)
	c := mustClient(t, Options{}, srv.Addr())
	for i := 0; i < 20; i++ {
		if err := c.Do(scenariotest.Deadline()); err != nil {
			t.Fatalf("Do #%d: %v", i, err)
		}
	}
	if n := srv.Accepted(); n != 1 {
		t.Errorf("server accepted %d connections, want 1", n)
	}
}

func TestErrorClasses(t *testing.T) {
	closedAddr := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	tests := []struct {
		name     string
		addr     func(t *testing.T) string
		timeout  time.Duration
		want     scenarios.ErrorClass
		wantErr  error
		wantConn bool
	}{
		{
			name:    "refused",
			addr:    closedAddr,
			timeout: 10 * time.Second,
			want:    scenarios.ErrConnect,
		},
		{
			name:    "payload mismatch",
			addr:    func(t *testing.T) string { return startServer(t, corruptHandler).Addr() },
			timeout: 10 * time.Second,
			want:    scenarios.ErrPayload,
			wantErr: scenarios.ErrPayloadMismatch,
		},
		{
			name:    "short read",
			addr:    func(t *testing.T) string { return startServer(t, halfHandler(DefaultSize)).Addr() },
			timeout: 10 * time.Second,
			want:    scenarios.ErrShortRead,
			wantErr: scenarios.ErrShortResponse,
		},
		{
			name:    "timeout",
			addr:    func(t *testing.T) string { return startServer(t, silentHandler).Addr() },
			timeout: 50 * time.Millisecond,
			want:    scenarios.ErrTimeout,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustClient(t, Options{}, tt.addr(t)).(*client)
			err := c.Do(time.Now().Add(tt.timeout))
			if got := scenarios.Classify(err); got != tt.want {
				t.Fatalf("Do() = %v, class %v, want class %v", err, got, tt.want)
			}
			if tt.wantErr != nil && err != tt.wantErr {
				t.Errorf("Do() = %v, want the shared %v", err, tt.wantErr)
			}
			if c.conn != nil {
				t.Error("connection still open after an error")
			}
		})
	}
}

func TestReconnectsAfterError(t *testing.T) {
	srv := startServer(t, halfHandler(DefaultSize))
	c := mustClient(t, Options{}, srv.Addr())
	for i := 0; i < 3; i++ {
		if err := c.Do(scenariotest.Deadline()); scenarios.Classify(err) != scenarios.ErrShortRead {
			t.Fatalf("Do #%d = %v, want a short read", i, err)
		}
	}
	if n := srv.Accepted(); n != 3 {
		t.Errorf("server accepted %d connections, want 3", n)
	}
}

func TestCloseTwice(t *testing.T) {
	srv := startServer(t, echoHandler)
	c := mustClient(t, Options{}, srv.Addr())
	if err := c.Close(); err != nil {
		t.Errorf("Close before connecting: %v", err)
	}
	if err := c.Do(scenariotest.Deadline()); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("first Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := c.Do(scenariotest.Deadline()); err != nil {
		t.Fatalf("Do after Close: %v", err)
	}
}

func TestDoDoesNotAllocate(t *testing.T) {
	srv := startServer(t, echoHandler)
	for _, size := range []int{64, 1 << 20} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			c := mustClient(t, Options{Size: size}, srv.Addr())
			scenariotest.CheckZeroAllocs(t, c)
		})
	}
}

func BenchmarkDo(b *testing.B) {
	srv := startServer(b, echoHandler)
	for _, size := range []int{64, 16 << 10, 1 << 20} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			c := mustClient(b, Options{Size: size}, srv.Addr())
			dl := time.Now().Add(time.Hour)
			if err := c.Do(dl); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Do(dl); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
