package grpc

import (
	"bytes"
	"strings"
	"testing"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/echo"
	"github.com/latbench/latbench/scenarios/h2/h2test"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

// respHeaders returns the response headers of a call on stream id.
func respHeaders(p *h2test.Peer, id uint32) []byte {
	return p.Headers(id, false, ":status", "200", "content-type", "application/grpc")
}

// message returns the DATA frames of stream id that carry a reply
// message with payload.
func message(id uint32, payload []byte) []byte {
	return h2test.AppendData(nil, id, false, encodeMessage(payload))
}

// trailers returns the trailers that end a call on stream id with
// grpc-status status, and grpc-message msg if not empty.
func trailers(p *h2test.Peer, id uint32, status, msg string) []byte {
	if msg == "" {
		return p.Headers(id, true, "grpc-status", status)
	}
	return p.Headers(id, true, "grpc-status", status, "grpc-message", msg)
}

// ended collects the request ends a Conn reports.
type ended struct{ got []endedAt }

// endedAt is one request end.
type endedAt struct {
	slot int
	st   scenarios.Status
}

// fn returns the callback that records ends.
func (e *ended) fn() func(int, scenarios.Status) {
	return func(s int, st scenarios.Status) { e.got = append(e.got, endedAt{s, st}) }
}

func TestUnaryResponses(t *testing.T) {
	payload := echo.Payload(100)
	other := bytes.Clone(payload)
	other[42] = '!'
	ok := func(p *h2test.Peer) []byte {
		return bytes.Join([][]byte{respHeaders(p, 1), message(1, payload), trailers(p, 1, "0", "")}, nil)
	}
	failure := scenarios.Failure
	tests := []struct {
		name     string
		response func(p *h2test.Peer) []byte
		want     scenarios.Status
		wantErr  string // Err(0)
	}{
		{name: "echo", response: ok, want: scenarios.Success},
		{name: "reply over DATA frames", want: scenarios.Success, response: func(p *h2test.Peer) []byte {
			msg := encodeMessage(payload)
			return bytes.Join([][]byte{respHeaders(p, 1), h2test.AppendFrame(nil, h2test.FrameData, 0, 1, msg[:3]),
				h2test.AppendFrame(nil, h2test.FrameData, 0, 1, msg[3:50]), h2test.AppendFrame(nil, h2test.FrameData, 0, 1, msg[50:]),
				trailers(p, 1, "0", "")}, nil)
		}},
		{name: "content-type with a format", want: scenarios.Success, response: func(p *h2test.Peer) []byte {
			return bytes.Join([][]byte{p.Headers(1, false, ":status", "200", "content-type", "application/grpc+proto"),
				message(1, payload), trailers(p, 1, "0", "")}, nil)
		}},
		{name: "unavailable, trailers only", want: failure(scenarios.ErrStatus),
			wantErr: "grpc: status UNAVAILABLE (14): backend down, 100%", response: func(p *h2test.Peer) []byte {
				return p.Headers(1, true, ":status", "200", "content-type", "application/grpc",
					"grpc-status", "14", "grpc-message", "backend%20down, 100%")
			}},
		{name: "unknown status code", want: failure(scenarios.ErrStatus), wantErr: "grpc: status code 99 (99)",
			response: func(p *h2test.Peer) []byte {
				return bytes.Join([][]byte{respHeaders(p, 1), trailers(p, 1, "99", "")}, nil)
			}},
		{name: "resource exhausted", want: failure(scenarios.ErrStatus), wantErr: "message size limit",
			response: func(p *h2test.Peer) []byte {
				return bytes.Join([][]byte{respHeaders(p, 1), trailers(p, 1, "8", "too large")}, nil)
			}},
		{name: "HTTP status 503", want: failure(scenarios.ErrStatus), wantErr: "grpc: HTTP status 503, expected 200",
			response: func(p *h2test.Peer) []byte { return p.Headers(1, true, ":status", "503") }},
		{name: "not gRPC", want: failure(scenarios.ErrOther), wantErr: `content-type "text/html"`,
			response: func(p *h2test.Peer) []byte {
				return p.Headers(1, false, ":status", "200", "content-type", "text/html")
			}},
		{name: "no grpc-status", want: failure(scenarios.ErrOther), wantErr: "without a valid grpc-status",
			response: func(p *h2test.Peer) []byte {
				return bytes.Join([][]byte{respHeaders(p, 1), message(1, payload), p.Headers(1, true, "x", "y")}, nil)
			}},
		{name: "malformed grpc-status", want: failure(scenarios.ErrOther), wantErr: "without a valid grpc-status",
			response: func(p *h2test.Peer) []byte {
				return bytes.Join([][]byte{respHeaders(p, 1), message(1, payload), trailers(p, 1, "-1", "")}, nil)
			}},
		{name: "reply differs", want: failure(scenarios.ErrPayload), wantErr: "differs from the request's at byte 44 of 102",
			response: func(p *h2test.Peer) []byte {
				return bytes.Join([][]byte{respHeaders(p, 1), message(1, other)}, nil)
			}},
		{name: "reply of another length", want: failure(scenarios.ErrPayload), wantErr: "reply message of 12 bytes, expected 102",
			response: func(p *h2test.Peer) []byte {
				return bytes.Join([][]byte{respHeaders(p, 1), message(1, payload[:10])}, nil)
			}},
		{name: "compressed reply", want: failure(scenarios.ErrOther), wantErr: "compressed",
			response: func(p *h2test.Peer) []byte {
				msg := encodeMessage(payload)
				msg[0] = 1
				return bytes.Join([][]byte{respHeaders(p, 1), h2test.AppendFrame(nil, h2test.FrameData, 0, 1, msg)}, nil)
			}},
		{name: "two replies", want: failure(scenarios.ErrOther), wantErr: "none was awaited",
			response: func(p *h2test.Peer) []byte {
				return bytes.Join([][]byte{respHeaders(p, 1), message(1, payload), message(1, payload)}, nil)
			}},
		{name: "OK without a reply", want: failure(scenarios.ErrPayload), wantErr: "without a reply message",
			response: func(p *h2test.Peer) []byte {
				return bytes.Join([][]byte{respHeaders(p, 1), trailers(p, 1, "0", "")}, nil)
			}},
		{name: "ends inside the reply", want: failure(scenarios.ErrShortRead), wantErr: "inside a reply message",
			response: func(p *h2test.Peer) []byte {
				msg := encodeMessage(payload)
				return bytes.Join([][]byte{respHeaders(p, 1), h2test.AppendFrame(nil, h2test.FrameData, 0, 1, msg[:50]),
					trailers(p, 1, "0", "")}, nil)
			}},
		{name: "reply before headers", want: failure(scenarios.ErrOther), wantErr: "before the response headers",
			response: func(p *h2test.Peer) []byte { return message(1, payload) }},
		{name: "three header blocks", want: failure(scenarios.ErrOther), wantErr: "more than two header blocks",
			response: func(p *h2test.Peer) []byte {
				return bytes.Join([][]byte{respHeaders(p, 1), p.Headers(1, false, "x", "1"), p.Headers(1, false, "x", "2")}, nil)
			}},
		{name: "reset", want: failure(scenarios.ErrReset), wantErr: "INTERNAL_ERROR",
			response: func(p *h2test.Peer) []byte {
				return bytes.Join([][]byte{respHeaders(p, 1), h2test.AppendUint32(nil, h2test.FrameRSTStream, 1, h2test.CodeInternal)}, nil)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.response(h2test.NewPeer(nil))
			for _, size := range []int{0, 1, 2, 5, 9, 64} {
				c := newConn(t, Options{Size: 100, Streams: 1})
				c.Start(0, 0)
				c.Output()
				var e ended
				for _, p := range scenariotest.Split(resp, size) {
					c.Consume(p, e.fn())
				}
				if len(e.got) != 1 || e.got[0] != (endedAt{0, tt.want}) {
					t.Fatalf("reads of %d bytes: ended %+v, want %+v (Err: %v)", size, e.got, tt.want, c.Err(0))
				}
				if err := c.Err(0); (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
					t.Errorf("reads of %d bytes: Err(0) = %v, want %q", size, err, tt.wantErr)
				}
				if !c.Usable() {
					t.Errorf("the connection is no longer usable: %v", c.Err(-1))
				}
			}
		})
	}
}

func TestStreamCalls(t *testing.T) {
	payload := echo.Payload(10)
	c := newConn(t, Options{Method: "stream", Size: 10, Streams: 1})
	p := h2test.NewPeer(nil)
	settle(c)
	var e ended
	steps := []struct {
		name       string
		response   []byte
		wantStream uint32 // of the request's DATA
		wantOpen   bool   // the request opens its stream
		want       scenarios.Status
	}{
		{name: "first message opens the call", response: append(respHeaders(p, 1), message(1, payload)...),
			wantStream: 1, wantOpen: true, want: scenarios.Success},
		{name: "the call goes on", response: message(1, payload), wantStream: 1, want: scenarios.Success},
		{name: "the server ends the call after the reply",
			response: append(message(1, payload), trailers(p, 1, "0", "")...), wantStream: 1, want: scenarios.Success},
		{name: "a new call opens", response: append(respHeaders(p, 3), message(3, payload)...),
			wantStream: 3, wantOpen: true, want: scenarios.Success},
		{name: "the server ends the call before the reply", response: trailers(p, 3, "0", ""),
			wantStream: 3, want: scenarios.Failure(scenarios.ErrShortRead)},
		{name: "a new call after the early end", response: append(respHeaders(p, 5), message(5, payload)...),
			wantStream: 5, wantOpen: true, want: scenarios.Success},
		{name: "the server aborts the call", response: trailers(p, 5, "10", "stop"),
			wantStream: 5, want: scenarios.Failure(scenarios.ErrStatus)},
	}
	for _, st := range steps {
		if !c.Start(0, 0) {
			t.Fatalf("%s: Start returned false", st.name)
		}
		frames, err := h2test.ParseFrames(c.Output())
		if err != nil {
			t.Fatal(err)
		}
		data, opened := frames[len(frames)-1], false
		for _, f := range frames {
			opened = opened || f.Type == h2test.FrameHeaders
		}
		if opened != st.wantOpen || data.Stream != st.wantStream {
			t.Fatalf("%s: frames %+v, want the message on stream %d, opened: %v", st.name, frames, st.wantStream, st.wantOpen)
		}
		c.Consume(st.response, e.fn())
		if len(e.got) != 1 || e.got[0].st != st.want {
			t.Fatalf("%s: ended %+v, want %+v (Err: %v)", st.name, e.got, st.want, c.Err(0))
		}
		e.got = nil
	}
	if err := c.Err(0); err == nil || err.Error() != "grpc: status ABORTED (10): stop" {
		t.Errorf("Err(0) = %v", err)
	}
}

func TestStreamCancel(t *testing.T) {
	c := newConn(t, Options{Method: "stream", Size: 10, Streams: 1})
	c.Output()
	c.Start(0, 0)
	c.Output()
	c.Cancel(0)
	frames, err := h2test.ParseFrames(c.Output())
	if err != nil || len(frames) != 1 || frames[0].Type != h2test.FrameRSTStream || frames[0].Stream != 1 {
		t.Fatalf("output after Cancel %+v (%v), want RST_STREAM on stream 1", frames, err)
	}
	c.Start(0, 0)
	if frames, _ = h2test.ParseFrames(c.Output()); frames[0].Type != h2test.FrameHeaders || frames[0].Stream != 3 {
		t.Errorf("the request after Cancel did not open a new call: %+v", frames)
	}
}
