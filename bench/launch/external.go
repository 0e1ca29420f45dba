package launch

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/latbench/latbench/bench"
)

// External launches the agents of a cell with an executable of its own
// that speaks latbench's launcher protocol, so that an engine whose
// client library is large (Kubernetes' client-go) stays out of latbench.
// latbench-k8s is one. The protocol:
//
//	EXECUTABLE run --cell FILE --cell-id ID --agents N --target-addr HOST:PORT --seed S [--paired-addr HOST:PORT] --out DIR [ARGS...]
//
// FILE is a suite file holding the cell, in the format latbench-agent
// reads. The launcher starts N agents (latbench-agent run) on its engine,
// hands each its index, N and one T0, and writes agent i's output into
// DIR as agent-<i>.hlog (bench.AgentFileName). It writes a line to stderr
// at each stage, which latbench shows, and exits 0 once every output is
// written, or non-zero with the reason in its last lines. On SIGTERM it
// stops its agents, removes what it made and exits.
type External struct {
	// Binary is the launcher executable.
	Binary string
	// Args are its extra arguments (an image, a namespace, ...).
	Args []string
	// Log, when set, receives the launcher's stderr, line by line.
	Log func(line string)
}

// externalStopDelay is how long the launcher has to clean up after
// SIGTERM before it is killed.
const externalStopDelay = 45 * time.Second

// Run runs the launcher for one cell and reads the outputs it wrote.
func (x *External) Run(ctx context.Context, job bench.AgentJob) ([]*bench.AgentOutput, error) {
	n := job.Agents
	dir, err := os.MkdirTemp("", "latbench-launch-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cellFile, outDir := filepath.Join(dir, "cell.yaml"), filepath.Join(dir, "out")
	if err := os.WriteFile(cellFile, job.CellYAML, 0o644); err != nil {
		return nil, err
	}
	if err := os.Mkdir(outDir, 0o755); err != nil {
		return nil, err
	}
	argv := append([]string{"run", "--cell", cellFile, "--cell-id", job.CellID, "--agents", strconv.Itoa(n)}, job.AgentArgs()...)
	argv = append(append(argv, "--out", outDir), x.Args...)
	cmd := exec.CommandContext(ctx, x.Binary, argv...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	// Its own group keeps a terminal's ^C away: latbench stops it with
	// SIGTERM, which gives it time to clean up; if latbench dies, it gets
	// SIGTERM too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = externalStopDelay
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(x.Binary), err)
	}
	last := x.relay(stderr)
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s stopped: %w", filepath.Base(x.Binary), ctx.Err())
		}
		return nil, fmt.Errorf("%s failed (%v): %s", filepath.Base(x.Binary), err, bench.LogTail(strings.Join(last.lines, "\n"), 3, "; ", "(no output)"))
	}
	outs, err := readOutputs(outDir, n, "the launcher must write agent-<i>.hlog for every agent")
	if err != nil {
		return nil, fmt.Errorf("%s ended well but %w", filepath.Base(x.Binary), err)
	}
	return outs, nil
}

// tail keeps the last lines of a stream.
type tail struct{ lines []string }

// relay passes the launcher's stderr to Log line by line and returns the
// last three lines, once the stream has ended.
func (x *External) relay(r io.Reader) *tail {
	t := &tail{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if x.Log != nil {
			x.Log(line)
		}
		t.lines = append(t.lines, line)
		if len(t.lines) > 3 {
			t.lines = t.lines[1:]
		}
	}
	return t
}
