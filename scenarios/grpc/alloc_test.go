package grpc

import (
	"bytes"
	"testing"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/echo"
	"github.com/latbench/latbench/scenarios/h2"
	"github.com/latbench/latbench/scenarios/h2/h2test"
)

// replay makes calls on a Conn with recorded responses, rewritten to each
// call's stream, without allocating itself.
type replay struct {
	c       *h2.Conn
	streams int
	stream  bool   // Stream calls: each slot keeps its stream
	resp    []byte // a unary call's response, or a Stream call's reply
	nextID  uint32
	ended   func(int, scenarios.Status)
	ok      int
	failed  scenarios.Status
}

// newReplay returns a replay of a Conn of the grpc scenario with opts,
// after a first round of calls whose responses filled the dynamic table
// (and opened the Stream calls); its responses refer to the table only.
func newReplay(t testing.TB, opts Options) *replay {
	c := newConn(t, opts)
	p := h2test.NewPeer(nil)
	payload := echo.Payload(opts.Size)
	r := &replay{c: c, streams: opts.Streams, stream: opts.Method == "stream", nextID: 1}
	r.ended = r.end
	settle(c)
	var first []byte
	for s := range opts.Streams {
		id := uint32(2*s + 1)
		c.Start(s, 0)
		first = append(first, respHeaders(p, id)...)
		first = append(first, message(id, payload)...)
		if !r.stream {
			first = append(first, trailers(p, id, "0", "")...)
		}
	}
	c.Output()
	c.Consume(first, r.ended)
	r.nextID += uint32(2 * opts.Streams)
	// The server gives back the windows the request used, as it reads it.
	n := uint32(len(encodeMessage(payload)))
	windows := append(h2test.AppendUint32(nil, h2test.FrameWindowUpdate, 0, n),
		h2test.AppendUint32(nil, h2test.FrameWindowUpdate, 1, n)...)
	r.resp = append(windows, message(1, payload)...)
	if !r.stream {
		r.resp = bytes.Join([][]byte{windows, respHeaders(p, 1), message(1, payload), trailers(p, 1, "0", "")}, nil)
	}
	return r
}

// end is the ended callback: it counts successes and keeps a failure.
func (r *replay) end(_ int, st scenarios.Status) {
	if st == scenarios.Success {
		r.ok++
	} else {
		r.failed = st
	}
}

// round starts a call (or a message) on every slot, then feeds each its
// response.
func (r *replay) round() {
	for s := range r.streams {
		r.c.Start(s, 0)
	}
	r.c.Output()
	for s := range r.streams {
		id := uint32(2*s + 1) // a Stream call's
		if !r.stream {
			id = r.nextID + uint32(2*s)
		}
		h2test.SetStream(r.resp, id)
		r.c.Consume(r.resp, r.ended)
		r.c.Output()
	}
	if !r.stream {
		r.nextID += uint32(2 * r.streams)
	}
}

func TestZeroAllocs(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{name: "unary", opts: Options{Size: 64, Streams: 4}},
		{name: "unary, 20 KiB", opts: Options{Size: 20 << 10, Streams: 2}},
		{name: "stream", opts: Options{Method: "stream", Size: 64, Streams: 4}},
		{name: "stream, 20 KiB", opts: Options{Method: "stream", Size: 20 << 10, Streams: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReplay(t, tt.opts)
			r.round()
			allocs := testing.AllocsPerRun(100, r.round)
			if r.failed != (scenarios.Status{}) || r.ok != 103*tt.opts.Streams {
				t.Fatalf("%d calls succeeded, a failure: %+v (Err: %v)", r.ok, r.failed, r.c.Err(0))
			}
			if allocs != 0 {
				t.Errorf("a round of %d calls allocates %v times, want 0", tt.opts.Streams, allocs)
			}
		})
	}
}

func BenchmarkUnary(b *testing.B) {
	benchmark(b, Options{Size: 64, Streams: 10})
}

func BenchmarkStream(b *testing.B) {
	benchmark(b, Options{Method: "stream", Size: 64, Streams: 10})
}

// benchmark measures rounds of calls with opts.
func benchmark(b *testing.B, opts Options) {
	r := newReplay(b, opts)
	b.ReportAllocs()
	for b.Loop() {
		r.round()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*r.streams), "ns/call")
}
