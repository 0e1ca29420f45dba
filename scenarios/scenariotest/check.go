package scenariotest

import (
	"fmt"
	"testing"
	"time"

	"github.com/latbench/latbench/scenarios"
)

// Deadline returns a generous deadline for one request in a test on a
// loaded machine.
func Deadline() time.Time { return time.Now().Add(10 * time.Second) }

// CheckNew checks what a scenario constructor returned: an error exactly
// when wantErr, and otherwise a scenario called name that describes itself
// as want.
func CheckNew(t *testing.T, sc scenarios.Scenario, err error, wantErr bool, name string, want map[string]string) {
	t.Helper()
	switch {
	case wantErr && err == nil:
		t.Fatalf("New returned a %s scenario (%v), want an error", name, sc.Describe())
	case wantErr:
		return
	case err != nil:
		t.Fatal(err)
	}
	CheckDescribe(t, sc, name, want)
}

// CheckDescribe fails the test unless sc is called name and describes
// itself exactly as want.
func CheckDescribe(t *testing.T, sc scenarios.Scenario, name string, want map[string]string) {
	t.Helper()
	if sc.Name() != name {
		t.Errorf("Name() = %q, want %s", sc.Name(), name)
	}
	got := sc.Describe()
	if len(got) != len(want) {
		t.Errorf("Describe() = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Describe()[%q] = %q, want %q", k, got[k], v)
		}
	}
}

// Split returns b in pieces of size bytes, the last one shorter; size 0
// means one piece. Each piece's capacity ends where the piece does, so a
// session that reads beyond it panics.
func Split(b []byte, size int) [][]byte {
	if size <= 0 {
		size = max(len(b), 1)
	}
	var pieces [][]byte
	for len(b) > 0 {
		k := min(size, len(b))
		pieces = append(pieces, b[:k:k])
		b = b[k:]
	}
	return pieces
}

// Pieces cuts b into pieces whose sizes are the successive bytes of
// sizes (a fuzz target's way of choosing reads), the rest of b making the
// last piece. Pieces may be empty. Each piece's capacity ends where the
// piece does.
func Pieces(b, sizes []byte) [][]byte {
	var pieces [][]byte
	for _, size := range sizes {
		k := min(int(size), len(b))
		pieces = append(pieces, b[:k:k])
		b = b[k:]
	}
	return append(pieces, b[:len(b):len(b)])
}

// Feed makes one request with s as the engine would, with the response
// arriving as reads: it calls Request, then Consume with each read until
// the request is done, then Closed if it is not, as if the server had
// closed the connection after the last read. Reads after the end of the
// response are not consumed.
func Feed(s scenarios.Session, reads [][]byte) scenarios.Status {
	s.Request(0)
	for _, p := range reads {
		if st := s.Consume(p); st.Done {
			return st
		}
	}
	return s.Closed()
}

// FeedCopies is Feed, except that it passes each read in a buffer of its
// own and overwrites the buffer once Consume has returned, so that a
// session that keeps p beyond the call sees garbage.
func FeedCopies(s scenarios.Session, reads [][]byte) scenarios.Status {
	copies := make([][]byte, len(reads))
	for i, p := range reads {
		copies[i] = make([]byte, len(p))
		copy(copies[i], p)
	}
	s.Request(0)
	for _, p := range copies {
		st := s.Consume(p)
		for i := range p {
			p[i] = 0xff
		}
		if st.Done {
			return st
		}
	}
	return s.Closed()
}

// CheckZeroAllocs fails the test unless s makes requests without
// allocating in the steady state. Every request is answered with the
// canned response given as reads, and a new connection is opened (by
// calling Connected) whenever the engine would: after a failure or when
// KeepOpen is false. One request warms s up, then 100 are counted.
func CheckZeroAllocs(t testing.TB, s scenarios.Session, reads [][]byte) {
	t.Helper()
	var failed error // the first failure, if any
	request := func() {
		st := Feed(s, reads)
		if st != scenarios.Success && failed == nil {
			failed = fmt.Errorf("status %+v: %v", st, s.Err())
		}
		if st != scenarios.Success || !s.KeepOpen() {
			s.Connected()
		}
	}
	s.Connected()
	request()
	allocs := testing.AllocsPerRun(100, request)
	if failed != nil {
		t.Fatalf("a request failed with %v; want every one to succeed", failed)
	}
	if allocs != 0 {
		t.Errorf("a request allocates %v times, want 0", allocs)
	}
}
