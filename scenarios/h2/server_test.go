package h2

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/echo"
	"github.com/latbench/latbench/scenarios/h2/h2test"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

// startH2C starts a net/http server speaking h2c with prior knowledge on
// 127.0.0.1:0, configured by conf, and returns its address. It serves
// GET /bytes/N (N bytes; with lie set, N+lie bytes and no
// content-length), /trailers/N (N bytes and a trailer) and /authority
// (200 when :authority is example.test, else 421); any other path is
// 404. It stops at test cleanup.
func startH2C(t testing.TB, conf *http.HTTP2Config, lie int) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bytes/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 0 || n > MaxSize {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if lie == 0 {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		w.Write(echo.Payload(n + lie))
	})
	mux.HandleFunc("GET /trailers/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		w.Header().Set("Trailer", "X-Checksum")
		w.Write(echo.Payload(n))
		w.Header().Set("X-Checksum", "none")
	})
	// The first request to /hold-first is answered after a second, so
	// that its stream is still open when the server reads the others.
	var held atomic.Bool
	mux.HandleFunc("GET /hold-first", func(w http.ResponseWriter, r *http.Request) {
		if held.CompareAndSwap(false, true) {
			time.Sleep(time.Second)
		}
	})
	mux.HandleFunc("GET /authority", func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "example.test" {
			w.WriteHeader(http.StatusMisdirectedRequest)
		}
	})
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: mux, Protocols: &protocols, HTTP2: conf}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String()
}

func TestRealServer(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		lie      int // the server's bodies are this much longer than asked for
		requests int
		want     scenarios.Status
		wantErr  string // in Err(0)
	}{
		{name: "defaults", opts: Options{}, requests: 50, want: scenarios.Success},
		{name: "one stream", opts: Options{Streams: 1}, requests: 10, want: scenarios.Success},
		{name: "1 MiB bodies", opts: Options{Size: 1 << 20, Streams: 4}, requests: 12, want: scenarios.Success},
		{name: "16 MiB bodies", opts: Options{Size: MaxSize, Streams: 2}, requests: 4, want: scenarios.Success},
		{name: "empty bodies", opts: Options{Path: "/bytes/0"}, requests: 20, want: scenarios.Success},
		{name: "trailers", opts: Options{Path: "/trailers/1000", Streams: 3}, requests: 10, want: scenarios.Success},
		{name: "authority", opts: Options{Path: "/authority", Authority: "example.test"}, requests: 3, want: scenarios.Success},
		{name: "not found", opts: Options{Path: "/missing"}, requests: 3,
			want: scenarios.Failure(scenarios.ErrStatus), wantErr: "h2: status 404, expected 200"},
		{name: "bad request", opts: Options{Path: "/bytes/x", Streams: 1}, requests: 3,
			want: scenarios.Failure(scenarios.ErrStatus), wantErr: "h2: status 400, expected 200"},
		{name: "short bodies", opts: Options{Streams: 2}, lie: -1, requests: 4,
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: "h2: body of 9999 bytes, expected 10000"},
		{name: "long bodies", opts: Options{Size: 100, Streams: 2}, lie: 1, requests: 4,
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: "h2: body of 101 bytes, expected 100"}, // net/http adds the content-length
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startH2C(t, nil, tt.lie)
			c := newConn(t, tt.opts)
			d := h2test.Dial(t, addr, c)
			got := d.Run(c.slotCount(), tt.requests)
			if got[tt.want] != tt.requests {
				t.Errorf("statuses %v, want %d × %+v (Err(0): %v)", got, tt.requests, tt.want, c.Err(0))
			}
			if err := c.Err(0); tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Errorf("Err(0) = %v, want %q", err, tt.wantErr)
			}
			if !c.Usable() {
				t.Errorf("the connection is no longer usable: %v", c.Err(-1))
			}
		})
	}
}

// slotCount returns the number of slots.
func (c *Conn) slotCount() int { return len(c.slots) }

