package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/report"
	"github.com/latbench/latbench/servers"
)

// execution is everything needed to run a plan, resolved from the flags.
type execution struct {
	plan   *bench.Plan
	exec   *bench.Executor
	format string
	out    string // base folder of run folders
	build  bool
	config results.RunConfig
	live   *liveMetrics // nil without --prometheus-push or --metrics-listen
	// cleanup removes what the agents' launcher made (nil: nothing).
	cleanup closer
}

// wireLive makes every interval and the end of every cell reach the live
// metrics too.
func (x *execution) wireLive(dir string) {
	x.live.startRun(dir)
	update, save := x.exec.Progress, x.exec.Save
	x.exec.Progress = func(cell bench.CellSpec, i, total int, p bench.Progress) {
		update(cell, i, total, p)
		x.live.observe(cell, p)
	}
	x.exec.Save = func(run *results.Run, cell *results.Cell) error {
		if cell != nil {
			x.live.endCell(cell)
		}
		return save(run, cell)
	}
}

// newExecution resolves the flags shared by run and suite, pins latbench
// to its cpuset and checks every cell, all before anything is written.
func newExecution(c *cli.Context, plan *bench.Plan, stderr io.Writer) (*execution, error) {
	format := c.String(flagFormat)
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	seed, err := repeatPlan(c, plan)
	if err != nil {
		return nil, err
	}
	cpus, err := resolveCPUs(c, stderr)
	if err != nil {
		return nil, err
	}
	if err := pinSelf(cpus.Client); err != nil {
		return nil, err
	}
	workers := c.Int(flagTargetWorkers)
	if workers < 0 || workers > servers.MaxWorkers {
		return nil, cmdline.Usagef("--%s %d: use 1 to %d threads", flagTargetWorkers, workers, servers.MaxWorkers)
	}
	maxSteal, retries, err := stealFlags(c)
	if err != nil {
		return nil, err
	}
	sweep(c.Context, stderr)
	ledger, err := host.OpenLedger()
	if err != nil {
		return nil, err
	}
	e := &bench.Executor{
		Workers:     workers,
		CPUs:        cpus,
		TargetAddr:  c.String(flagTargetAddr),
		PairedAddr:  c.String(flagPairedAddr),
		Listen:      c.String(flagListen),
		Ledger:      ledger,
		Seed:        seed,
		MaxStealPct: maxSteal,
		Retries:     retries,
		TLS: bench.TLSOptions{CAFile: c.String(flagTLSCA), Insecure: c.Bool(flagTLSInsecure),
			Resume: c.Bool(flagTLSResume)},
	}
	if err := e.TLS.Check(); err != nil {
		return nil, &cmdline.UsageError{Err: err}
	}
	if e.Root, e.Manifest, err = rootAndManifest(c); err != nil {
		return nil, err
	}
	if e.TargetAddr != "" {
		e.CPUs.Target, e.CPUs.Backend = "", ""
	}
	live, err := newLiveMetrics(c, stderr)
	if err != nil {
		return nil, err
	}
	cleanup, err := setUpAgents(context.Background(), c, e, plan)
	if err != nil {
		if live != nil {
			live.close()
		}
		return nil, err
	}
	return &execution{
		cleanup: cleanup,
		live:    live,
		plan:    plan,
		exec:    e,
		format:  format,
		out:     c.String(flagOut),
		build:   !c.Bool(flagNoBuild),
		config: results.RunConfig{Command: c.Command.Name, Args: os.Args[1:],
			Options: planOptions(plan, seed, c.Int(flagRounds))},
	}, nil
}

// sweep removes what latbench processes that died without cleaning up
// left behind (processes, namespaces, links), naming each on stderr; a
// failure to sweep is a warning, not a reason not to run.
func sweep(ctx context.Context, stderr io.Writer) {
	err := host.Sweep(ctx, func(line string) { fmt.Fprintln(stderr, "latbench: "+line) })
	if err != nil {
		fmt.Fprintf(stderr, "latbench: warning: cleaning up after an earlier latbench: %v\n", err)
	}
}

