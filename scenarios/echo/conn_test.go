package echo

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

func TestExchangeSizes(t *testing.T) {
	srv := startServer(t, echoHandler)
	for _, size := range []int{1, 64, 1500, 16 << 10, 64<<10 + 1, 1 << 20, MaxSize} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			l := scenariotest.NewLoop(t, srv.Addr(), newSession(t, size))
			l.Run(t, 3)
			if n := l.Dials(); n != 1 {
				t.Errorf("%d connections for 3 requests, want 1", n)
			}
		})
	}
}

func TestKeepsConnection(t *testing.T) {
	srv := startServer(t, echoHandler)
	l := scenariotest.NewLoop(t, srv.Addr(), newSession(t, DefaultSize))
	l.Run(t, 20)
	if n := srv.Accepted(); n != 1 {
		t.Errorf("server accepted %d connections, want 1", n)
	}
}

func TestServerErrors(t *testing.T) {
	tests := []struct {
		name        string
		handle      func(net.Conn)
		size        int
		timeout     time.Duration
		want        scenarios.Status
		wantErr     string // in the session's Err()
		wantTimeout bool   // the exchange ends with a timeout, which the engine classifies
	}{
		{name: "payload mismatch", handle: corruptHandler, size: DefaultSize,
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: "byte 0 differs"},
		{name: "payload mismatch in a large echo", handle: corruptHandler, size: 16 << 20,
			want: scenarios.Failure(scenarios.ErrPayload), wantErr: "byte 0 differs"},
		{name: "short read", handle: halfHandler(DefaultSize), size: DefaultSize,
			want: scenarios.Failure(scenarios.ErrShortRead), wantErr: "after 32 of 64 bytes"},
		{name: "timeout", handle: silentHandler, size: DefaultSize, timeout: 50 * time.Millisecond,
			want: scenarios.InProgress, wantTimeout: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, tt.handle)
			s := newSession(t, tt.size)
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			st, err := scenariotest.NewLoop(t, srv.Addr(), s).Exchange(time.Now().Add(timeout))
			if st != tt.want {
				t.Errorf("status = %+v, want %+v", st, tt.want)
			}
			if timedOut := errors.Is(err, os.ErrDeadlineExceeded); timedOut != tt.wantTimeout || (err != nil && !timedOut) {
				t.Errorf("exchange error = %v, want a timeout: %v", err, tt.wantTimeout)
			}
			if tt.wantErr != "" && (s.Err() == nil || !strings.Contains(s.Err().Error(), tt.wantErr)) {
				t.Errorf("Err() = %v, want it to contain %q", s.Err(), tt.wantErr)
			}
		})
	}
}

func TestReconnectsAfterError(t *testing.T) {
	srv := startServer(t, halfHandler(DefaultSize))
	l := scenariotest.NewLoop(t, srv.Addr(), newSession(t, DefaultSize))
	for i := 0; i < 3; i++ {
		if st, err := l.Exchange(scenariotest.Deadline()); err != nil || st.Class != scenarios.ErrShortRead {
			t.Fatalf("request %d: status %+v, error %v, want a short read", i, st, err)
		}
	}
	if n := srv.Accepted(); n != 3 {
		t.Errorf("server accepted %d connections, want 3", n)
	}
}