func TestRealServerStreamLimit(t *testing.T) {
	addr := startH2C(t, &http.HTTP2Config{MaxConcurrentStreams: 1}, 0)
	c := newConn(t, Options{Size: 100, Streams: 4})
	d := h2test.Dial(t, addr, c)
	if !d.Start(0, 0) {
		t.Fatal("the first request did not start")
	}
	if got := d.Wait(1); len(got) != 1 || got[0].Status != scenarios.Success {
		t.Fatalf("first request: %+v", got)
	}
	// The server's SETTINGS came before its response.
	if !d.Start(0, 0) || d.Start(1, 0) {
		t.Fatal("Start did not accept exactly one request at a limit of 1")
	}
	if got := d.Wait(1); len(got) != 1 || got[0] != (h2test.Ended{Slot: 0, Status: scenarios.Success}) {
		t.Fatalf("second request: %+v", got)
	}
	if !d.Start(1, 0) {
		t.Fatal("Start refused a request once the stream had ended")
	}
	d.Wait(1)
	got := d.Run(4, 20)
	if got[scenarios.Success] != 20 {
		t.Errorf("statuses %v, want 20 successes", got)
	}
}

func TestRealServerRefusesExcess(t *testing.T) {
	// Requests sent with the preface, before the server's SETTINGS are
	// known, go above its limit: it refuses them, and they are retried.
	// The first is held for a second, so the server reads the other three
	// while its stream is open, however slow the machine.
	addr := startH2C(t, &http.HTTP2Config{MaxConcurrentStreams: 1}, 0)
	c := newConn(t, Options{Path: "/hold-first", Streams: 4})
	got := h2test.Dial(t, addr, c).Run(4, 10)
	if got[scenarios.Success] != 10 || got[scenarios.Retry] == 0 {
		t.Errorf("statuses %v, want 10 successes after some retries", got)
	}
}

// fakeServer starts a server on 127.0.0.1:0 whose connections run
// script as the server side of HTTP/2; an error it returns fails the
// test. It returns the server's address.
func fakeServer(t *testing.T, script func(p *h2test.Peer) error) string {
	t.Helper()
	srv := scenariotest.Start(t, func(nc net.Conn) {
		if err := script(h2test.NewPeer(nc)); err != nil && !errors.Is(err, net.ErrClosed) {
			t.Errorf("fake server: %v", err)
		}
	})
	return srv.Addr()
}

// readHeaders reads the client's frames until n HEADERS frames have
// come, and returns their streams.
func readHeaders(p *h2test.Peer, n int) ([]uint32, error) {
	var ids []uint32
	for len(ids) < n {
		f, err := p.Read()
		if err != nil {
			return ids, err
		}
		if f.Type == h2test.FrameHeaders {
			ids = append(ids, f.Stream)
		}
	}
	return ids, nil
}

// drain reads until the client closes the connection.
func drain(p *h2test.Peer) error {
	for {
		if _, err := p.ReadAny(); err != nil {
			return nil
		}
	}
}

// respond writes a 200 response of n bytes on stream id.
func respond(p *h2test.Peer, id uint32, n int) error {
	return p.Write(frames(p.Headers(id, false, ":status", "200", "content-length", strconv.Itoa(n)),
		h2test.AppendData(nil, id, true, echo.Payload(n))))
}

func TestFakeServerGoAway(t *testing.T) {
	addr := fakeServer(t, func(p *h2test.Peer) error {
		if err := p.Handshake(); err != nil {
			return err
		}
		if _, err := readHeaders(p, 3); err != nil {
			return err
		}
		if err := p.Write(h2test.AppendUint32(nil, h2test.FrameGoAway, 0, 1, h2test.CodeNo)); err != nil {
			return err
		}
		if err := respond(p, 1, 10); err != nil {
			return err
		}
		return drain(p)
	})
	c := newConn(t, Options{Size: 10, Streams: 3})
	d := h2test.Dial(t, addr, c)
	for s := range 3 {
		d.Start(s, 0)
	}
	got := d.Wait(3)
	want := []h2test.Ended{{Slot: 1, Status: scenarios.Retry}, {Slot: 2, Status: scenarios.Retry}, {Slot: 0, Status: scenarios.Success}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ended %+v, want %+v", got, want)
	}
	if c.Usable() || d.Start(1, 0) {
		t.Error("the connection takes requests after GOAWAY")
	}
}

