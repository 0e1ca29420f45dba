package servers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/latbench/latbench/bench/host"
)

// Defaults and timings of the target lifecycle.
const (
	// DefaultReadyTimeout bounds the wait for a launched target (JVMs
	// start slowly).
	DefaultReadyTimeout = 30 * time.Second
	// DefaultExternalReadyTimeout bounds the wait for an external target,
	// which is either up already or not at all.
	DefaultExternalReadyTimeout = 5 * time.Second
	// DefaultGrace is how long Stop waits after SIGTERM before SIGKILL.
	DefaultGrace = 3 * time.Second

	readyPollInterval = 20 * time.Millisecond
	dialTimeout       = 250 * time.Millisecond
	// pipeDrainDelay bounds how long the output pipe is read after the
	// target exited while its children still hold it open.
	pipeDrainDelay = 200 * time.Millisecond
	// killWait bounds the wait for processes after SIGKILL.
	killWait = 5 * time.Second
)

// ErrForceKilled is wrapped by Stop's error when the target did not stop
// on SIGTERM within the grace period and was killed with SIGKILL. Callers
// usually report it as a warning.
var ErrForceKilled = errors.New("killed with SIGKILL")

// StartSpec describes one start of a target. Every optional field has a
// valid zero value.
type StartSpec struct {
	Target *Target
	Mode   string // echo, http, proxy or grpc; the target must support it
	// Root is the repository root: the working directory of the command
	// and the value of {root}. "" means the current directory.
	Root string
	// CPUs is the cpuset the target runs on (via taskset); "" means no
	// pinning.
	CPUs string
	// Listen is the host:port the target listens on. "" (or port 0) picks
	// a free port on 127.0.0.1 (or on the given host).
	Listen  string
	Backend string // host:port a proxy relays to; required in proxy mode
	Threads int    // value of --threads; 0 omits the flag
	// Workers overrides the target's {workers} (the blocking form's
	// thread pool) when above 0.
	Workers int
	// Netem, when set, runs the target in that impaired network's
	// namespace, on its address (Listen is then ignored).
	Netem *host.Netem
	// Ledger, when set, records the target's process groups while they
	// run, so that a later latbench can sweep them should this one die
	// without stopping them.
	Ledger *host.Ledger
	// ReadyTimeout bounds the readiness wait, probe included. 0 means
	// DefaultReadyTimeout, or DefaultExternalReadyTimeout for an external
	// target.
	ReadyTimeout time.Duration
	// Probe checks the protocol once the target accepts TCP connections;
	// nil means none.
	Probe func(ctx context.Context, addr string) error
	Env   []string // extra environment variables, "NAME=value"
	// BodySizes are the N of GET /bytes/N the run will ask for; a target
	// whose config latbench writes (nginx) gets a file for each.
	BodySizes []int
	// TLS is the certificate and key the target serves TLS with (e.g.
	// CA.Server()); nil means plain TCP. A command gets them through the
	// `tls` arguments of its manifest entry, nginx and HAProxy in the
	// config latbench writes. A target that cannot serve TLS is refused
	// before anything starts (see tls.go).
	TLS *TLSFiles
	// Listener is what the listener speaks: ListenerHTTP1, ListenerH2C or
	// ListenerTLS. "" means ListenerTLS with TLS files, else
	// ListenerHTTP1. Only nginx's config tells HTTP/1.1 from h2c; tls.go
	// says what each kind means for each target.
	Listener string
	// ALPN lists the protocols (ALPNH2, ALPNHTTP1) a TLS listener of a
	// config latbench writes offers; nil means h2 and http/1.1 for nginx,
	// http/1.1 for HAProxy, whose backend must speak what it offers.
	ALPN []string

	// listens is the listen address of every copy, listens[0] being
	// Listen; withDefaults fills it in.
	listens []string
}

// Process is a target latbench launched, or a handle to an external one
// (then it has no process: Pid is 0, Exited never closes, Stop does
// nothing). A target with Instances N > 1 runs as N copies of its
// command, each on its own port; the Process represents them as one.
type Process struct {
	name   string
	addrs  []string    // one listen address per copy; addrs[0] is Addr
	copies []*instance // nil for an external target
	output *lineRing   // the lines of every copy, labelled when N > 1
	// workdir holds the config latbench wrote for the target, if any; it
	// is removed once the target has stopped.
	workdir string

	// exited is closed by the reaper of the first copy to exit, after it
	// has set firstExit; firstExit is read only after exited is closed,
	// so it needs no lock.
	exited    chan struct{}
	exitOnce  sync.Once
	firstExit *instance

	// stopping is set when Stop begins while every copy still runs: an
	// exit after that is expected. An exit before Stop stays unexpected.
	stopping atomic.Bool
	stopOnce sync.Once
	stopErr  error // written inside stopOnce, read after it

	controlMu sync.Mutex // serialises WriteControl

	// external is a server latbench did not start: a refused connection
	// will not become an accepted one by waiting for a launch.
	external bool

	ledger *host.Ledger // where the copies' groups are recorded, or nil
}