// planOptions returns the options a run records: the seed, the rounds and
// the plan's own.
func planOptions(plan *bench.Plan, seed uint64, rounds int) map[string]string {
	options := map[string]string{"seed": strconv.FormatUint(seed, 10), "rounds": strconv.Itoa(rounds)}
	for k, v := range plan.Options {
		options[k] = v
	}
	return options
}

// repeatPlan applies --rounds with the --seed (or a seed from the clock,
// which it returns for the record).
func repeatPlan(c *cli.Context, plan *bench.Plan) (uint64, error) {
	rounds := c.Int(flagRounds)
	switch {
	case rounds < 1:
		return 0, cmdline.Usagef("--rounds %d: need at least 1", rounds)
	case rounds > 1 && plan.Search != nil:
		return 0, cmdline.Usagef("--rounds and --find-max do not combine: a search decides its steps as it goes")
	case rounds*len(plan.Cells) > 100_000:
		return 0, cmdline.Usagef("--rounds %d makes %d cells; that is more than any run should be", rounds, rounds*len(plan.Cells))
	}
	seed := c.Uint64(flagSeed)
	if !c.IsSet(flagSeed) {
		seed = uint64(time.Now().UnixNano())
	}
	plan.Repeat(rounds, rand.New(rand.NewPCG(seed, 0)))
	return seed, nil
}

// executePlan resolves the execution flags, pins latbench and runs plan.
func executePlan(c *cli.Context, plan *bench.Plan, stdout, stderr io.Writer) error {
	x, err := newExecution(c, plan, stderr)
	if err != nil {
		return err
	}
	return x.execute(stdout, stderr)
}

// jsonOnError runs a command's action. With --format json, a failure
// before anything was printed still prints a JSON document on stdout,
// with the error, so that a script reading it gets a reason instead of
// nothing.
func jsonOnError(c *cli.Context, stdout io.Writer, action func(stdout io.Writer) error) error {
	out := &countingWriter{w: stdout}
	err := action(out)
	if err != nil && out.n == 0 && c.String(flagFormat) == results.FormatJSON {
		_ = results.RenderError(stdout, err)
	}
	return err
}

// countingWriter counts what goes through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// rootAndManifest finds the repository and loads the targets. With
// --target-addr and no repository in sight, no manifest is needed.
func rootAndManifest(c *cli.Context) (string, *servers.Manifest, error) {
	root, err := findRoot(c.String(flagRoot))
	if err != nil {
		if c.String(flagTargetAddr) != "" && c.String(flagRoot) == "" {
			return "", nil, nil
		}
		return "", nil, err
	}
	m, err := loadManifest(root, c.String(flagTargets))
	return root, m, err
}

// execute prepares the plan, runs it into a new run folder and prints the
// table. SIGINT or SIGTERM stops the load and the targets; what was
// measured is saved and rendered, and the error says it was interrupted.
func (x *execution) execute(stdout, stderr io.Writer) error {
	_, _, err := x.measure(stdout, stderr)
	return err
}

