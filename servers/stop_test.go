package servers

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// readyScript returns a script for shTarget that runs setup, then creates
// the file named by $READY, then runs rest; tests wait for the file so
// that a signal cannot arrive before the setup (such as a trap) is done.
func readyScript(setup, rest string) string {
	return setup + "\n" + `echo $$ > "$READY"` + "\n" + rest
}

// startReady starts script and waits until it signals that its setup is
// done.
func startReady(t *testing.T, name, script string) *Process {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	tgt := shTarget(name, script)
	p, err := startCopies(StartSpec{Target: tgt, Mode: ModeEcho, Root: t.TempDir(), Listen: "127.0.0.1:1", Env: []string{"READY=" + ready}})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { _ = p.Stop(testGrace) })
	readPidFile(t, ready)
	return p
}

func TestStopForceKill(t *testing.T) {
	tests := []struct {
		name   string
		script string
		// child means the script's child writes "child" to stderr once
		// its trap is set; the test waits for it.
		child   bool
		wantErr string
	}{
		{
			// The sleep inherits the ignored SIGTERM and is in the same group.
			name:    "target ignores SIGTERM",
			script:  readyScript(`trap "" TERM`, "sleep 60; sleep 60"),
			wantErr: "target stubborn ignored SIGTERM for 300ms; killed with SIGKILL",
		},
		{
			name:    "child ignores SIGTERM",
			script:  readyScript(`sh -c 'trap "" TERM; echo child >&2; exec sleep 60' &`, "wait"),
			child:   true,
			wantErr: "target stubborn left processes [",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startReady(t, "stubborn", tt.script)
			if tt.child {
				waitFor(t, "the child started", func() bool { return strings.Join(p.Stderr(), "\n") == "child" })
			}
			err := p.Stop(300 * time.Millisecond)
			if !errors.Is(err, ErrForceKilled) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Stop = %v; want ErrForceKilled and %q", err, tt.wantErr)
			}
			select {
			case <-p.Exited():
			default:
				t.Error("Exited() not closed after Stop")
			}
			if left := livePids(readGroup(p.Pid())); len(left) > 0 {
				t.Errorf("processes %v of the group survived Stop", left)
			}
			if err := p.ExitError(); err != nil {
				t.Errorf("ExitError() after Stop = %v, want nil", err)
			}
			if again := p.Stop(testGrace); again != err {
				t.Errorf("second Stop = %v, want the first result %v", again, err)
			}
		})
	}
}

func TestStopGraceful(t *testing.T) {
	tests := []struct {
		name   string
		target func(t *testing.T) *Process
		grace  time.Duration
	}{
		{name: "go server", grace: testGrace, target: func(t *testing.T) *Process {
			return launch(t, StartSpec{Target: goTarget(goServer(t)), Mode: ModeEcho})
		}},
		{name: "sleep with the default grace", grace: 0, target: func(t *testing.T) *Process {
			return startRaw(t, shTarget("sleeper", "exec sleep 60"))
		}},
		{name: "group of shells", grace: testGrace, target: func(t *testing.T) *Process {
			return startRaw(t, shTarget("group", "sleep 60 & sleep 60 & wait"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.target(t)
			if err := p.Stop(tt.grace); err != nil {
				t.Fatalf("Stop = %v, want nil", err)
			}
			if left := livePids(readGroup(p.Pid())); len(left) > 0 {
				t.Errorf("processes %v of the group survived Stop", left)
			}
			if err := p.ExitError(); err != nil {
				t.Errorf("ExitError() after Stop = %v, want nil", err)
			}
		})
	}
}

func TestStopConcurrent(t *testing.T) {
	p := startRaw(t, shTarget("sleeper", "exec sleep 60"))
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = p.Stop(testGrace) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Stop call %d = %v", i, err)
		}
	}
	if pidAlive(p.Pid()) {
		t.Errorf("pid %d alive after Stop", p.Pid())
	}
}

func TestStopAfterExit(t *testing.T) {
	tests := []struct {
		name     string
		script   string
		wantExit string
	}{
		{name: "exit 0", script: "exit 0", wantExit: "target quitter exited unexpectedly (exit status 0); no output on stderr"},
		{name: "exit 7 with output", script: "echo bye >&2; exit 7", wantExit: "(exit status 7); last stderr lines:\n    bye"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startRaw(t, shTarget("quitter", tt.script))
			select {
			case <-p.Exited():
			case <-time.After(testWait):
				t.Fatal("the target did not exit")
			}
			for _, when := range []string{"before Stop", "after Stop"} {
				if err := p.ExitError(); err == nil || !strings.Contains(err.Error(), tt.wantExit) {
					t.Errorf("ExitError() %s = %v; want %q", when, err, tt.wantExit)
				}
				if err := p.Stop(testGrace); err != nil {
					t.Fatalf("Stop of an exited target = %v", err)
				}
			}
		})
	}
}

func TestStopHelpers(t *testing.T) {
	// A pid far above pid_max is never a process group.
	if err := signalGroup(1<<30, syscall.SIGTERM); err != nil {
		t.Errorf("signalGroup of a missing group = %v, want nil", err)
	}
	if !waitClosed(closedChan(), 0) || waitClosed(make(chan struct{}), time.Millisecond) {
		t.Error("waitClosed misreports a closed or an open channel")
	}
	if left := waitGroupGone(1<<30, time.Now()); len(left) > 0 {
		t.Errorf("waitGroupGone of a missing group = %v", left)
	}
}

// closedChan returns a closed channel.
func closedChan() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}
