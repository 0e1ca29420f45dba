package h2

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/h2/h2test"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

// frames concatenates frames.
func frames(fs ...[]byte) []byte { return bytes.Join(fs, nil) }

// okResponse returns a 200 response on stream 1 with a body of n bytes.
func okResponse(p *h2test.Peer, n int) []byte {
	return frames(p.Headers(1, false, ":status", "200", "content-length", strconv.Itoa(n)),
		h2test.AppendData(nil, 1, true, make([]byte, n)))
}

// splitResponse is the response of TestResponses that uses every feature
// of the frame layer: a PRIORITY frame and an unknown frame type, a
// padded HEADERS frame with a priority whose block goes on over two
// CONTINUATION frames, padded and empty DATA frames.
func splitResponse(p *h2test.Peer) []byte {
	block := p.Block(":status", "200", "content-type", "application/octet-stream", "content-length", "10")
	headers := append([]byte{3, 0, 0, 0, 0, 16}, block[:2]...)
	headers = append(headers, 0, 0, 0)
	data := append([]byte{4}, "abcde"...)
	data = append(data, 0, 0, 0, 0)
	return frames(
		h2test.AppendFrame(nil, 0x20, 0xff, 1, []byte("unknown")),
		h2test.AppendFrame(nil, h2test.FramePriority, 0, 1, []byte{0, 0, 0, 0, 16}),
		h2test.AppendFrame(nil, h2test.FrameHeaders, h2test.FlagPadded|0x20, 1, headers),
		h2test.AppendFrame(nil, h2test.FrameContinuation, 0, 1, block[2:4]),
		h2test.AppendFrame(nil, h2test.FrameContinuation, h2test.FlagEndHeaders, 1, block[4:]),
		h2test.AppendFrame(nil, h2test.FrameData, h2test.FlagPadded, 1, data),
		h2test.AppendFrame(nil, h2test.FrameData, 0, 1, nil),
		h2test.AppendFrame(nil, 0x20, 0, 0, nil),
		h2test.AppendFrame(nil, h2test.FrameData, h2test.FlagEndStream, 1, []byte("fghij")))
}

