package launch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios/scenariotest"
	"github.com/latbench/latbench/scenarios/suite"
)

// The Executor runs a cell's agents through any AgentLauncher.
var _ bench.AgentLauncher = (*Slurm)(nil)

// slurmFakeSrun is a stand-in for srun: it checks that its arguments
// start as Slurm.Run builds them, records them one a line in
// $SLURM_FAKE_ARGV, skips the extra options and runs the step's N tasks
// here, each with SLURM_PROCID and SLURM_NTASKS, as srun does. SIGTERM
// stops the tasks, as srun forwards it to them.
const slurmFakeSrun = `#!/bin/sh
printf '%s\n' "$@" > "$SLURM_FAKE_ARGV"
if [ "$1" != --ntasks ]; then echo "srun: fake: --ntasks first, not $1" >&2; exit 2; fi
n=$2
shift 2
if [ "$1" != --kill-on-bad-exit=1 ]; then echo "srun: fake: then --kill-on-bad-exit=1, not $1" >&2; exit 2; fi
shift
while [ $# -gt 0 ]; do
	case $1 in -*) shift ;; *) break ;; esac
done
pids=
trap 'kill $pids 2>/dev/null; wait; exit 143' TERM
i=0
while [ "$i" -lt "$n" ]; do
	SLURM_PROCID=$i SLURM_NTASKS=$n "$@" &
	pids="$pids $!"
	i=$((i + 1))
done
rc=0
i=0
for p in $pids; do
	if ! wait "$p"; then
		echo "srun: error: fake: task $i: Exited with exit code 1" >&2
		rc=1
	fi
	i=$((i + 1))
done
exit $rc
`

// slurmFakeAgent returns a fake `latbench-agent run`: it copies the cell file
// it was given to DIR/cell-I.yaml and FIXTURES/agent-I.hlog, when there is
// one, into --out; then it runs more, a shell fragment.
func slurmFakeAgent(dir, fixtures, more string) string {
	return fmt.Sprintf(`#!/bin/sh
while [ $# -gt 0 ]; do
	case $1 in --out) out=$2 ;; --cell) cell=$2 ;; esac
	shift
done
cp "$cell" '%s'/cell-$SLURM_PROCID.yaml
if [ -f '%s'/agent-$SLURM_PROCID.hlog ]; then cp '%s'/agent-$SLURM_PROCID.hlog "$out"/; fi
%s
`, dir, fixtures, fixtures, more)
}

// slurmFake is a Slurm launcher on a fake srun and a fake agent.
type slurmFake struct {
	dir, fixtures, argvFile string
	launcher                *Slurm
}

// newSlurmFake writes the fake srun and an agent running more; fixtures
// get outputs for the given agent indexes of n.
func newSlurmFake(t *testing.T, n int, fixtureAgents []int, more string) *slurmFake {
	t.Helper()
	dir := t.TempDir()
	f := &slurmFake{dir: dir, fixtures: filepath.Join(dir, "fixtures"), argvFile: filepath.Join(dir, "argv")}
	for _, i := range fixtureAgents {
		out := &bench.AgentOutput{Schema: bench.AgentSchema, ConfigHash: "fixture",
			Agent: bench.AgentInfo{Index: i, Count: n, T0UnixNs: 1}, Cell: results.Cell{ID: "fixture-cell"}}
		if err := out.WriteDir(f.fixtures); err != nil {
			t.Fatal(err)
		}
	}
	shared := filepath.Join(dir, "shared")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLURM_FAKE_ARGV", f.argvFile)
	f.launcher = &Slurm{
		Srun:   writeSlurmScript(t, dir, "srun", slurmFakeSrun),
		Binary: writeSlurmScript(t, dir, "latbench", slurmFakeAgent(dir, f.fixtures, more)),
		Shared: shared, Lead: 2 * time.Second, Extra: []string{"--partition=fake", "--overcommit"},
	}
	return f
}

