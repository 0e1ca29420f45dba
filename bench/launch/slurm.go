package launch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/latbench/latbench/bench"
)

// Slurm runs the agents of one cell as one srun step: N tasks, T0 on the
// command line, outputs to a shared folder. Task i is agent i: the agent
// takes its index from SLURM_PROCID. srun waits for an allocation when
// the cluster is busy; agents that start after T0 fail loudly, so give a
// Lead that covers the wait, or --immediate=SECONDS in Extra to fail at
// once.
type Slurm struct {
	// Srun is the srun binary; "" = "srun" on PATH.
	Srun string
	// Binary is the agent executable the tasks run; it must be on the
	// shared filesystem, at the same path on every node. "" =
	// AgentBinary, found by Companion.
	Binary string
	// Shared is a folder every node sees at the same path: the cell file
	// and the outputs go there, in a folder of their own per run.
	Shared string
	// Lead is how far ahead of now T0 is; default 10 s (tasks must
	// start and probe the target before it).
	Lead time.Duration
	// Extra are extra srun arguments (--partition, --nodes,
	// --overcommit, ...), put before the task's command.
	Extra []string
}

// SlurmDefaultLead is Slurm's Lead when it is zero.
const SlurmDefaultLead = 10 * time.Second

// slurmStopDelay is how long srun has to end its step after it is asked
// to (it forwards the SIGTERM to the tasks) before it is killed.
const slurmStopDelay = 15 * time.Second

// Run writes the job's cell file into Shared, runs
//
//	srun --ntasks N --kill-on-bad-exit=1 [Extra...] latbench-agent run --cell FILE --cell-id ID
//	     --target-addr ADDR --seed S [--paired-addr ADDR] --agents N --t0 T0 --out DIR
//
// (--cell-id only when the job's cell ID is not empty: an agent then takes the
// file's one cell) and returns the outputs read back from DIR, ordered by
// index. T0 is Lead from now, in RFC 3339 with nanoseconds. The run's
// folder in Shared is removed when the run succeeds or ctx ends, and kept
// (its path is in the error) when it fails. When ctx ends, srun gets
// SIGTERM, which it forwards to the tasks.
func (s *Slurm) Run(ctx context.Context, job bench.AgentJob) ([]*bench.AgentOutput, error) {
	n, cellID := job.Agents, job.CellID
	if err := s.check(n, job.Addr); err != nil {
		return nil, err
	}
	srun, err := s.srunPath()
	if err != nil {
		return nil, err
	}
	binary, err := s.binary()
	if err != nil {
		return nil, err
	}
	dir, err := s.runDir(cellID)
	if err != nil {
		return nil, err
	}
	cellFile, outDir := filepath.Join(dir, "cell.yaml"), filepath.Join(dir, "out")
	if err := os.WriteFile(cellFile, job.CellYAML, 0o644); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("slurm: the cell file: %w", err)
	}
	if err := os.Mkdir(outDir, 0o755); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("slurm: the outputs' folder: %w", err)
	}
	t0 := time.Now().Add(s.lead())
	argv := s.argv(binary, cellFile, job, t0, outDir)
	if err := runSrun(ctx, srun, argv); err != nil {
		if ctx.Err() != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("slurm step of cell %s stopped: %w", cellID, ctx.Err())
		}
		return nil, fmt.Errorf("slurm step of cell %s (%d tasks) failed (its files are in %s): %w", cellID, n, dir, err)
	}
	outs, err := readOutputs(outDir, n, "the tasks must see it at the same path (Shared must be on a filesystem every node shares)")
	if err != nil {
		return nil, fmt.Errorf("slurm step of cell %s (%d tasks) ended well but %w", cellID, n, err)
	}
	_ = os.RemoveAll(dir) // the outputs are read: a folder left behind loses nothing
	return outs, nil
}