// Start starts the target of spec, waits until it accepts TCP connections
// on its listen address, and runs spec.Probe. A target with Instances N
// gets N copies, each on its own port; Start waits until every copy is
// ready and probes each. On any failure it stops what it started and
// returns an error that quotes the target's last output lines. ctx bounds
// only the start; the processes run until Stop. For an external target
// Start only waits until its address is reachable.
func Start(ctx context.Context, spec StartSpec) (*Process, error) {
	spec, err := spec.withDefaults()
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(spec.ReadyTimeout)
	var p *Process
	if spec.Target.External() {
		p = attach(spec)
	} else if p, err = startCopies(spec); err != nil {
		return nil, err
	}
	if err = p.waitReady(ctx, deadline, spec.ReadyTimeout); err == nil {
		err = p.verify(ctx, deadline, spec.Probe)
	}
	if err != nil {
		_ = p.Stop(time.Second)
		return nil, err
	}
	return p, nil
}

// withDefaults validates spec and fills in its defaults, including a free
// listen address for every copy.
func (spec StartSpec) withDefaults() (StartSpec, error) {
	t := spec.Target
	switch {
	case t == nil:
		return spec, errors.New("launch: no target")
	case !t.Supports(spec.Mode):
		return spec, fmt.Errorf("target %s does not serve mode %q; its modes: %s", t.Name, spec.Mode, strings.Join(t.Modes, ", "))
	case spec.Mode == ModeProxy && spec.Backend == "" && !t.External():
		return spec, fmt.Errorf("target %s in proxy mode needs a backend address", t.Name)
	}
	if err := spec.checkListener(); err != nil {
		return spec, err
	}
	if t.External() {
		spec.Listen = t.Address
		spec.listens = []string{t.Address}
		if spec.ReadyTimeout <= 0 {
			spec.ReadyTimeout = DefaultExternalReadyTimeout
		}
		return spec, nil
	}
	if spec.ReadyTimeout <= 0 {
		spec.ReadyTimeout = DefaultReadyTimeout
	}
	if spec.Root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return spec, fmt.Errorf("launch %s: %w", t.Name, err)
		}
		spec.Root = wd
	}
	if st := t.Check(spec.Root); !st.Runnable {
		return spec, fmt.Errorf("target %s cannot run: missing %s; %s", t.Name, strings.Join(st.Missing, ", "), st.Fix)
	}
	if spec.Netem != nil {
		spec.listens = nil
		if spec.Listen != "" && t.Copies() == 1 {
			spec.listens = []string{spec.Listen} // a restart, on its old address
		}
		for len(spec.listens) < t.Copies() {
			spec.listens = append(spec.listens, spec.Netem.Listen())
		}
		spec.Listen = spec.listens[0]
		return spec, nil
	}
	listens, err := listenAddrs(spec.Listen, t.Copies())
	if err != nil {
		return spec, err
	}
	spec.Listen, spec.listens = listens[0], listens
	return spec, nil
}

// listenAddr returns listen if nothing listens there yet, or a free port
// when listen is "" or has port 0. Another process may still take the
// port before the target binds it; the readiness wait then fails.
func listenAddr(listen string) (string, error) {
	if listen == "" {
		return FreePort("127.0.0.1")
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("listen address %q is not host:port: %w", listen, err)
	}
	if port == "0" {
		return FreePort(host)
	}
	l, err := net.Listen("tcp", listen)
	if errors.Is(err, syscall.EADDRINUSE) {
		return "", fmt.Errorf("port %s in use; pick another with --listen or stop the process using it", listen)
	}
	if err != nil {
		return "", fmt.Errorf("cannot listen on %s: %w; pick another address with --listen", listen, err)
	}
	return listen, l.Close()
}