// writeSlurmScript writes an executable script into dir.
func writeSlurmScript(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// argv returns what the fake srun was given.
func (f *slurmFake) argv(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(f.argvFile)
	if err != nil {
		t.Fatalf("srun's arguments: %v", err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// The step's argv is srun's options, then the agent's command with the
// cell file and output folder in a run folder of the shared folder and T0
// Lead ahead; task i's output comes back as agent i; the run folder goes
// away after.
func TestSlurmRunsTheAgentsAsOneStep(t *testing.T) {
	const n = 3
	f := newSlurmFake(t, n, []int{0, 1, 2}, "")
	cellYAML := []byte("name: fixture\n")
	before := time.Now()
	outs, err := f.launcher.Run(context.Background(), bench.AgentJob{CellYAML: cellYAML, CellID: "fixture-cell", Agents: n, Addr: "10.0.0.5:8080", Seed: 9})
	after := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != n {
		t.Fatalf("%d outputs, want %d", len(outs), n)
	}
	for i, o := range outs {
		if o.Agent.Index != i || o.Agent.Count != n {
			t.Errorf("output %d is agent %d of %d", i, o.Agent.Index, o.Agent.Count)
		}
		seen, err := os.ReadFile(filepath.Join(f.dir, fmt.Sprintf("cell-%d.yaml", i)))
		if err != nil || !bytes.Equal(seen, cellYAML) {
			t.Errorf("agent %d's cell file: %q, %v; want %q", i, seen, err, cellYAML)
		}
	}

	argv := f.argv(t)
	cellFile, outDir, t0 := slurmArg(argv, "--cell"), slurmArg(argv, "--out"), slurmArg(argv, "--t0")
	want := []string{"--ntasks", "3", "--kill-on-bad-exit=1", "--partition=fake", "--overcommit",
		f.launcher.Binary, "run", "--cell", cellFile, "--cell-id", "fixture-cell", "--target-addr", "10.0.0.5:8080",
		"--seed", "9", "--agents", "3", "--t0", t0, "--out", outDir}
	if !slices.Equal(argv, want) {
		t.Errorf("srun's arguments:\n got %q\nwant %q", argv, want)
	}
	runDir := filepath.Dir(cellFile)
	if filepath.Base(cellFile) != "cell.yaml" || filepath.Dir(runDir) != f.launcher.Shared ||
		!strings.HasPrefix(filepath.Base(runDir), "latbench-fixture-cell-") || outDir != filepath.Join(runDir, "out") {
		t.Errorf("cell file %s and outputs %s: want cell.yaml and out in a latbench-fixture-cell-* folder of %s", cellFile, outDir, f.launcher.Shared)
	}
	at, err := time.Parse(time.RFC3339Nano, t0)
	if err != nil {
		t.Fatalf("--t0 %q: %v", t0, err)
	}
	if lead := f.launcher.Lead; at.Before(before.Add(lead)) || at.After(after.Add(lead)) {
		t.Errorf("T0 %v is not Lead (%v) after the call (%v to %v)", at, lead, before, after)
	}
	if left, _ := os.ReadDir(f.launcher.Shared); len(left) != 0 {
		t.Errorf("the run left %d entries in the shared folder", len(left))
	}
}

// slurmArg returns the value after flag in argv.
func slurmArg(argv []string, flag string) string {
	if i := slices.Index(argv, flag); i >= 0 && i+1 < len(argv) {
		return argv[i+1]
	}
	return ""
}

// A task that fails fails the step: the error has the end of srun's
// output, the task's own message among it, and the run folder is kept.
func TestSlurmStepFailureSaysWhy(t *testing.T) {
	f := newSlurmFake(t, 3, []int{0, 1, 2}, `if [ "$SLURM_PROCID" = 1 ]; then echo "agent 1 of 3: the target at 10.0.0.5:8080 does not answer" >&2; exit 1; fi`)
	_, err := f.launcher.Run(context.Background(), bench.AgentJob{CellYAML: []byte("name: x\n"), CellID: "c1", Agents: 3, Addr: "10.0.0.5:8080"})
	if err == nil {
		t.Fatal("a failed step succeeded")
	}
	for _, want := range []string{"slurm step of cell c1 (3 tasks) failed (its files are in " + f.launcher.Shared, "exit status 1", "agent 1 of 3: the target at 10.0.0.5:8080 does not answer",
		"srun: error: fake: task 1: Exited with exit code 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\ndoes not say %q", err, want)
		}
	}
	if left, _ := os.ReadDir(f.launcher.Shared); len(left) != 1 {
		t.Errorf("the failed run left %d folders in the shared folder, want its own", len(left))
	}
}

// A step that succeeds without every output names the missing agents and
// the shared folder.
func TestSlurmMissingOutputsAreNamed(t *testing.T) {
	for _, tt := range []struct {
		name     string
		fixtures []int
		want     string
	}{
		{name: "some", fixtures: []int{0}, want: "agents 1, 2 of 3 wrote no output into"},
		{name: "none", fixtures: nil, want: "agents 0, 1, 2 of 3 wrote no output into"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newSlurmFake(t, 3, tt.fixtures, "")
			_, err := f.launcher.Run(context.Background(), bench.AgentJob{CellYAML: []byte("name: x\n"), CellID: "c1", Agents: 3, Addr: "10.0.0.5:8080"})
			if err == nil {
				t.Fatal("missing outputs went unnoticed")
			}
			for _, want := range []string{"ended well but", tt.want, "filesystem every node shares"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\ndoes not say %q", err, want)
				}
			}
		})
	}
}

