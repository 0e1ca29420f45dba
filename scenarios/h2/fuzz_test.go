package h2

import (
	"testing"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/h2/h2test"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

// FuzzConsume feeds arbitrary server bytes, in arbitrary reads, to a
// Conn with three requests in flight, restarting each slot once its
// request ends. It must never panic, never end a request that is not in
// flight, keep its stream bookkeeping consistent and send only whole
// frames; once the peer closes, no request is left in flight.
func FuzzConsume(f *testing.F) {
	for _, seed := range [][]byte{
		okResponse(h2test.NewPeer(nil), 10),
		splitResponse(h2test.NewPeer(nil)),
		frames(h2test.AppendSettings(nil, h2test.SettingInitialWindowSize, 10, h2test.SettingMaxConcurrentStreams, 1),
			h2test.AppendFrame(nil, h2test.FramePing, 0, 0, []byte("12345678"))),
		frames(h2test.AppendUint32(nil, h2test.FrameGoAway, 0, 3, h2test.CodeNo), okResponse(h2test.NewPeer(nil), 10)),
		h2test.AppendUint32(nil, h2test.FrameRSTStream, 3, h2test.CodeRefusedStream),
		h2test.AppendFrame(nil, h2test.FrameData, h2test.FlagPadded, 1, []byte{200, 1}),
	} {
		f.Add(seed, []byte{})
		f.Add(seed, []byte{1, 2, 3, 5, 8, 13, 21})
	}
	f.Fuzz(func(t *testing.T, data, sizes []byte) {
		c := newConn(t, Options{Size: 10, Streams: 3})
		busy := make([]bool, 3)
		restarts := 0
		ended := func(s int, st scenarios.Status) {
			if s < 0 || s >= len(busy) || !busy[s] || !st.Done {
				t.Fatalf("ended(%d, %+v) for a slot that is not busy (%v)", s, st, busy)
			}
			busy[s] = false
		}
		start := func() {
			for s := range busy {
				if !busy[s] && restarts < 20 && c.Start(s, 0) {
					busy[s] = true
					restarts++
				}
			}
		}
		start()
		for _, p := range scenariotest.Pieces(data, sizes) {
			c.Consume(p, ended)
			checkInvariants(t, c, busy)
			start()
		}
		c.Closed(ended)
		for s, b := range busy {
			if b {
				t.Fatalf("slot %d is still busy after Closed", s)
			}
		}
		checkInvariants(t, c, busy)
	})
}

// checkInvariants fails the test unless c's bookkeeping agrees with
// itself and with busy, the slots with a request in flight, and its
// output is whole frames.
func checkInvariants(t *testing.T, c *Conn, busy []bool) {
	t.Helper()
	open, pending := 0, 0
	for s := range c.slots {
		sl := &c.slots[s]
		if sl.busy != busy[s] {
			t.Fatalf("slot %d: busy %v, but the driver says %v", s, sl.busy, busy[s])
		}
		if sl.id == 0 {
			if sl.hasPend {
				t.Fatalf("slot %d holds DATA without a stream", s)
			}
			continue
		}
		open++
		if sl.hasPend {
			pending++
		}
		if got := c.ids.get(sl.id); got != s {
			t.Fatalf("slot %d: stream %d maps to slot %d", s, sl.id, got)
		}
	}
	if open != c.open || pending != c.pending {
		t.Fatalf("%d streams open and %d holding DATA, the Conn counts %d and %d", open, pending, c.open, c.pending)
	}
	if _, err := h2test.ParseFrames(c.Output()); err != nil {
		t.Fatalf("output: %v", err)
	}
}

// FuzzResponseChecks runs arbitrary response header fields and body
// lengths through a GET's checks: they must never panic, and a response
// succeeds exactly when its status is 200 and its body has the expected
// length and the content-length given, if any.
func FuzzResponseChecks(f *testing.F) {
	f.Add("200", "10", true, "x-other", "value", uint16(10), int32(10), uint8(3))
	f.Add("200", "", false, ":status", "404", uint16(0), int32(-1), uint8(0))
	f.Add("404", "10", true, "content-length", "11", uint16(10), int32(10), uint8(1))
	f.Add("100", "5", true, "", "", uint16(5), int32(-1), uint8(0))
	f.Add("200", "+5", true, "content-type", "text/plain", uint16(5), int32(5), uint8(2))
	f.Fuzz(func(t *testing.T, status, length string, hasLength bool, name, value string, body uint16, expect int32, split uint8) {
		exp := int64(max(expect, anyLength))
		r := response{length: -1}
		r.field(":status", status)
		if hasLength {
			r.field("content-length", length)
		}
		r.field(name, value)
		err := r.headers(exp)
		if err == nil && r.final {
			first := min(int(split), int(body))
			if err = r.data(first, exp); err == nil {
				err = r.data(int(body)-first, exp)
			}
		}
		if err == nil {
			err = r.end(exp)
		}
		// The model: the last :status counts, and every content-length
		// must be the body's length.
		effective, lengths := status, []string{}
		if hasLength {
			lengths = append(lengths, length)
		}
		switch name {
		case ":status":
			effective = value
		case "content-length":
			lengths = append(lengths, value)
		}
		want := ParseStatus(effective) == 200 && (exp == anyLength || int64(body) == exp)
		for _, l := range lengths {
			n, ok := ParseDecimal(l)
			want = want && ok && n == int64(body)
		}
		if (err == nil) != want {
			t.Fatalf("status %q, content-length %q (%v), %s: %q, body %d, expected %d: error %v, want success %v",
				status, length, hasLength, name, value, body, exp, err, want)
		}
	})
}