func TestResponses(t *testing.T) {
	failure := scenarios.Failure
	tests := []struct {
		name     string
		response func(p *h2test.Peer) []byte // on stream 1, the request's
		want     scenarios.Status
		wantErr  string // in Err(0)
		wantConn bool   // a connection error: GOAWAY sent, not usable
	}{
		{name: "plain", response: func(p *h2test.Peer) []byte { return okResponse(p, 10) }, want: scenarios.Success},
		{name: "split frames, padding, priority, unknown frames", response: splitResponse, want: scenarios.Success},
		{name: "no content-length", want: scenarios.Success, response: func(p *h2test.Peer) []byte {
			return frames(p.Headers(1, false, ":status", "200"), h2test.AppendData(nil, 1, true, make([]byte, 10)))
		}},
		{name: "interim response and trailers", want: scenarios.Success, response: func(p *h2test.Peer) []byte {
			return frames(p.Headers(1, false, ":status", "103", "link", "</x>"), p.Headers(1, false, ":status", "200"),
				h2test.AppendData(nil, 1, false, make([]byte, 10)), p.Headers(1, true, "x-trailer", "1", ":status", "500"))
		}},
		{name: "server frames first", want: scenarios.Success, response: func(p *h2test.Peer) []byte {
			return frames(h2test.AppendSettings(nil, h2test.SettingMaxConcurrentStreams, 100),
				h2test.AppendFrame(nil, h2test.FramePing, 0, 0, []byte("12345678")),
				h2test.AppendUint32(nil, h2test.FrameWindowUpdate, 0, 1000), okResponse(p, 10))
		}},
		{name: "status 404", want: failure(scenarios.ErrStatus), wantErr: "status 404, expected 200", response: func(p *h2test.Peer) []byte {
			return frames(p.Headers(1, false, ":status", "404"), h2test.AppendData(nil, 1, true, []byte("not found")))
		}},
		{name: "no status", want: failure(scenarios.ErrOther), wantErr: "without a valid :status", response: func(p *h2test.Peer) []byte {
			return p.Headers(1, true, "content-length", "0")
		}},
		{name: "malformed status", want: failure(scenarios.ErrOther), wantErr: "without a valid :status", response: func(p *h2test.Peer) []byte {
			return p.Headers(1, true, ":status", "2000")
		}},
		{name: "invalid content-length", want: failure(scenarios.ErrOther), wantErr: "invalid content-length", response: func(p *h2test.Peer) []byte {
			return p.Headers(1, true, ":status", "200", "content-length", "1e1")
		}},
		{name: "content-length differs", want: failure(scenarios.ErrPayload), wantErr: "body of 11 bytes, expected 10", response: func(p *h2test.Peer) []byte {
			return p.Headers(1, false, ":status", "200", "content-length", "11")
		}},
		{name: "body too long", want: failure(scenarios.ErrPayload), wantErr: "body of at least 11 bytes, expected 10", response: func(p *h2test.Peer) []byte {
			return frames(p.Headers(1, false, ":status", "200"), h2test.AppendData(nil, 1, false, make([]byte, 11)))
		}},
		{name: "body too short", want: failure(scenarios.ErrPayload), wantErr: "body of 9 bytes, expected 10", response: func(p *h2test.Peer) []byte {
			return frames(p.Headers(1, false, ":status", "200"), h2test.AppendData(nil, 1, true, make([]byte, 9)))
		}},
		{name: "body shorter than content-length", want: failure(scenarios.ErrPayload), wantErr: "body of 9 bytes, expected 10", response: func(p *h2test.Peer) []byte {
			return frames(p.Headers(1, false, ":status", "200", "content-length", "10"), h2test.AppendData(nil, 1, true, make([]byte, 9)))
		}},
		{name: "DATA before HEADERS", want: failure(scenarios.ErrOther), wantErr: "before the response headers", response: func(p *h2test.Peer) []byte {
			return h2test.AppendData(nil, 1, true, make([]byte, 10))
		}},
		{name: "refused", want: scenarios.Retry, response: func(p *h2test.Peer) []byte {
			return h2test.AppendUint32(nil, h2test.FrameRSTStream, 1, h2test.CodeRefusedStream)
		}},
		{name: "reset", want: failure(scenarios.ErrReset), wantErr: "reset the stream with INTERNAL_ERROR", response: func(p *h2test.Peer) []byte {
			return frames(p.Headers(1, false, ":status", "200"), h2test.AppendUint32(nil, h2test.FrameRSTStream, 1, h2test.CodeInternal))
		}},
		{name: "reset with an unknown code", want: failure(scenarios.ErrReset), wantErr: "error code 0x99", response: func(p *h2test.Peer) []byte {
			return h2test.AppendUint32(nil, h2test.FrameRSTStream, 1, 0x99)
		}},
		{name: "GOAWAY before processing", want: scenarios.Retry, response: func(p *h2test.Peer) []byte {
			return h2test.AppendUint32(nil, h2test.FrameGoAway, 0, 0, h2test.CodeNo)
		}},
		{name: "GOAWAY after processing", want: scenarios.Success, response: func(p *h2test.Peer) []byte {
			return frames(h2test.AppendUint32(nil, h2test.FrameGoAway, 0, 1, h2test.CodeNo), okResponse(p, 10))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.response(h2test.NewPeer(nil))
			for _, size := range []int{0, 1, 2, 3, 7, 100} {
				c := newConn(t, Options{Size: 10, Streams: 2})
				if !c.Start(0, 0) {
					t.Fatal("Start returned false")
				}
				c.Output()
				var e ended
				for _, p := range scenariotest.Split(resp, size) {
					c.Consume(p, e.fn())
				}
				if len(e.got) != 1 || e.got[0] != (endedAt{0, tt.want}) {
					t.Fatalf("reads of %d bytes: ended %+v, want slot 0 with %+v (Err: %v)", size, e.got, tt.want, c.Err(0))
				}
				if err := c.Err(0); (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
					t.Errorf("reads of %d bytes: Err(0) = %v, want %q", size, err, tt.wantErr)
				}
			}
		})
	}
}