// FreePort returns a host:port on host (e.g. "127.0.0.1") whose port is
// free right now: it listens on port 0 and closes the listener again.
func FreePort(host string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("find a free port on %s: %w", host, err)
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// attach returns the handle of an external target.
func attach(spec StartSpec) *Process {
	return &Process{name: spec.Target.Name, addrs: []string{spec.Listen}, exited: make(chan struct{}), external: true}
}

// start runs the target's copies, each in its own process group, and
// starts the goroutines that reap them. If a copy fails to start, the
// ones started before it are stopped.
func startCopies(spec StartSpec) (*Process, error) {
	if len(spec.listens) == 0 {
		spec.listens = []string{spec.Listen}
	}
	vars := Vars{Root: spec.Root, Mode: spec.Mode, Backend: spec.Backend, Threads: spec.Threads,
		Workers: spec.Target.WorkersFor(spec.Workers)}
	if spec.TLS != nil && spec.Target.Config == "" {
		vars.TLSCert, vars.TLSKey = spec.TLS.Cert, spec.TLS.Key
	}
	if spec.Target.Config != "" {
		var err error
		vars.Config, vars.Workdir, err = writeConfig(spec.Target.Config, spec.configSpec())
		if err != nil {
			return nil, fmt.Errorf("launch %s: %w", spec.Target.Name, err)
		}
	}
	p := &Process{name: spec.Target.Name, addrs: spec.listens, output: newLineRing(outputLines),
		exited: make(chan struct{}), workdir: vars.Workdir, ledger: spec.Ledger}
	for i, listen := range spec.listens {
		vars.Listen = listen
		c, err := p.startCopy(spec, vars, i+1)
		if err != nil {
			if len(p.copies) > 0 {
				p.stopping.Store(true)
				_ = p.Stop(time.Second)
			} else if vars.Workdir != "" {
				os.RemoveAll(vars.Workdir)
			}
			return nil, err
		}
		p.copies = append(p.copies, c)
		go p.wait(c)
	}
	return p, nil
}

// configSpec returns what the target's written config needs: one worker
// per CPU of its cpuset unless Threads says otherwise, and the listener.
func (spec StartSpec) configSpec() configSpec {
	workers := spec.Threads
	if cpus, err := host.ParseCPUSet(spec.CPUs); workers == 0 && err == nil {
		workers = len(cpus)
	}
	return configSpec{Listen: spec.Listen, Backend: spec.Backend, Workers: workers, Sizes: spec.BodySizes,
		Listener: spec.listener(), TLS: spec.TLS, ALPN: spec.alpn()}
}

// startCopy starts copy number index of the target's command with vars
// substituted.
func (p *Process) startCopy(spec StartSpec, vars Vars, index int) (*instance, error) {
	t := spec.Target
	argv, err := host.PinnedCommand(spec.CPUs, t.Expand(vars))
	if err != nil {
		return nil, fmt.Errorf("launch %s: %w", t.Name, err)
	}
	if spec.Netem != nil && len(argv) > 0 {
		argv = spec.Netem.Wrap(argv)
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("launch %s: the command is empty once its empty placeholders are dropped; check the target's `command`", t.Name)
	}
	dir, err := workingDir(t, vars)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(host.UnpinnedEnv(), spec.Env...)
	// One writer for both streams: exec then uses one pipe and one copying
	// goroutine, so lines keep their order and Write is never concurrent
	// for one copy. Copies of a group label their lines.
	var out io.Writer = p.output
	if len(p.addrs) > 1 {
		out = p.output.source(fmt.Sprintf("[copy %d] ", index))
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = pipeDrainDelay
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("launch %s: %w", t.Name, err)
	}
	// Setpgid puts the copy and its children in a group that Stop can
	// signal at once. Pdeathsig kills the copy if latbench dies; it fires
	// when the OS thread that forked exits, which the Go runtime does only
	// for a goroutine that exits while locked to its thread.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		stdin.Close()
		return nil, fmt.Errorf("start target %s (%s): %w", t.Name, strings.Join(argv, " "), err)
	}
	if err := p.ledger.Add(cmd.Process.Pid, argv); err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		stdin.Close()
		return nil, fmt.Errorf("start target %s: %w", t.Name, err)
	}
	return &instance{index: index, argv: argv, cmd: cmd, stdin: stdin, exited: make(chan struct{})}, nil
}

// wait reaps copy c; it is the only writer of c.state and closes c.exited
// after writing it. The first copy to exit also closes p.exited.
func (p *Process) wait(c *instance) {
	_ = c.cmd.Wait() // the exit is described from ProcessState
	c.state = c.cmd.ProcessState
	close(c.exited)
	p.exitOnce.Do(func() {
		p.firstExit = c
		close(p.exited)
	})
}

