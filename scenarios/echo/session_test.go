package echo

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

// newSession returns a session of the echo scenario with size-byte
// payloads, built through the public API.
func newSession(t testing.TB, size int) scenarios.Session {
	t.Helper()
	sc, err := New(Options{Size: size})
	if err != nil {
		t.Fatal(err)
	}
	return sc.NewSession()
}

// corrupt returns a copy of b with byte i changed.
func corrupt(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x20
	return c
}

func TestConsume(t *testing.T) {
	p := Payload(64)
	tests := []struct {
		name    string
		reads   [][]byte // the echo as it arrives; Closed follows if it is not done
		want    scenarios.Status
		wantErr string // in Err(); empty: Err() is nil
	}{
		{name: "whole", reads: [][]byte{p}, want: scenarios.Success},
		{name: "one byte per read", reads: scenariotest.Split(p, 1), want: scenarios.Success},
		{name: "reads of 7 bytes", reads: scenariotest.Split(p, 7), want: scenarios.Success},
		{name: "empty reads between", reads: [][]byte{p[:10], nil, p[10:]}, want: scenarios.Success},
		{name: "first byte differs", reads: [][]byte{corrupt(p, 0)},
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: `echo: byte 0 differs: got 'A', want 'a'`},
		{name: "byte 17 differs", reads: [][]byte{corrupt(p, 17)},
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: "echo: byte 17 differs"},
		{name: "byte 40 differs in the second read", reads: scenariotest.Split(corrupt(p, 40), 30),
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: "echo: byte 40 differs"},
		{name: "last byte differs", reads: scenariotest.Split(corrupt(p, 63), 1),
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: "echo: byte 63 differs"},
		{name: "bytes beyond the payload", reads: [][]byte{append(bytes.Clone(p), 'a', 'b')},
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: "echo: at least 66 bytes came back, 64 were sent"},
		{name: "bytes beyond in the last read", reads: [][]byte{p[:60], append(bytes.Clone(p[60:]), 'x')},
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: "at least 65 bytes"},
		{name: "closed halfway", reads: [][]byte{p[:32]},
			want: scenarios.Failure(scenarios.ErrShortRead), wantErr: "echo: connection closed after 32 of 64 bytes came back"},
		{name: "closed before answering", reads: nil,
			want: scenarios.Failure(scenarios.ErrShortRead), wantErr: "after 0 of 64 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(t, 64)
			if got := scenariotest.FeedCopies(s, tt.reads); got != tt.want {
				t.Fatalf("status = %+v, want %+v", got, tt.want)
			}
			err := s.Err()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Err() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Err() = %v, want it to contain %q", err, tt.wantErr)
			case err != nil && err.(*scenarios.RequestError).Class != tt.want.Class:
				t.Errorf("Err() has class %v, want %v", err.(*scenarios.RequestError).Class, tt.want.Class)
			}
		})
	}
}

func TestSuccessAfterFailure(t *testing.T) {
	s := newSession(t, 64)
	p := Payload(64)
	if st := scenariotest.Feed(s, [][]byte{p[:20], corrupt(p[20:], 5)}); st.Class != scenarios.ErrPayload {
		t.Fatalf("corrupt echo: status %+v, want a payload failure", st)
	}
	s.Connected()
	if st := scenariotest.Feed(s, scenariotest.Split(p, 10)); st != scenarios.Success {
		t.Fatalf("good echo after a failure: status %+v (%v), want success", st, s.Err())
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err() after a success = %v, want nil", err)
	}
	if !s.KeepOpen() {
		t.Error("KeepOpen() = false, want true")
	}
}

func TestConsumeDoesNotAllocate(t *testing.T) {
	tests := []struct {
		name     string
		size     int
		readSize int // 0: the whole echo in one read
	}{
		{name: "64 whole", size: 64},
		{name: "64 byte by byte", size: 64, readSize: 1},
		{name: "16KiB whole", size: 16 << 10},
		{name: "1MiB in 64KiB reads", size: 1 << 20, readSize: 64 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scenariotest.CheckZeroAllocs(t, newSession(t, tt.size), scenariotest.Split(Payload(tt.size), tt.readSize))
		})
	}
}

// FuzzConsume feeds arbitrary echoes, cut into arbitrary reads, and checks
// the outcome against a model: the first byte that differs from the
// payload fails, an echo that stops short fails as a short read, and bytes
// beyond the payload fail unless they arrive in a later read than its end.
func FuzzConsume(f *testing.F) {
	p := Payload(64)
	f.Add(uint16(64), p, []byte{})
	f.Add(uint16(64), p, []byte{1, 0, 17, 30})
	f.Add(uint16(64), corrupt(p, 17), []byte{10})
	f.Add(uint16(64), p[:40], []byte{20})
	f.Add(uint16(10), p[:20], []byte{10})
	f.Add(uint16(10), p[:20], []byte{11})
	f.Add(uint16(1), []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, size uint16, data, sizes []byte) {
		n := 1 + int(size)%1024
		s := newSession(t, n)
		reads := scenariotest.Pieces(data, sizes)
		got := scenariotest.FeedCopies(s, reads)
		if want := model(Payload(n), reads); got != want {
			t.Fatalf("status = %+v, want %+v", got, want)
		}
		if err := s.Err(); (err == nil) != (got == scenarios.Success) {
			t.Fatalf("status %+v with Err() = %v", got, err)
		}
	})
}

// model returns the status an echo arriving as reads must give.
func model(payload []byte, reads [][]byte) scenarios.Status {
	data := bytes.Join(reads, nil)
	n := min(len(data), len(payload))
	if !bytes.Equal(data[:n], payload[:n]) {
		return scenarios.Failure(scenarios.ErrPayload)
	}
	if len(data) < len(payload) {
		return scenarios.Failure(scenarios.ErrShortRead)
	}
	end := 0
	for _, r := range reads {
		end += len(r)
		if end == len(payload) {
			return scenarios.Success
		}
		if end > len(payload) {
			break
		}
	}
	return scenarios.Failure(scenarios.ErrPayload)
}

func BenchmarkConsume(b *testing.B) {
	for _, size := range []int{64, 16 << 10, 1 << 20} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			s := newSession(b, size)
			p := Payload(size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				s.Request(0)
				if st := s.Consume(p); st != scenarios.Success {
					b.Fatal(st)
				}
			}
		})
	}
}