func TestFakeServerPing(t *testing.T) {
	addr := fakeServer(t, func(p *h2test.Peer) error {
		if err := p.Handshake(); err != nil {
			return err
		}
		if err := p.Write(h2test.AppendFrame(nil, h2test.FramePing, 0, 0, []byte("latbench"))); err != nil {
			return err
		}
		var id uint32
		for acked := false; !acked || id == 0; {
			f, err := p.ReadAny()
			switch {
			case err != nil:
				return fmt.Errorf("no PING ACK: %w", err)
			case f.Type == h2test.FrameHeaders:
				id = f.Stream
			case f.Type == h2test.FramePing && f.Flags == h2test.FlagAck && bytes.Equal(f.Payload, []byte("latbench")):
				acked = true
			case f.Type == h2test.FramePing:
				return fmt.Errorf("PING answered with flags %#x and %q", f.Flags, f.Payload)
			}
		}
		if err := respond(p, id, 10); err != nil {
			return err
		}
		return drain(p)
	})
	d := h2test.Dial(t, addr, newConn(t, Options{Size: 10}))
	d.Start(0, 0)
	if got := d.Wait(1); len(got) != 1 || got[0].Status != scenarios.Success {
		t.Errorf("ended %+v, want a success once the PING is answered", got)
	}
}

func TestFakeServerRefusedStream(t *testing.T) {
	addr := fakeServer(t, func(p *h2test.Peer) error {
		if err := p.Handshake(); err != nil {
			return err
		}
		ids, err := readHeaders(p, 1)
		if err != nil {
			return err
		}
		if err := p.Write(h2test.AppendUint32(nil, h2test.FrameRSTStream, ids[0], h2test.CodeRefusedStream)); err != nil {
			return err
		}
		if ids, err = readHeaders(p, 1); err != nil {
			return err
		}
		if err := respond(p, ids[0], 10); err != nil {
			return err
		}
		return drain(p)
	})
	c := newConn(t, Options{Size: 10, Streams: 1})
	d := h2test.Dial(t, addr, c)
	for i, want := range []scenarios.Status{scenarios.Retry, scenarios.Success} {
		if !d.Start(0, 0) {
			t.Fatalf("request %d did not start", i)
		}
		if got := d.Wait(1); len(got) != 1 || got[0].Status != want {
			t.Fatalf("request %d: ended %+v, want %+v", i, got, want)
		}
	}
	if !c.Usable() {
		t.Error("REFUSED_STREAM made the connection unusable")
	}
}

func TestFakeServerClosesMidResponse(t *testing.T) {
	addr := fakeServer(t, func(p *h2test.Peer) error {
		if err := p.Handshake(); err != nil {
			return err
		}
		ids, err := readHeaders(p, 2)
		if err != nil {
			return err
		}
		resp := frames(p.Headers(ids[0], false, ":status", "200"), h2test.AppendData(nil, ids[0], false, make([]byte, 50)))
		if err := p.Write(resp); err != nil {
			return err
		}
		return p.CloseWrite()
	})
	c := newConn(t, Options{Size: 100, Streams: 2})
	d := h2test.Dial(t, addr, c)
	d.Start(0, 0)
	d.Start(1, 0)
	got := d.Wait(2)
	short := scenarios.Failure(scenarios.ErrShortRead)
	if len(got) != 2 || got[0].Status != short || got[1].Status != short {
		t.Errorf("ended %+v, want both requests cut short", got)
	}
	if err := c.Err(0); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Err(0) = %v", err)
	}
}
