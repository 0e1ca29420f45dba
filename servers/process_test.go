package servers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latbench/latbench/bench/host"
)

// roundTrip sends msg over a new connection to addr and returns what
// comes back before the server closes (echo) or until len(msg) bytes.
func roundTrip(t *testing.T, addr, msg string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, testWait)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(testWait))
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("read echo from %s: %v", addr, err)
	}
	return string(buf)
}

// httpHealth is a readiness probe that asks GET /health over a raw
// connection (no http.Client, whose idle connections outlive the probe).
func httpHealth(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	if _, err := io.WriteString(c, "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"); err != nil {
		return err
	}
	resp, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(resp, []byte("HTTP/1.1 200 ")) || !bytes.HasSuffix(resp, []byte("ok")) {
		return errors.New("unexpected answer " + strconv.Quote(string(resp)))
	}
	return nil
}

func TestLaunchEcho(t *testing.T) {
	p := launch(t, StartSpec{Target: goTarget(goServer(t)), Mode: ModeEcho})
	if p.Pid() <= 0 || !strings.HasPrefix(p.Addr(), "127.0.0.1:") || strings.HasSuffix(p.Addr(), ":0") {
		t.Fatalf("Pid, Addr = %d, %q; want a pid and a port on 127.0.0.1", p.Pid(), p.Addr())
	}
	argv := p.Argv()
	if !slices.Contains(argv, p.Addr()) || slices.Contains(argv, "--backend") || slices.Contains(argv, "--threads") {
		t.Errorf("Argv() = %q; want the listen address and no --backend or --threads", argv)
	}
	if got := roundTrip(t, p.Addr(), "hello\n"); got != "hello\n" {
		t.Errorf("echo returned %q", got)
	}
	waitFor(t, "the server logged its start line", func() bool {
		return slices.ContainsFunc(p.Stderr(), func(l string) bool { return strings.Contains(l, "mode=echo") })
	})
	if err := p.ExitError(); err != nil {
		t.Errorf("ExitError() of a running target = %v", err)
	}
	if err := p.Stop(testGrace); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-p.Exited():
	default:
		t.Fatal("Exited() not closed after Stop")
	}
	if err := p.ExitError(); err != nil {
		t.Errorf("ExitError() after Stop = %v, want nil", err)
	}
	if pidAlive(p.Pid()) {
		t.Errorf("pid %d still alive after Stop", p.Pid())
	}
}

func TestLaunchModes(t *testing.T) {
	bin := goServer(t)
	tests := []struct {
		name     string
		mode     string
		listen   string
		threads  int
		backend  bool // relay to an echo server launched first
		probe    func(context.Context, string) error
		wantArgs []string // consecutive elements of Argv
	}{
		{name: "echo on port 0", mode: ModeEcho, listen: "127.0.0.1:0"},
		{name: "echo with threads", mode: ModeEcho, threads: 2, wantArgs: []string{"--threads", "2"}},
		{name: "http with probe", mode: ModeHTTP, probe: httpHealth, wantArgs: []string{"--mode", "http"}},
		{name: "proxy to echo", mode: ModeProxy, backend: true, wantArgs: []string{"--backend"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := StartSpec{Target: goTarget(bin), Mode: tt.mode, Listen: tt.listen, Threads: tt.threads, Probe: tt.probe}
			if tt.backend {
				spec.Backend = launch(t, StartSpec{Target: goTarget(bin), Mode: ModeEcho}).Addr()
			}
			p := launch(t, spec)
			if strings.HasSuffix(p.Addr(), ":0") {
				t.Errorf("Addr() = %s; want the picked port", p.Addr())
			}
			argv := strings.Join(p.Argv(), " ")
			if want := strings.Join(tt.wantArgs, " "); !strings.Contains(argv, want) {
				t.Errorf("Argv() = %q; want it to contain %q", argv, want)
			}
			if tt.mode != ModeHTTP {
				if got := roundTrip(t, p.Addr(), "ping"); got != "ping" {
					t.Errorf("round trip through %s returned %q", tt.mode, got)
				}
			}
		})
	}
}

// pidScript returns a script for shTarget that records its pid in the file
// named by $PIDFILE before it runs rest.
func pidScript(rest string) string {
	return `echo $$ > "$PIDFILE"; ` + rest
}

