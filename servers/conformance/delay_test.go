package conformance

import (
	"bufio"
	"net/http"
	"sync"
	"testing"
	"time"
)

// testDelay checks GET /delay/D/bytes/N, and what a slow dependency does
// to each I/O form: the blocking form's threads are all taken by slow
// requests, so a fast request waits for one; the async form answers it
// at once. Delays are long (2 s) and bounds far from them, for a busy
// machine.
func (s *suite) testDelay(t *testing.T) {
	p := s.start(t, "http", "")
	addr := p.Addr()
	t.Run("waits, then answers like /bytes/N", func(t *testing.T) {
		c := dial(t, addr)
		r := bufio.NewReader(c)
		start := time.Now()
		resp, body, err := roundTrip(r, c, request("/delay/50ms/bytes/10", ""))
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took < 50*time.Millisecond {
			t.Errorf("answered after %v, before the 50ms delay", took)
		}
		if err := checkBytesResponse(resp, body, 10); err != nil {
			t.Error(err)
		}
	})
	t.Run("a bad delay is a 400 and the connection stays usable", func(t *testing.T) {
		c := dial(t, addr)
		r := bufio.NewReader(c)
		for _, bad := range []string{"/delay/61s/bytes/1", "/delay/1.5ms/bytes/1", "/delay/10/bytes/1", "/delay/1m/bytes/1"} {
			resp, _, err := roundTrip(r, c, request(bad, ""))
			if err != nil || resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("GET %s: %v, %v; want 400", bad, resp, err)
			}
		}
		if err := getBytes(r, c, 5, ""); err != nil {
			t.Errorf("after the 400s: %v", err)
		}
	})
	t.Run("starved when blocking, not when async", s.checkStarvation)
}

// checkStarvation runs the server with a pool of two threads (blocking
// forms), sends two requests to a 2 s dependency on two connections, and
// times a fast request on a third.
func (s *suite) checkStarvation(t *testing.T) {
	small := *s
	if s.form.blocking {
		small.workers = 2
	}
	addr := small.start(t, "http", "").Addr()
	var wg sync.WaitGroup
	for range 2 {
		c := dial(t, addr)
		wg.Go(func() {
			r := bufio.NewReader(c)
			if _, _, err := roundTrip(r, c, request("/delay/2s/bytes/1", "Connection: close\r\n")); err != nil {
				t.Errorf("slow request: %v", err)
			}
		})
	}
	defer wg.Wait()
	time.Sleep(300 * time.Millisecond) // the slow requests take their threads
	c := dial(t, addr)
	start := time.Now()
	if err := getBytes(bufio.NewReader(c), c, 10, ""); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	switch {
	case s.form.blocking && took < time.Second:
		t.Errorf("with both threads on the slow dependency, a fast request took %v: it should wait for a thread", took)
	case !s.form.blocking && took >= time.Second:
		t.Errorf("a fast request took %v while two requests waited on the dependency: the async form must not starve", took)
	}
	t.Logf("fast request beside two slow ones: %v", took)
}
