package conformance

import (
	"bufio"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/latbench/latbench/servers"
)

// testSigterm checks that each mode exits 0 within sigtermBound of a
// SIGTERM to its main process, also with a client connection open.
func (s *suite) testSigterm(t *testing.T) {
	tests := []struct {
		mode string
	}{
		{mode: "echo"},
		{mode: "http"},
		{mode: "proxy"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			backend := ""
			if tt.mode == "proxy" {
				backend = newBackend(t).addr()
			}
			p := s.start(t, tt.mode, backend)
			c := dial(t, p.Addr())
			if err := echoOrGet(c, tt.mode); err != nil {
				t.Fatal(err)
			}
			checkSigtermExit(t, p)
		})
	}
}

// echoOrGet makes one exchange on c in the language of mode, so the
// server has a live connection when the signal comes.
func echoOrGet(c net.Conn, mode string) error {
	if mode == "http" {
		return getBytes(bufio.NewReader(c), c, 10, "")
	}
	return echoOnce(c, message(64, 0))
}

// checkSigtermExit sends SIGTERM to p's main process only and expects it
// to exit with status 0 in time, leaving no process of its group behind.
func checkSigtermExit(t *testing.T, p *servers.Process) {
	t.Helper()
	sent := time.Now()
	if err := syscall.Kill(p.Pid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Exited():
	case <-time.After(sigtermBound):
		t.Fatalf("still running %v after SIGTERM", sigtermBound)
	}
	if code := p.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0; its output: %q", code, p.Stderr())
	}
	t.Logf("exited %v after SIGTERM", time.Since(sent).Round(time.Millisecond))
	if err := p.Stop(time.Second); errors.Is(err, servers.ErrForceKilled) {
		t.Fatalf("processes of its group outlived it: %v", err)
	}
}