func TestConnectionErrors(t *testing.T) {
	tests := []struct {
		name     string
		frames   func(p *h2test.Peer) []byte
		wantCode uint32 // in the GOAWAY the client sends
		wantErr  string
	}{
		{name: "DATA on stream 0", wantCode: codeProtocol, wantErr: "did not open", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendData(nil, 0, true, []byte("x"))
		}},
		{name: "DATA on an idle stream", wantCode: codeProtocol, wantErr: "did not open", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendData(nil, 5, true, []byte("x"))
		}},
		{name: "HEADERS on a server stream", wantCode: codeProtocol, wantErr: "did not open", frames: func(p *h2test.Peer) []byte {
			return p.Headers(2, true, ":status", "200")
		}},
		{name: "frame too large", wantCode: codeFrameSize, wantErr: "larger than", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendFrame(nil, h2test.FrameData, 0, 1, make([]byte, MinFrameSize+1))
		}},
		{name: "PUSH_PROMISE", wantCode: codeProtocol, wantErr: "PUSH_PROMISE", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendFrame(nil, 0x5, h2test.FlagEndHeaders, 1, []byte{0, 0, 0, 2})
		}},
		{name: "CONTINUATION without HEADERS", wantCode: codeProtocol, wantErr: "CONTINUATION", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendFrame(nil, h2test.FrameContinuation, h2test.FlagEndHeaders, 1, nil)
		}},
		{name: "header block interrupted", wantCode: codeProtocol, wantErr: "interrupted", frames: func(p *h2test.Peer) []byte {
			return frames(h2test.AppendFrame(nil, h2test.FrameHeaders, 0, 1, p.Block(":status", "200")),
				h2test.AppendFrame(nil, h2test.FramePing, 0, 0, make([]byte, 8)))
		}},
		{name: "HPACK garbage", wantCode: codeCompression, wantErr: "HPACK", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendFrame(nil, h2test.FrameHeaders, h2test.FlagEndHeaders, 1, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		}},
		{name: "HPACK block cut", wantCode: codeCompression, wantErr: "HPACK", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendFrame(nil, h2test.FrameHeaders, h2test.FlagEndHeaders, 1, p.Block("x-long", "value")[:3])
		}},
		{name: "zero window increment", wantCode: codeProtocol, wantErr: "zero increment", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendUint32(nil, h2test.FrameWindowUpdate, 0, 0)
		}},
		{name: "window overflow", wantCode: codeFlowControl, wantErr: "above 2^31-1", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendUint32(nil, h2test.FrameWindowUpdate, 0, 1<<31-1)
		}},
		{name: "initial window too large", wantCode: codeFlowControl, wantErr: "INITIAL_WINDOW_SIZE", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendSettings(nil, h2test.SettingInitialWindowSize, 1<<31)
		}},
		{name: "max frame size too small", wantCode: codeProtocol, wantErr: "MAX_FRAME_SIZE", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendSettings(nil, h2test.SettingMaxFrameSize, 100)
		}},
		{name: "SETTINGS of a wrong length", wantCode: codeFrameSize, wantErr: "wrong length", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendFrame(nil, h2test.FrameSettings, 0, 0, make([]byte, 5))
		}},
		{name: "SETTINGS on a stream", wantCode: codeProtocol, wantErr: "on a stream", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendFrame(nil, h2test.FrameSettings, 0, 1, nil)
		}},
		{name: "PING of a wrong length", wantCode: codeFrameSize, wantErr: "wrong length", frames: func(p *h2test.Peer) []byte {
			return h2test.AppendFrame(nil, h2test.FramePing, 0, 0, make([]byte, 7))
		}},
		{name: "padding longer than the frame", wantCode: codeProtocol, wantErr: "padding", frames: func(p *h2test.Peer) []byte {
			return frames(p.Headers(1, false, ":status", "200"), h2test.AppendFrame(nil, h2test.FrameData, h2test.FlagPadded, 1, []byte{5, 1, 2}))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConn(t, Options{Path: "/x", Streams: 2})
			c.Start(0, 0)
			c.Output()
			var e ended
			c.Consume(tt.frames(h2test.NewPeer(nil)), e.fn())
			if len(e.got) != 1 || e.got[0] != (endedAt{0, scenarios.Failure(scenarios.ErrOther)}) {
				t.Fatalf("ended %+v, want slot 0 with a failure of class other", e.got)
			}
			if c.Usable() || c.Start(1, 0) {
				t.Error("the connection is still usable")
			}
			for _, s := range []int{0, -1} {
				if err := c.Err(s); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Err(%d) = %v, want it to contain %q", s, err, tt.wantErr)
				}
			}
			out := parseOutput(t, c.Output())
			if len(out) == 0 || out[len(out)-1].Type != frameGoAway ||
				binary.BigEndian.Uint32(out[len(out)-1].Payload[4:]) != tt.wantCode {
				t.Errorf("output %+v, want a GOAWAY with code %d last", out, tt.wantCode)
			}
			c.Consume(okResponse(h2test.NewPeer(nil), 10), e.fn())
			if len(e.got) != 1 {
				t.Errorf("bytes after the connection error ended %+v", e.got[1:])
			}
		})
	}
}