// waitReady polls a TCP connect to each listen address every
// readyPollInterval until all have succeeded, a copy exits, ctx is done or
// the deadline passes.
func (p *Process) waitReady(ctx context.Context, deadline time.Time, timeout time.Duration) error {
	readyCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	tick := time.NewTicker(readyPollInterval)
	defer tick.Stop()
	for _, addr := range p.addrs {
		for err := dialOnce(readyCtx, addr); err != nil; err = dialOnce(readyCtx, addr) {
			if p.external && errors.Is(err, syscall.ECONNREFUSED) {
				return fmt.Errorf("nothing listens at %s (connection refused): start the server first, or check the address", addr)
			}
			select {
			case <-p.exited:
				return p.exitedEarly()
			case <-readyCtx.Done():
				if ctx.Err() != nil {
					return fmt.Errorf("launch of target %s interrupted: %w", p.name, ctx.Err())
				}
				return fmt.Errorf("target %s not ready on %s after %v (check that it listens on the {listen} address, or raise the ready timeout)%s",
					p.name, addr, timeout, outputTail(p.Stderr()))
			case <-tick.C:
			}
		}
	}
	return nil
}

// dialOnce opens and closes one TCP connection to addr.
func dialOnce(ctx context.Context, addr string) error {
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// verify runs the protocol probe on every listen address, bounded by the
// readiness deadline.
func (p *Process) verify(ctx context.Context, deadline time.Time, probe func(context.Context, string) error) error {
	if probe == nil {
		return nil
	}
	probeCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	for _, addr := range p.addrs {
		err := probe(probeCtx, addr)
		if err == nil {
			continue
		}
		select {
		case <-p.exited:
			return p.exitedEarly()
		default:
		}
		return fmt.Errorf("target %s on %s failed its readiness probe: %w%s", p.name, addr, err, outputTail(p.Stderr()))
	}
	return nil
}

// exitedEarly describes an exit during the launch. Call only after exited
// is closed.
func (p *Process) exitedEarly() error {
	return fmt.Errorf("target %s exited before it was ready (%s)%s", p.name, p.exitStatus(), outputTail(p.Stderr()))
}

// exitStatus describes how the first copy to exit ended, naming the copy
// when there are several. Call only after exited is closed.
func (p *Process) exitStatus() string {
	c := p.firstExit
	status := "exit status unknown"
	if c.state != nil {
		status = fmt.Sprintf("exit status %d", c.state.ExitCode())
		if ws, ok := c.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			status = fmt.Sprintf("killed by signal %d (%v)", int(ws.Signal()), ws.Signal())
		}
	}
	if len(p.copies) > 1 {
		status = fmt.Sprintf("copy %d of %d: %s", c.index, len(p.copies), status)
	}
	return status
}

// Name returns the target's name.
func (p *Process) Name() string { return p.name }

// Addr returns the host:port the target listens on; for a target with
// several copies, that of the first.
func (p *Process) Addr() string { return p.addrs[0] }

// Pid returns the process id of the target's (first) copy, also its
// process group id, or 0 for an external target.
func (p *Process) Pid() int {
	if len(p.copies) == 0 {
		return 0
	}
	return p.copies[0].cmd.Process.Pid
}

// Argv returns the command line the target was started with (nil for an
// external target). For N > 1 copies it is the first copy's, followed by
// one element "×N"; the other copies differ only in their listen address
// (see Addrs).
func (p *Process) Argv() []string {
	if len(p.copies) == 0 {
		return nil
	}
	argv := append([]string(nil), p.copies[0].argv...)
	if n := len(p.copies); n > 1 {
		argv = append(argv, fmt.Sprintf("×%d", n))
	}
	return argv
}

// Stderr returns the last lines the target wrote. Stdout is captured into
// the same lines: by the server contract servers write only to stderr.
// With several copies the lines interleave as they were written, each
// prefixed with "[copy N] ".
func (p *Process) Stderr() []string {
	if p.output == nil {
		return nil
	}
	return p.output.Lines()
}

// Exited returns a channel that is closed when the target's main process
// (of any copy) has exited, whether by itself or through Stop.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// ExitCode returns the exit code of the target's main process (of the
// first copy to exit) once it has exited, -1 when a signal killed it, and
// -2 while it still runs (or for an external target).
func (p *Process) ExitCode() int {
	select {
	case <-p.exited:
	default:
		return -2
	}
	if p.firstExit.state == nil {
		return -1
	}
	return p.firstExit.state.ExitCode()
}

// ExitError describes an unexpected exit: nil while the target runs, or
// when it exited because of Stop. An exit of any copy before Stop was
// called stays unexpected, also after Stop.
func (p *Process) ExitError() error {
	select {
	case <-p.exited:
	default:
		return nil
	}
	if p.stopping.Load() {
		return nil
	}
	return fmt.Errorf("target %s exited unexpectedly (%s)%s", p.name, p.exitStatus(), outputTail(p.Stderr()))
}