// An output of another step's size is not taken for one of this step.
func TestSlurmRejectsAnotherStepsOutput(t *testing.T) {
	f := newSlurmFake(t, 2, []int{0, 1}, "")
	_, err := f.launcher.Run(context.Background(), bench.AgentJob{CellYAML: []byte("name: x\n"), CellID: "c1", Agents: 3, Addr: "10.0.0.5:8080"})
	if err == nil || !strings.Contains(err.Error(), "is agent 0 of 2, not one of the step's 3") {
		t.Fatalf("error %v, want one about agent 0 of 2", err)
	}
}

func TestSlurmWithoutSrun(t *testing.T) {
	for _, srun := range []string{filepath.Join(t.TempDir(), "srun"), "latbench-test-no-such-srun"} {
		s := &Slurm{Srun: srun, Binary: "/bin/true", Shared: t.TempDir()}
		_, err := s.Run(context.Background(), bench.AgentJob{CellYAML: nil, CellID: "c1", Agents: 2, Addr: "10.0.0.5:8080"})
		if err == nil || !strings.HasPrefix(err.Error(), "Slurm's srun not found: ") {
			t.Errorf("srun %s: error %v, want Slurm's srun not found", srun, err)
		}
	}
}

func TestSlurmRejectsWhatCannotRun(t *testing.T) {
	shared := t.TempDir()
	file := filepath.Join(shared, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		s      Slurm
		n      int
		target string
		want   string
	}{
		{"no agents", Slurm{Shared: shared}, 0, "h:1", "0 agents"},
		{"no target", Slurm{Shared: shared}, 2, "", "no target address"},
		{"no shared folder", Slurm{}, 2, "h:1", "no shared folder"},
		{"shared folder missing", Slurm{Shared: filepath.Join(shared, "nope")}, 2, "h:1", "no such file"},
		{"shared folder a file", Slurm{Shared: file}, 2, "h:1", "is not a folder"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.s.Run(context.Background(), bench.AgentJob{CellYAML: nil, CellID: "c1", Agents: tt.n, Addr: tt.target})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// When ctx ends, srun gets SIGTERM, which it forwards to the tasks: Run
// returns at once and no task is left.
func TestSlurmStopsTheStep(t *testing.T) {
	dir := t.TempDir()
	f := newSlurmFake(t, 2, nil, fmt.Sprintf(`echo $$ > '%s'/pid-$SLURM_PROCID; exec sleep 60`, dir))
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.launcher.Run(ctx, bench.AgentJob{CellYAML: []byte("name: x\n"), CellID: "c1", Agents: 2, Addr: "10.0.0.5:8080"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the context's", err)
	}
	if took := time.Since(start); took > slurmStopDelay/2 {
		t.Errorf("Run took %v to stop", took)
	}
	if left, _ := os.ReadDir(f.launcher.Shared); len(left) != 0 {
		t.Errorf("the stopped run left %d entries in the shared folder", len(left))
	}
	for i := range 2 {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("pid-%d", i)))
		if err != nil {
			t.Fatalf("task %d did not start: %v", i, err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		deadline := time.Now().Add(5 * time.Second)
		for syscall.Kill(pid, 0) == nil {
			if time.Now().After(deadline) {
				syscall.Kill(pid, syscall.SIGKILL)
				t.Fatalf("task %d (pid %d) still runs after Run returned", i, pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// slurmCell is a one-cell suite for agents and its cell's id.
func slurmCell(t *testing.T, rate, connections int, duration time.Duration) ([]byte, string) {
	t.Helper()
	yaml := fmt.Sprintf(`name: slurm-test
targets: [go]
defaults:
  warmup: 300ms
  duration: %s
  connections: %d
  timeout: 2s
  arrival: uniform
scenarios:
  - scenario: echo
    size: 64
loads:
  - name: fixed
    rate: %d
`, duration, connections, rate)
	s, err := suite.Parse("cell.yaml", "cell", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	plan := bench.PlanSuite(s, nil)
	if len(plan.Cells) != 1 {
		t.Fatalf("%d cells, want 1", len(plan.Cells))
	}
	return []byte(yaml), plan.Cells[0].ID
}

// checkSlurmMerge merges the outputs and checks that they add up to the
// whole schedule.
func checkSlurmMerge(t *testing.T, outs []*bench.AgentOutput, n int, want int64) {
	t.Helper()
	merged, err := bench.MergeAgents(outs)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, a := range merged.Agents {
		sum += a.Requests
	}
	st := merged.Stats
	if len(merged.Agents) != n || st.Requests != sum || st.FellDue != want || st.Requests != want || st.ErrorsTotal != 0 {
		t.Errorf("merged: %d agents, %d requests (agents: %d), %d fell due, %d errors; want %d agents and %d requests, no errors",
			len(merged.Agents), st.Requests, sum, st.FellDue, st.ErrorsTotal, n, want)
	}
}

// The real `latbench-agent run` under the fake srun: the agents accept the
// step's command line, take their index from SLURM_PROCID and their
// outputs merge into the whole schedule.
func TestSlurmRealAgentsUnderFakeSrun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds latbench-agent and runs agents for a few seconds")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: latbench-agent cannot be built for the agents")
	}
	dir := t.TempDir()
	binary := filepath.Join(dir, AgentBinary)
	build := exec.Command(goTool, "build", "-o", binary, "github.com/latbench/latbench/cmd/latbench-agent")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/latbench-agent: %v\n%s", err, out)
	}
	echo := scenariotest.Start(t, func(c net.Conn) { _, _ = io.Copy(c, c) })
	shared := filepath.Join(dir, "shared")
	if err := os.Mkdir(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLURM_FAKE_ARGV", filepath.Join(dir, "argv"))
	s := &Slurm{Srun: writeSlurmScript(t, dir, "srun", slurmFakeSrun), Binary: binary, Shared: shared, Lead: 3 * time.Second}
	const n, rate = 3, 600
	cellYAML, id := slurmCell(t, rate, n, time.Second)
	outs, err := s.Run(context.Background(), bench.AgentJob{CellYAML: cellYAML, CellID: id, Agents: n, Addr: echo.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	checkSlurmMerge(t, outs, n, rate)
}

// TestSlurmOnThisMachine starts a one-node Slurm cluster here with
// scripts/slurm/test-slurm.sh, which runs latbench-agents under srun, and
// within it TestSlurmInsideTestCluster: the launcher on the real srun.
func TestSlurmOnThisMachine(t *testing.T) {
	if os.Getenv("LATBENCH_SLURM_TEST") != "1" {
		t.Skip("starts a one-node Slurm cluster (munged, slurmctld and slurmd, as root) on this machine; make test runs it, as does " +
			"LATBENCH_SLURM_TEST=1 go test -count=1 -run TestSlurmOnThisMachine -v ./bench/launch/ (or scripts/slurm/test-slurm.sh alone)")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "slurm", "test-slurm.sh"))
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, self, "-test.run=^TestSlurmInsideTestCluster$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "LATBENCH_SLURM_INSIDE=1")
	// The script stops its daemons on SIGTERM once its foreground command
	// ends: the whole group gets it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("scripts/slurm/test-slurm.sh:\n%s", out)
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "SKIP: ") && err == nil {
			t.Skip("Slurm cannot run here: " + strings.TrimPrefix(line, "SKIP: "))
		}
	}
	if err != nil {
		t.Fatalf("scripts/slurm/test-slurm.sh: %v", err)
	}
	if !bytes.Contains(out, []byte("--- PASS: TestSlurmInsideTestCluster")) {
		t.Fatal("TestSlurmInsideTestCluster did not pass inside the test cluster")
	}
}

// TestSlurmInsideTestCluster runs the launcher on the real srun of the
// cluster test-slurm.sh starts (TestSlurmOnThisMachine runs it there).
func TestSlurmInsideTestCluster(t *testing.T) {
	bin, target, shared := os.Getenv("LATBENCH_SLURM_BIN"), os.Getenv("LATBENCH_SLURM_TARGET"), os.Getenv("LATBENCH_SLURM_SHARED")
	if os.Getenv("LATBENCH_SLURM_INSIDE") != "1" || os.Getenv("SLURM_CONF") == "" || bin == "" || target == "" || shared == "" {
		t.Skip("runs inside the cluster of scripts/slurm/test-slurm.sh: see TestSlurmOnThisMachine")
	}
	// Four tasks on a node of two CPUs: --overcommit. srun starts them in
	// about 2 s here, and took 9 s beside a second make test and a soak:
	// T0 lies 20 s ahead.
	s := &Slurm{Binary: bin, Shared: shared, Lead: 20 * time.Second, Extra: []string{"--overcommit"}}
	const n, rate = 4, 1000
	cellYAML, id := slurmCell(t, rate, n, 2*time.Second)

	t.Run("agents", func(t *testing.T) {
		outs, err := s.Run(context.Background(), bench.AgentJob{CellYAML: cellYAML, CellID: id, Agents: n, Addr: target})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range outs {
			t.Logf("agent %d of %d on %s: %d requests, ready %v before T0, first request %v late", o.Agent.Index, o.Agent.Count,
				o.Agent.Host, o.Cell.Stats.Requests, time.Duration(o.Agent.ReadyBeforeNs), time.Duration(o.Agent.StartSkewNs))
		}
		checkSlurmMerge(t, outs, n, 2*rate)
	})

	t.Run("target down", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		down := ln.Addr().String()
		ln.Close()
		_, err = s.Run(context.Background(), bench.AgentJob{CellYAML: cellYAML, CellID: id, Agents: n, Addr: down})
		if err == nil || !strings.Contains(err.Error(), "does not answer") || !strings.Contains(err.Error(), "failed") {
			t.Fatalf("error %v, want the step's failure with the agents' own message", err)
		}
		t.Logf("the error: %v", err)
	})

	t.Run("stopped", func(t *testing.T) {
		slow := *s
		slow.Lead = time.Minute
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		_, err := slow.Run(ctx, bench.AgentJob{CellYAML: cellYAML, CellID: id, Agents: n, Addr: target})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v, want the context's", err)
		}
		t.Logf("Run returned %v after the context ended", time.Since(start)-3*time.Second)
		deadline := time.Now().Add(20 * time.Second)
		for {
			out, err := exec.Command("squeue", "-h").CombinedOutput()
			if err == nil && len(bytes.TrimSpace(out)) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the step still runs after Run returned: squeue: %s %v", out, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}
