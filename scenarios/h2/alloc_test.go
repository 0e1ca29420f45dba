package h2

import (
	"testing"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/h2/h2test"
)

// replay makes requests on a Conn with a recorded response, rewritten to
// each request's stream, without allocating itself.
type replay struct {
	c       *Conn
	streams int
	resp    []byte // one response, on any stream
	read    int    // the size of the reads that bring it; 0: whole
	nextID  uint32
	ended   func(int, scenarios.Status)
	ok      int // requests that succeeded
	failed  scenarios.Status
}

// newReplay returns a replay of a Conn of the h2 scenario with opts whose
// dynamic table the first response has filled; resp, encoded by the same
// peer after it, refers to the table only.
func newReplay(t testing.TB, opts Options, read int) *replay {
	c := newConn(t, opts)
	p := h2test.NewPeer(nil)
	prime := okResponse(p, opts.Size)
	r := &replay{c: c, streams: opts.Streams, resp: okResponse(p, opts.Size), read: read, nextID: 1}
	r.ended = r.end
	c.Output()
	c.Consume(h2test.AppendSettings(nil, h2test.SettingMaxConcurrentStreams, 100), r.ended)
	c.Start(0, 0)
	c.Output()
	c.Consume(prime, r.ended)
	r.nextID = 3
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

// round starts a request on every slot, then feeds each its response.
func (r *replay) round() {
	first := r.nextID
	for s := range r.streams {
		r.c.Start(s, 0)
	}
	r.c.Output()
	for i := range r.streams {
		h2test.SetStream(r.resp, first+uint32(2*i))
		if r.read == 0 {
			r.c.Consume(r.resp, r.ended)
		} else {
			for p := r.resp; len(p) > 0; p = p[min(r.read, len(p)):] {
				r.c.Consume(p[:min(r.read, len(p))], r.ended)
			}
		}
		r.c.Output()
	}
	r.nextID += uint32(2 * r.streams)
}

func TestZeroAllocs(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		read int
	}{
		{name: "one stream", opts: Options{Size: 100, Streams: 1}},
		{name: "ten streams", opts: Options{Size: 10000, Streams: 10}},
		{name: "reads of 7 bytes", opts: Options{Size: 100, Streams: 2}, read: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReplay(t, tt.opts, tt.read)
			r.round()
			allocs := testing.AllocsPerRun(100, r.round)
			if r.failed != (scenarios.Status{}) || r.ok != 1+102*tt.opts.Streams {
				t.Fatalf("%d requests succeeded, a failure: %+v (Err: %v)", r.ok, r.failed, r.c.Err(0))
			}
			if allocs != 0 {
				t.Errorf("a round of %d requests allocates %v times, want 0", tt.opts.Streams, allocs)
			}
		})
	}
}

func BenchmarkRequest(b *testing.B) {
	r := newReplay(b, Options{Size: 10000, Streams: 10}, 0)
	b.ReportAllocs()
	for b.Loop() {
		r.round()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*r.streams), "ns/request")
}
