package launch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/host"
)

// Local runs N agents as processes on this machine, each in a network
// namespace of its own with its own address on a bridge (unless
// Namespaces is false): the test bed for the other launchers.
type Local struct {
	// Binary is the agent executable ("": AgentBinary, found by
	// Companion).
	Binary string
	// CPUs, when set, pins every agent process to these CPUs (taskset
	// list format); the agents then share them.
	CPUs string
	// Namespaces puts each agent in a network namespace of its own; off,
	// the agents are plain processes reaching the target on 127.0.0.1.
	Namespaces bool
	// Lead is how long after the launch T0 falls: the agents start,
	// connect and probe the target before it (0: 1 s plus 100 ms per
	// agent).
	Lead time.Duration
	// Log, when set, receives a line per agent as it ends.
	Log func(line string)

	net *host.AgentNet
}

// NewLocal returns a local launcher; with namespaces it makes the bridge
// now, so that the target can listen on its address. Close removes it.
func NewLocal(ctx context.Context, l Local) (*Local, error) {
	if l.Binary == "" {
		bin, err := Companion(AgentBinary)
		if err != nil {
			return nil, fmt.Errorf("--launcher local runs the agents with %w", err)
		}
		l.Binary = bin
	}
	if l.Namespaces {
		n, err := host.NewAgentNet(ctx)
		if err != nil {
			return nil, err
		}
		l.net = n
	}
	return &l, nil
}

// TargetHost is the address the target must listen on to be reached by
// the agents: the bridge's, or loopback.
func (l *Local) TargetHost() string {
	if l.net != nil {
		return l.net.TargetHost()
	}
	return "127.0.0.1"
}

// Close removes the agents' namespaces and bridge.
func (l *Local) Close() error {
	if l.net == nil {
		return nil
	}
	return l.net.Close()
}

// Run starts the job's agents, all with one T0, waits for them and
// returns their outputs, ordered by index. Agents still running when ctx
// ends are stopped.
func (l *Local) Run(ctx context.Context, job bench.AgentJob) ([]*bench.AgentOutput, error) {
	n := job.Agents
	if l.net != nil {
		if err := l.net.Ensure(ctx, n); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "latbench-agents-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cellFile := filepath.Join(dir, "cell.yaml")
	if err := os.WriteFile(cellFile, job.CellYAML, 0o644); err != nil {
		return nil, err
	}
	t0 := time.Now().Add(l.lead(n))
	outs := make([]*bench.AgentOutput, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = l.runAgent(ctx, i, job, cellFile, t0)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return outs, nil
}

// lead returns how far ahead T0 lies.
func (l *Local) lead(n int) time.Duration {
	if l.Lead > 0 {
		return l.Lead
	}
	return time.Second + time.Duration(n)*100*time.Millisecond
}

// agentArgv returns agent i's command line.
func (l *Local) agentArgv(i int, job bench.AgentJob, cellFile string, t0 time.Time) ([]string, error) {
	argv := append([]string{l.Binary, "run", "--cell", cellFile, "--cell-id", job.CellID}, job.AgentArgs()...)
	argv = append(argv, "--index", strconv.Itoa(i), "--agents", strconv.Itoa(job.Agents), "--t0", strconv.FormatInt(t0.UnixNano(), 10),
		"--out", "-", "--name", l.agentName(i))
	argv, err := host.PinnedCommand(l.CPUs, argv)
	if err != nil {
		return nil, err
	}
	if l.net != nil {
		argv = l.net.Wrap(i, argv)
	}
	return argv, nil
}

// agentName names agent i: its address in its namespace, or local-i.
func (l *Local) agentName(i int) string {
	if l.net != nil {
		return l.net.AgentAddr(i)
	}
	return "local-" + strconv.Itoa(i)
}

// runAgent runs agent i to its end and parses what it wrote.
func (l *Local) runAgent(ctx context.Context, i int, job bench.AgentJob, cellFile string, t0 time.Time) (*bench.AgentOutput, error) {
	argv, err := l.agentArgv(i, job, cellFile, t0)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	runErr := cmd.Run()
	if runErr != nil {
		return nil, fmt.Errorf("agent %d of %d: %v: %s", i, job.Agents, runErr, bench.LogTail(stderr.String(), 3, "; ", "(no output)"))
	}
	if l.Log != nil {
		l.Log(bench.LogTail(stderr.String(), 1, "", "(no output)"))
	}
	out, err := bench.ParseAgentStream(&stdout)
	if err != nil {
		return nil, fmt.Errorf("agent %d of %d: %w", i, job.Agents, err)
	}
	return out, nil
}