// measure runs the plan as execute does and returns the run and its
// folder as well (nil and "" when it failed before measuring).
func (x *execution) measure(stdout, stderr io.Writer) (*results.Run, string, error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if x.live != nil {
		defer x.live.close()
	}
	if x.cleanup != nil {
		defer func() {
			if err := x.cleanup(); err != nil {
				fmt.Fprintf(stderr, "latbench: removing the agents' network: %v\n", err)
			}
		}()
	}
	if err := x.exec.Prepare(ctx, x.plan, x.build, stderr); err != nil {
		if ctx.Err() != nil {
			return nil, "", fmt.Errorf("%w while preparing targets", bench.ErrInterrupted)
		}
		var build *bench.BuildError
		if errors.As(err, &build) {
			return nil, "", err // the input was fine; the build failed
		}
		return nil, "", &cmdline.UsageError{Err: err}
	}
	dir, err := results.NewRunDir(x.out, x.plan.Name, time.Now())
	if err != nil {
		return nil, "", cmdline.Usagef("--out %s: %v", x.out, err)
	}
	run := x.newRun()
	x.exec.CertDir = dir
	progress := newProgressLine(stderr)
	x.exec.Progress = progress.update
	x.exec.Log = progress.log
	x.exec.Save = func(run *results.Run, cell *results.Cell) error { return saveRun(dir, run, cell) }
	x.exec.IntervalLog = func(name string) (io.WriteCloser, error) {
		return results.CreateAtomic(filepath.Join(dir, name))
	}
	if x.live != nil {
		x.wireLive(dir)
	}
	fmt.Fprintf(stderr, "latbench: %d cells, results in %s\n", len(x.plan.Cells), dir)
	runErr := x.exec.Execute(ctx, x.plan, run)
	progress.clear()
	if len(run.Cells) > 0 {
		if err := results.RenderTable(stdout, run, x.format); err != nil {
			return run, dir, err
		}
	}
	fmt.Fprintf(stderr, "latbench: results saved in %s\n", dir)
	if runErr != nil {
		return run, dir, runErr
	}
	return run, dir, failedCells(run)
}

// newRun starts the result of this execution.
func (x *execution) newRun() *results.Run {
	env := bench.CollectEnv(x.exec.Root, x.exec.ToolchainsFor(x.plan))
	env.ClientCPUs = x.exec.CPUs.Client
	env.TargetCPUs = x.exec.CPUs.Target
	env.BackendCPUs = x.exec.CPUs.Backend
	return &results.Run{
		Schema:    results.SchemaVersion,
		Suite:     x.plan.Name,
		StartedAt: time.Now().UTC(),
		Env:       env,
		Config:    x.config,
	}
}

// saveRun writes result.json, the finished cell's .hgrm files and, once
// the run has ended, the rendered reports.
func saveRun(dir string, run *results.Run, cell *results.Cell) error {
	if err := results.SaveRun(dir, run); err != nil {
		return err
	}
	if cell != nil {
		if err := results.WriteCellHgrms(dir, cell); err != nil {
			return err
		}
		return results.WriteIntervalLog(dir, cell)
	}
	return writeReports(dir, run)
}

// writeReports writes report.txt (the tables as printed) and, with charts,
// report.md and the self-contained report.html, reading the cells'
// intervals back from their interval logs for the charts.
func writeReports(dir string, run *results.Run) error {
	if err := results.LoadIntervals(dir, run); err != nil {
		return err
	}
	var b strings.Builder
	if err := results.RenderTable(&b, run, results.FormatTable); err != nil {
		return err
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, "report.txt"), []byte(b.String())); err != nil {
		return err
	}
	return report.Write(dir, run)
}

// failedCells returns an error naming the cells that failed, if any.
func failedCells(run *results.Run) error {
	var ids []string
	for _, c := range run.Cells {
		if c.Status != results.StatusOK {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d cells failed: %s (reasons above)", len(ids), len(run.Cells), strings.Join(ids, ", "))
}

// stealFlags reads --max-steal and --retries, refusing what cannot be.
func stealFlags(c *cli.Context) (maxSteal float64, retries int, err error) {
	maxSteal, retries = c.Float64(flagMaxSteal), c.Int(flagRetries)
	switch {
	case maxSteal < 0 || maxSteal > 100 || math.IsNaN(maxSteal):
		return 0, 0, cmdline.Usagef("--%s %g: steal is a share of CPU time, give a percentage from 0 to 100 (0: off)", flagMaxSteal, maxSteal)
	case retries < 0 || retries > maxRetries:
		return 0, 0, cmdline.Usagef("--%s %d: give 0 to %d", flagRetries, retries, maxRetries)
	case c.IsSet(flagRetries) && maxSteal == 0:
		return 0, 0, cmdline.Usagef("--%s needs --%s PCT: cells are measured again only when steal exceeds it", flagRetries, flagMaxSteal)
	}
	return maxSteal, retries, nil
}

// maxRetries bounds --retries: a host that steals that often will not
// become quiet by measuring again.
const maxRetries = 10
