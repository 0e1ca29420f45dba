package grpc

import (
	"bytes"
	"testing"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/echo"
	"github.com/latbench/latbench/scenarios/h2/h2test"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

func TestMessageReader(t *testing.T) {
	want := encodeMessage(echo.Payload(20))
	bad := bytes.Clone(want)
	bad[17] = '!'
	tests := []struct {
		name     string
		data     []byte
		wantMsgs int
		wantErr  *scenarios.RequestError
		wantAt   int // the offset of the first differing byte, for errReplyBytes
	}{
		{name: "one message", data: want, wantMsgs: 1},
		{name: "three messages", data: bytes.Repeat(want, 3), wantMsgs: 3},
		{name: "a message and a half", data: append(bytes.Clone(want), want[:12]...), wantMsgs: 1},
		{name: "differs", data: append(bytes.Clone(want), bad...), wantMsgs: 1, wantErr: errReplyBytes, wantAt: 12},
		{name: "longer", data: encodeMessage(echo.Payload(21)), wantErr: errReplySize},
		{name: "compressed", data: append([]byte{1}, want[1:]...), wantErr: errCompressed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, size := range []int{0, 1, 2, 4, 5, 6, 7, 22} {
				msgs, m, err := readMessages(t, scenariotest.Split(tt.data, size), want[5:])
				if msgs != tt.wantMsgs || err != tt.wantErr || (err == errReplyBytes && m.got != tt.wantAt) {
					t.Errorf("reads of %d bytes: %d messages, error %v at %d; want %d, %v at %d",
						size, msgs, err, m.got, tt.wantMsgs, tt.wantErr, tt.wantAt)
				}
			}
		})
	}
}

// readMessages feeds reads to a msgReader expecting want, and returns
// the messages that ended, the reader, and the error that stopped it.
func readMessages(t *testing.T, reads [][]byte, want []byte) (int, *msgReader, *scenarios.RequestError) {
	var m msgReader
	msgs := 0
	for _, p := range reads {
		for len(p) > 0 {
			n, done, err := m.feed(p, want)
			if err != nil {
				return msgs, &m, err
			}
			if n <= 0 || n > len(p) {
				t.Fatalf("feed used %d of %d bytes", n, len(p))
			}
			if done {
				msgs++
			}
			p = p[n:]
		}
	}
	return msgs, &m, nil
}

// FuzzMessageReader feeds arbitrary bytes in arbitrary reads to a
// message reader: it must never panic, always make progress, and give
// the same messages and the same error at the same place however the
// bytes are split.
func FuzzMessageReader(f *testing.F) {
	want := encodeMessage(echo.Payload(10))
	f.Add(bytes.Repeat(want, 2), []byte{3, 5, 1})
	f.Add(append(bytes.Clone(want), 1, 0, 0, 0, 0), []byte{})
	f.Add([]byte{0, 0, 0, 0, 0}, []byte{1, 1, 1})
	f.Fuzz(func(t *testing.T, data, sizes []byte) {
		msgs, m, err := readMessages(t, [][]byte{data}, want[5:])
		msgs2, m2, err2 := readMessages(t, scenariotest.Pieces(data, sizes), want[5:])
		if msgs != msgs2 || err != err2 || m.got != m2.got || m.size != m2.size || m.midMessage() != m2.midMessage() {
			t.Fatalf("whole: %d messages, %v, %+v; in pieces: %d, %v, %+v", msgs, err, *m, msgs2, err2, *m2)
		}
	})
}

// FuzzCall feeds arbitrary server bytes, in arbitrary reads, to a Conn
// of Stream calls with requests in flight on every slot, starting a new
// request on each slot whose request ended: it must never panic nor end
// a request that is not in flight, and once the server closes, no
// request is left in flight.
func FuzzCall(f *testing.F) {
	p := h2test.NewPeer(nil)
	payload := echo.Payload(10)
	f.Add(bytes.Join([][]byte{h2test.AppendSettings(nil), respHeaders(p, 1), message(1, payload), message(1, payload),
		trailers(p, 3, "14", "x")}, nil), []byte{7, 9, 40})
	f.Add(bytes.Join([][]byte{respHeaders(h2test.NewPeer(nil), 1), message(1, payload[:3])}, nil), []byte{})
	f.Fuzz(func(t *testing.T, data, sizes []byte) {
		for _, method := range []string{"unary", "stream"} {
			c := newConn(t, Options{Method: method, Size: 10, Streams: 2})
			busy := make([]bool, 2)
			ended := func(s int, st scenarios.Status) {
				if s < 0 || s >= len(busy) || !busy[s] || !st.Done {
					t.Fatalf("%s: ended(%d, %+v) for a slot that is not busy", method, s, st)
				}
				busy[s] = false
			}
			starts := 0
			for _, piece := range scenariotest.Pieces(data, sizes) {
				for s := range busy {
					if !busy[s] && starts < 10 && c.Start(s, 0) {
						busy[s] = true
						starts++
					}
				}
				c.Consume(piece, ended)
				if _, err := h2test.ParseFrames(c.Output()); err != nil {
					t.Fatalf("%s: output: %v", method, err)
				}
			}
			c.Closed(ended)
			if busy[0] || busy[1] {
				t.Fatalf("%s: slots still busy after Closed: %v", method, busy)
			}
		}
	})
}