// check rejects a launcher or a run that cannot work.
func (s *Slurm) check(n int, targetAddr string) error {
	switch {
	case n < 1:
		return fmt.Errorf("slurm: %d agents: need at least one", n)
	case targetAddr == "":
		return errors.New("slurm: no target address for the agents")
	case s.Shared == "":
		return errors.New("slurm: no shared folder: the cell file and the agents' outputs go to a folder every node sees (Shared)")
	}
	info, err := os.Stat(s.Shared)
	if err != nil {
		return fmt.Errorf("slurm: the shared folder: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("slurm: the shared folder %s is not a folder", s.Shared)
	}
	return nil
}

// srunPath finds srun.
func (s *Slurm) srunPath() (string, error) {
	name := s.Srun
	if name == "" {
		name = "srun"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		//lint:ignore ST1005 the message starts with the name of the missing tool's project, a proper noun
		return "", fmt.Errorf("Slurm's srun not found: %v; run latbench on a host of the cluster (a login node) "+
			"or install Slurm's client (Debian: slurm-client) and its configuration", err)
	}
	return path, nil
}

// binary returns the agent executable the tasks run, as an absolute
// path: the tasks may start in another folder.
func (s *Slurm) binary() (string, error) {
	if s.Binary == "" {
		bin, err := Companion(AgentBinary)
		if err != nil {
			return "", fmt.Errorf("slurm: the tasks run %w", err)
		}
		return bin, nil
	}
	return filepath.Abs(s.Binary)
}

// runDir makes the run's own folder in Shared, readable by every node.
func (s *Slurm) runDir(cellID string) (string, error) {
	shared, err := filepath.Abs(s.Shared)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(shared, "latbench-"+slurmSafeName(cellID)+"-")
	if err != nil {
		return "", fmt.Errorf("slurm: a folder for the run in the shared folder: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("slurm: %w", err)
	}
	return dir, nil
}

// lead returns how far ahead T0 lies.
func (s *Slurm) lead() time.Duration {
	if s.Lead > 0 {
		return s.Lead
	}
	return SlurmDefaultLead
}

// argv returns srun's arguments (without srun itself). The tasks take
// their index from SLURM_PROCID.
func (s *Slurm) argv(binary, cellFile string, job bench.AgentJob, t0 time.Time, outDir string) []string {
	count := strconv.Itoa(job.Agents)
	argv := []string{"--ntasks", count, "--kill-on-bad-exit=1"}
	argv = append(argv, s.Extra...)
	argv = append(argv, binary, "run", "--cell", cellFile)
	if job.CellID != "" {
		argv = append(argv, "--cell-id", job.CellID)
	}
	argv = append(argv, job.AgentArgs()...)
	return append(argv, "--agents", count, "--t0", t0.UTC().Format(time.RFC3339Nano), "--out", outDir)
}

// runSrun runs srun to its end. Its stdout and stderr (the tasks' too)
// are kept only to describe a failure. When ctx ends srun gets SIGTERM,
// which it forwards to the step's tasks, and is killed if it has not
// ended slurmStopDelay later. If latbench dies, srun gets SIGTERM too.
func runSrun(ctx context.Context, srun string, argv []string) error {
	cmd := exec.CommandContext(ctx, srun, argv...)
	out := &slurmTail{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	// Setpgid keeps a terminal's ^C away from srun (it would only print
	// its status): latbench stops it with SIGTERM. Pdeathsig fires when
	// the OS thread that forked exits, which the Go runtime does only for
	// a goroutine that exits while locked to its thread.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = slurmStopDelay
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("`%s %s`: %v; its output ends with:\n%s", srun, strings.Join(argv, " "), err, out.lastLines(15))
	}
	return nil
}

// slurmSafeName makes a cell id fit in a folder's name.
func slurmSafeName(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '_'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	if len(b) == 0 {
		return "cell"
	}
	return string(b)
}

// slurmTail keeps the last max bytes written to it.
type slurmTail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

// Write keeps the end of p.
func (t *slurmTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// lastLines returns the last k non-empty lines kept, indented.
func (t *slurmTail) lastLines(k int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return "  " + bench.LogTail(string(t.buf), k, "\n  ", "(no output)")
}