func TestLaunchFailures(t *testing.T) {
	bin := goServer(t)
	tests := []struct {
		name         string
		target       *Target
		readyTimeout time.Duration
		// probe, if set, returns the readiness probe given the pid file.
		probe   func(pidFile string) func(context.Context, string) error
		wantErr []string
	}{
		{
			name:    "exits at once",
			target:  shTarget("crash", pidScript(`echo "fatal: cannot open /etc/x.conf" >&2; exit 3`)),
			wantErr: []string{"target crash exited before it was ready (exit status 3)", "last stderr lines:\n    fatal: cannot open /etc/x.conf"},
		},
		{
			name:         "never listens",
			target:       shTarget("sleeper", pidScript(`echo "starting" >&2; exec sleep 60`)),
			readyTimeout: 500 * time.Millisecond,
			wantErr:      []string{"target sleeper not ready on 127.0.0.1:", "after 500ms", "raise the ready timeout"},
		},
		{
			name:         "ignores SIGTERM and never listens",
			target:       shTarget("stubborn", `trap "" TERM; `+pidScript(`sleep 60`)),
			readyTimeout: 500 * time.Millisecond,
			wantErr:      []string{"target stubborn not ready", "no output on stderr"},
		},
		{
			name:   "probe fails",
			target: shTarget("badproto", pidScript(`exec "$BIN" --mode echo --listen "$1"`)),
			probe: func(string) func(context.Context, string) error {
				return func(context.Context, string) error { return errors.New("wrong greeting") }
			},
			wantErr: []string{"target badproto on 127.0.0.1:", "failed its readiness probe: wrong greeting", "mode=echo"},
		},
		{
			name:         "exits during the probe",
			target:       shTarget("dies", pidScript(`echo "about to die" >&2; exec "$BIN" --mode echo --listen "$1"`)),
			readyTimeout: 3 * time.Second,
			probe: func(pidFile string) func(context.Context, string) error {
				return func(ctx context.Context, _ string) error {
					data, err := os.ReadFile(pidFile)
					if err != nil {
						return err
					}
					pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
					if err != nil {
						return err
					}
					_ = syscall.Kill(pid, syscall.SIGKILL)
					<-ctx.Done() // by then the exit has long been reaped
					return ctx.Err()
				}
			},
			wantErr: []string{"target dies exited before it was ready (killed by signal 9 (killed))", "    about to die"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "pid")
			spec := StartSpec{Target: tt.target, ReadyTimeout: tt.readyTimeout, Env: []string{"PIDFILE=" + pidFile, "BIN=" + bin}}
			if tt.probe != nil {
				spec.Probe = tt.probe(pidFile)
			}
			_, err := launchErr(t, spec)
			if err == nil {
				t.Fatal("Launch succeeded; want an error")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, want)
				}
			}
			pid := readPidFile(t, pidFile)
			if pidAlive(pid) {
				t.Errorf("pid %d still runs after the failed launch", pid)
			}
			if left := livePids(readGroup(pid)); len(left) > 0 {
				t.Errorf("processes %v of the target's group still run after the failed launch", left)
			}
		})
	}
}

func TestLaunchSpecErrors(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Close() })
	sleeper := shTarget("sleeper", "exec sleep 60")
	tests := []struct {
		name    string
		spec    StartSpec
		wantErr string
	}{
		{name: "no target", spec: StartSpec{Mode: ModeEcho}, wantErr: "launch: no target"},
		{name: "mode not served", spec: StartSpec{Target: sleeper, Mode: ModeHTTP}, wantErr: `target sleeper does not serve mode "http"; its modes: echo`},
		{name: "proxy without backend", spec: StartSpec{Target: &Target{Name: "p", Modes: []string{ModeProxy}, Command: []string{"sh"}}, Mode: ModeProxy},
			wantErr: "target p in proxy mode needs a backend address"},
		{name: "not runnable", spec: StartSpec{Target: &Target{Name: "nb", Modes: []string{ModeEcho}, Binary: "bin/nb", Command: []string{"{root}/bin/nb"}}, Mode: ModeEcho},
			wantErr: "target nb cannot run: missing binary bin/nb; build it"},
		{name: "port in use", spec: StartSpec{Target: sleeper, Mode: ModeEcho, Listen: held.Addr().String()},
			wantErr: "port " + held.Addr().String() + " in use; pick another with --listen"},
		{name: "listen not host:port", spec: StartSpec{Target: sleeper, Mode: ModeEcho, Listen: "nope"},
			wantErr: `listen address "nope" is not host:port`},
		{name: "listen on a foreign address", spec: StartSpec{Target: sleeper, Mode: ModeEcho, Listen: "192.0.2.1:1"},
			wantErr: "cannot listen on 192.0.2.1:1"},
		{name: "cpus outside the allowed set", spec: StartSpec{Target: sleeper, Mode: ModeEcho, CPUs: "1023"},
			wantErr: "launch sleeper: cpuset 1023 is outside the CPUs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.spec.CPUs != "" {
				if cpus, err := host.AllowedCPUs(); err != nil || slices.Contains(cpus, 1023) {
					t.Skip("CPU 1023 is allowed here")
				}
			}
			p, err := launchErr(t, tt.spec)
			if err == nil || p != nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Launch = %v, %v; want an error containing %q", p, err, tt.wantErr)
			}
		})
	}
}

