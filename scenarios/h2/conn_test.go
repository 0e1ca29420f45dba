package h2

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/h2/h2test"
)

func TestPreface(t *testing.T) {
	c := newConn(t, Options{})
	out := c.Output()
	if !strings.HasPrefix(string(out), Preface) {
		t.Fatalf("output does not start with the preface: %q", out)
	}
	f := parseOutput(t, out)
	want := []frameView{
		{Type: frameSettings, Payload: []byte{0, 2, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0}},
		{Type: frameWindowUpdate, Payload: binary.BigEndian.AppendUint32(nil, connWindow-defaultWindow)},
	}
	if len(f) != len(want) {
		t.Fatalf("frames %+v, want %+v", f, want)
	}
	for i := range want {
		if f[i].Type != want[i].Type || f[i].Flags != 0 || f[i].Stream != 0 || string(f[i].Payload) != string(want[i].Payload) {
			t.Errorf("frame %d: %+v, want %+v", i, f[i], want[i])
		}
	}
	if out := c.Output(); len(out) != 0 {
		t.Errorf("a second Output returned %d bytes again", len(out))
	}
}

func TestControlFramesAnswered(t *testing.T) {
	c := newConn(t, Options{})
	c.Output()
	var e ended
	in := frames(h2test.AppendSettings(nil, h2test.SettingMaxFrameSize, 1<<20),
		h2test.AppendFrame(nil, h2test.FramePing, 0, 0, []byte("pingdata")),
		h2test.AppendFrame(nil, h2test.FramePing, h2test.FlagAck, 0, []byte("ackedack")),
		h2test.AppendFrame(nil, h2test.FrameSettings, h2test.FlagAck, 0, nil))
	for i := range in {
		c.Consume(in[i:i+1], e.fn()) // one byte at a time
	}
	got := parseOutput(t, c.Output())
	want := []frameView{{Type: frameSettings, Flags: flagAck}, {Type: framePing, Flags: flagAck, Payload: []byte("pingdata")}}
	if len(got) != len(want) {
		t.Fatalf("output %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Type != want[i].Type || got[i].Flags != want[i].Flags || string(got[i].Payload) != string(want[i].Payload) {
			t.Errorf("frame %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if c.peer.maxFrame != 1<<20 || len(e.got) != 0 || !c.Usable() {
		t.Errorf("max frame %d, ended %+v, usable %v", c.peer.maxFrame, e.got, c.Usable())
	}
}

func TestStreamLimits(t *testing.T) {
	ok := func(p *h2test.Peer) []byte { return okResponse(p, 10) }
	tests := []struct {
		name      string
		maxID     uint32                      // 0: the default
		before    []byte                      // what the server sends before the requests
		starts    int                         // requests started on slots 0, 1, ...
		wantStart int                         // how many Start accepts
		after     func(p *h2test.Peer) []byte // what the server sends then
		wantEnded []endedAt
		// Then: whether the connection is usable, and whether slot
		// starts+... may start a request.
		wantUsable bool
		wantNext   bool
	}{
		{name: "concurrent streams limited to 1", before: h2test.AppendSettings(nil, h2test.SettingMaxConcurrentStreams, 1),
			starts: 2, wantStart: 1, after: ok, wantEnded: []endedAt{{0, scenarios.Success}},
			wantUsable: true, wantNext: true},
		{name: "no concurrent streams", before: h2test.AppendSettings(nil, h2test.SettingMaxConcurrentStreams, 0),
			starts: 1, wantStart: 0, wantUsable: true},
		{name: "stream IDs run out", maxID: 5, starts: 3, wantStart: 3, after: ok,
			wantEnded: []endedAt{{0, scenarios.Success}}, wantUsable: false, wantNext: false},
		{name: "GOAWAY mid-run", starts: 3, wantStart: 3,
			after: func(p *h2test.Peer) []byte {
				return frames(h2test.AppendUint32(nil, h2test.FrameGoAway, 0, 1, h2test.CodeNo), okResponse(p, 10))
			},
			wantEnded:  []endedAt{{1, scenarios.Retry}, {2, scenarios.Retry}, {0, scenarios.Success}},
			wantUsable: false, wantNext: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConn(t, Options{Size: 10, Streams: 4})
			if tt.maxID != 0 {
				c.maxID = tt.maxID
			}
			var e ended
			c.Consume(tt.before, e.fn())
			started := 0
			for s := range tt.starts {
				if c.Start(s, 0) {
					started++
				}
			}
			if started != tt.wantStart {
				t.Errorf("%d requests started, want %d", started, tt.wantStart)
			}
			if tt.after != nil {
				c.Consume(tt.after(h2test.NewPeer(nil)), e.fn())
			}
			if len(e.got) != len(tt.wantEnded) {
				t.Fatalf("ended %+v, want %+v", e.got, tt.wantEnded)
			}
			for i := range e.got {
				if e.got[i] != tt.wantEnded[i] {
					t.Errorf("end %d: %+v, want %+v", i, e.got[i], tt.wantEnded[i])
				}
			}
			if c.Usable() != tt.wantUsable {
				t.Errorf("Usable() = %v, want %v", c.Usable(), tt.wantUsable)
			}
			if got := c.Start(tt.starts, 0); got != tt.wantNext {
				t.Errorf("Start of one more request = %v, want %v", got, tt.wantNext)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	p := h2test.NewPeer(nil)
	c := newConn(t, Options{Size: 10, Streams: 1})
	c.Output()
	c.Start(0, 0)
	c.Output()
	c.Cancel(0)
	out := parseOutput(t, c.Output())
	if len(out) != 1 || out[0].Type != frameRSTStream || out[0].Stream != 1 || binary.BigEndian.Uint32(out[0].Payload) != codeCancel {
		t.Fatalf("output after Cancel %+v, want RST_STREAM CANCEL on stream 1", out)
	}
	var e ended
	// The late response is dropped, but its header block still goes
	// through the decoder: the next one refers to its dynamic table.
	c.Consume(okResponse(p, 10), e.fn())
	if !c.Start(0, 0) {
		t.Fatal("Start after Cancel returned false")
	}
	resp := okResponse(p, 10)
	h2test.SetStream(resp, 3)
	c.Consume(resp, e.fn())
	if len(e.got) != 1 || e.got[0] != (endedAt{0, scenarios.Success}) {
		t.Errorf("ended %+v, want the second request only, with success", e.got)
	}
}

func TestClosed(t *testing.T) {
	p := h2test.NewPeer(nil)
	c := newConn(t, Options{Size: 10, Streams: 3})
	c.Start(0, 0)
	c.Start(1, 0)
	var e ended
	c.Consume(okResponse(p, 10)[:20], e.fn())
	c.Closed(e.fn())
	short := scenarios.Failure(scenarios.ErrShortRead)
	if len(e.got) != 2 || e.got[0] != (endedAt{0, short}) || e.got[1] != (endedAt{1, short}) {
		t.Fatalf("ended %+v, want slots 0 and 1 cut short", e.got)
	}
	if err := c.Err(1); err == nil || !strings.Contains(err.Error(), "connection closed") {
		t.Errorf("Err(1) = %v", err)
	}
	if c.Usable() {
		t.Error("a closed connection is usable")
	}
	c.Connected()
	if !c.Usable() || !c.Start(0, 0) || c.slots[0].id != 1 {
		t.Errorf("after Connected: usable %v, stream %d, want a fresh connection", c.Usable(), c.slots[0].id)
	}
}

func TestWindowUpdates(t *testing.T) {
	const body = 9 << 20 // more than half the stream window
	c := newConn(t, Options{Size: body, Streams: 1})
	p := h2test.NewPeer(nil)
	c.Output()
	var e ended
	var stream, conn int64 // the increments sent
	for i := range 60 {    // 60 × 9 MiB: the connection window too is replenished
		if !c.Start(0, 0) {
			t.Fatal("Start returned false")
		}
		resp := frames(p.Headers(1, false, ":status", "200"), h2test.AppendData(nil, 1, true, make([]byte, body)))
		h2test.SetStream(resp, uint32(2*i+1))
		c.Consume(resp, e.fn())
		for _, f := range parseOutput(t, c.Output()) {
			if f.Type != frameWindowUpdate {
				continue
			}
			inc := int64(binary.BigEndian.Uint32(f.Payload))
			if f.Stream == 0 {
				conn += inc
			} else {
				stream += inc
			}
		}
	}
	if len(e.got) != 60 || e.got[59].st != scenarios.Success {
		t.Fatalf("%d requests ended, the last with %+v", len(e.got), e.got[len(e.got)-1])
	}
	// The stream's window is replenished once per response, after its
	// first 8 MiB (the rest is not given back: the stream ends); the
	// connection's after each 512 MiB.
	if want := int64(60 * StreamWindow / 2); stream != want {
		t.Errorf("stream increments sum to %d, want %d", stream, want)
	}
	if conn < connWindow/2 || conn > 60*body {
		t.Errorf("connection increments sum to %d, want at least %d", conn, connWindow/2)
	}
}
