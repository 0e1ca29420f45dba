package h2

import (
	"testing"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/h2/h2test"
)

// postProtocol is a Protocol that sends a body, to test the send side
// of flow control: a POST whose response succeeds with status 200.
type postProtocol struct {
	block  []byte
	body   []byte
	status []string
}

// newPostProtocol returns a postProtocol of streams slots that sends
// body.
func newPostProtocol(t testing.TB, streams int, body []byte) *postProtocol {
	block, err := EncodeHeaders(":method", "POST", ":scheme", "http", ":authority", "localhost", ":path", "/post")
	if err != nil {
		t.Fatal(err)
	}
	return &postProtocol{block: block, body: body, status: make([]string, streams)}
}

func (p *postProtocol) Request(s, _ int, _ bool) Request {
	p.status[s] = ""
	return Request{Headers: p.block, Data: p.body, End: true}
}

func (p *postProtocol) Field(s int, name, value string) {
	if name == ":status" {
		p.status[s] = value
	}
}

func (p *postProtocol) Headers(int) scenarios.Status { return scenarios.InProgress }
func (p *postProtocol) Data(_ int, b []byte) (int, scenarios.Status) {
	return len(b), scenarios.InProgress
}
func (p *postProtocol) Err(int) error { return nil }

func (p *postProtocol) End(s int) scenarios.Status {
	if p.status[s] != "200" {
		return scenarios.Failure(scenarios.ErrStatus)
	}
	return scenarios.Success
}

func TestSendFlowControl(t *testing.T) {
	tests := []struct {
		name     string
		settings []uint32 // the server's SETTINGS, before the request
		later    []uint32 // its SETTINGS once the first DATA went out
		body     int
		grant    uint32 // the increment of each WINDOW_UPDATE, stream and connection, when the client is held back
	}{
		{name: "tiny window", settings: []uint32{h2test.SettingInitialWindowSize, 10}, body: 1000, grant: 7},
		{name: "closed window", settings: []uint32{h2test.SettingInitialWindowSize, 0}, body: 100, grant: 60},
		{name: "connection window", settings: []uint32{h2test.SettingInitialWindowSize, 1 << 20}, body: 200000, grant: 30000},
		{name: "frame size", settings: []uint32{h2test.SettingInitialWindowSize, 1 << 24}, body: 100000, grant: 1 << 20},
		{name: "larger frames", settings: []uint32{h2test.SettingInitialWindowSize, 1 << 24, h2test.SettingMaxFrameSize, 1 << 16},
			body: 200000, grant: 1 << 20},
		{name: "window shrinks below zero", later: []uint32{h2test.SettingInitialWindowSize, 100}, body: 70000, grant: 20000},
		{name: "window grows", settings: []uint32{h2test.SettingInitialWindowSize, 100},
			later: []uint32{h2test.SettingInitialWindowSize, 30000}, body: 50000, grant: 5000},
		{name: "empty body", body: 0, grant: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewConn(newPostProtocol(t, 1, make([]byte, tt.body)), 1)
			c.Output()
			var e ended
			// The model of the server's windows.
			streamWin, connWin, maxFrame := int64(defaultWindow), int64(defaultWindow), int64(MinFrameSize)
			apply := func(settings []uint32) {
				for i := 0; i < len(settings); i += 2 {
					switch settings[i] {
					case h2test.SettingInitialWindowSize:
						streamWin += int64(settings[i+1]) - c.peer.initialWindow
					case h2test.SettingMaxFrameSize:
						maxFrame = int64(settings[i+1])
					}
				}
				c.Consume(h2test.AppendSettings(nil, settings...), e.fn())
			}
			apply(tt.settings)
			c.Start(0, 0)
			sent, later := 0, tt.later
			for round := 0; ; round++ {
				if round > 100000 {
					t.Fatalf("the body is not sent after %d rounds: %d of %d bytes", round, sent, tt.body)
				}
				end := false
				for _, f := range parseOutput(t, c.Output()) {
					if f.Type == frameHeaders {
						end = f.Flags&flagEndStream != 0
					}
					if f.Type != frameData {
						continue
					}
					n := int64(len(f.Payload))
					streamWin -= n
					connWin -= n
					sent += int(n)
					if n > maxFrame || streamWin < 0 || connWin < 0 {
						t.Fatalf("round %d: a DATA frame of %d bytes leaves windows of %d (stream) and %d (connection); max frame %d",
							round, n, streamWin, connWin, maxFrame)
					}
					end = f.Flags&flagEndStream != 0
				}
				if end {
					break
				}
				if later != nil && sent > 0 {
					apply(later)
					later = nil
					continue
				}
				c.Consume(frames(h2test.AppendUint32(nil, h2test.FrameWindowUpdate, 1, tt.grant),
					h2test.AppendUint32(nil, h2test.FrameWindowUpdate, 0, tt.grant)), e.fn())
				streamWin += int64(tt.grant)
				connWin += int64(tt.grant)
			}
			if sent != tt.body {
				t.Errorf("sent %d bytes, want %d", sent, tt.body)
			}
			c.Consume(h2test.NewPeer(nil).Headers(1, true, ":status", "200"), e.fn())
			if len(e.got) != 1 || e.got[0].st != scenarios.Success {
				t.Errorf("ended %+v, want one success", e.got)
			}
		})
	}
}

func TestDataWaitsForSettings(t *testing.T) {
	c := NewConn(newPostProtocol(t, 1, make([]byte, 100)), 1)
	c.Output()
	c.Start(0, 0)
	if out := parseOutput(t, c.Output()); len(out) != 1 || out[0].Type != frameHeaders {
		t.Fatalf("output before the server's SETTINGS %+v, want the HEADERS alone", out)
	}
	var e ended
	c.Consume(h2test.AppendSettings(nil, h2test.SettingInitialWindowSize, 60), e.fn())
	out := parseOutput(t, c.Output())
	if len(out) != 2 || out[0].Type != frameSettings || out[1].Type != frameData || len(out[1].Payload) != 60 {
		t.Errorf("output after the server's SETTINGS %+v, want its ACK and 60 bytes of DATA", out)
	}
}