func TestStartEmptyCommand(t *testing.T) {
	tgt := &Target{Name: "e", Modes: []string{ModeEcho}, Command: []string{"{threads}"}}
	p, err := startCopies(StartSpec{Target: tgt, Mode: ModeEcho, Root: t.TempDir(), Listen: "127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "the command is empty") {
		if p != nil {
			_ = p.Stop(testGrace)
		}
		t.Fatalf("start of a command that expands to nothing = %v; want an error", err)
	}
}

func TestLaunchInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pidFile := filepath.Join(t.TempDir(), "pid")
	_, err := Start(ctx, StartSpec{Target: shTarget("sleeper", pidScript("exec sleep 60")), Mode: ModeEcho,
		Root: t.TempDir(), Env: []string{"PIDFILE=" + pidFile}})
	if err == nil || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "launch of target sleeper interrupted") {
		t.Fatalf("Launch with a cancelled context = %v; want an interruption", err)
	}
	// The script may not have got to write its pid before it was stopped.
	if data, err := os.ReadFile(pidFile); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pidAlive(pid) {
			t.Errorf("pid %d still runs after the interrupted launch", pid)
		}
	}
}

func TestLaunchExternal(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Close() })
	// A port that was free a moment ago; nothing listens there.
	free, err := FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("reachable", func(t *testing.T) {
		tgt := &Target{Name: "ext", Modes: []string{ModeProxy}, Address: held.Addr().String()}
		p := launch(t, StartSpec{Target: tgt, Mode: ModeProxy})
		if p.Pid() != 0 || p.Addr() != held.Addr().String() || p.Argv() != nil || p.Stderr() != nil || p.ExitError() != nil {
			t.Errorf("external handle: pid %d, addr %s, argv %v, stderr %v, exit %v", p.Pid(), p.Addr(), p.Argv(), p.Stderr(), p.ExitError())
		}
		select {
		case <-p.Exited():
			t.Error("Exited() closed for an external target")
		default:
		}
		if err := p.Stop(0); err != nil {
			t.Errorf("Stop of an external target = %v", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		tgt := &Target{Name: "gone", Modes: []string{ModeEcho}, Address: free}
		_, err := launchErr(t, StartSpec{Target: tgt, Mode: ModeEcho, ReadyTimeout: 300 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), "nothing listens at "+free+" (connection refused)") {
			t.Fatalf("Launch of an unreachable external target = %v", err)
		}
	})
}

func TestExitedOnExternalKill(t *testing.T) {
	p := launch(t, StartSpec{Target: goTarget(goServer(t)), Mode: ModeEcho})
	killPid(t, p.Pid())
	select {
	case <-p.Exited():
	case <-time.After(testWait):
		t.Fatalf("Exited() not closed %v after SIGKILL", testWait)
	}
	err := p.ExitError()
	if err == nil || !strings.Contains(err.Error(), "target go-test exited unexpectedly (killed by signal 9 (killed))") {
		t.Fatalf("ExitError() = %v; want the kill", err)
	}
	if err := p.Stop(testGrace); err != nil {
		t.Errorf("Stop after the target died = %v", err)
	}
	if p.ExitError() == nil {
		t.Error("ExitError() forgot the unexpected exit after Stop")
	}
}

func TestLaunchPinned(t *testing.T) {
	if _, err := exec.LookPath("taskset"); err != nil {
		t.Skip("taskset not installed")
	}
	allowed, err := host.AllowedCPUs()
	if err != nil {
		t.Fatal(err)
	}
	cpu := strconv.Itoa(allowed[0])
	p := launch(t, StartSpec{Target: goTarget(goServer(t)), Mode: ModeEcho, CPUs: cpu})
	if argv := p.Argv(); filepath.Base(argv[0]) != "taskset" || argv[2] != cpu {
		t.Errorf("Argv() = %q; want taskset -c %s first", argv, cpu)
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(p.Pid()) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			got = strings.TrimSpace(v)
		}
	}
	if got != cpu {
		t.Errorf("Cpus_allowed_list of the target = %q, want %q", got, cpu)
	}
	if got := roundTrip(t, p.Addr(), "pinned"); got != "pinned" {
		t.Errorf("echo returned %q", got)
	}
}
