// Command latbench-k8s launches the load agents of a latbench cell on
// Kubernetes, as an Indexed Job, and writes their outputs back: the
// launcher `latbench run --agents N --launcher k8s` runs (the protocol of
// package bench/launch's External). It also writes the Job's manifest for
// kubectl apply. It is an executable of its own so that latbench itself
// carries no Kubernetes client.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/launch/k8s"
	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/results"
)

// Names of the flags.
const (
	flagCell       = "cell"
	flagCellID     = "cell-id"
	flagTargetAddr = "target-addr"
	flagPairedAddr = "paired-addr"
	flagSeed       = "seed"
	flagAgents     = "agents"
	flagImage      = "image"
	flagNamespace  = "namespace"
	flagOut        = "out"
)

func main() {
	os.Exit(cmdline.Run(newApp(os.Stdout, os.Stderr), os.Args, os.Stderr))
}

// newApp builds the command tree.
func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:  "latbench-k8s",
		Usage: "launch latbench's load agents on Kubernetes, or write their manifest",
		Description: "latbench-k8s run is what `latbench run --agents N --launcher k8s` runs: it applies a ConfigMap\n" +
			"holding the cell and T0, a Role that may only read it, its ServiceAccount and RoleBinding, and an\n" +
			"Indexed Job of N agents (latbench-agent run), writes T0 once every pod is Ready, and writes each\n" +
			"agent's pod log into --out as agent-I.hlog. latbench-k8s manifest writes the same objects for\n" +
			"kubectl apply. It reads the kubeconfig as kubectl does (KUBECONFIG, else ~/.kube/config).",
		Writer:          stdout,
		ErrWriter:       stderr,
		HideVersion:     true,
		Commands:        []*cli.Command{runCommand(stderr), manifestCommand(stdout, stderr)},
		OnUsageError:    cmdline.OnUsageError,
		HideHelpCommand: false,
	}
}

// cellFlags are the flags that name the cell and its agents.
func cellFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: flagCell, Required: true, Usage: "suite `FILE` holding the cell (a suite with one cell, or pick one with --cell-id)"},
		&cli.StringFlag{Name: flagCellID, Usage: "the `ID` of the cell of --cell to run, when it has several"},
		&cli.StringFlag{Name: flagTargetAddr, Required: true, Usage: "the target's `HOST:PORT` as the pods reach it (a Service)"},
		&cli.StringFlag{Name: flagPairedAddr, Usage: "a paired cell's reference arm's `HOST:PORT` as the pods reach it"},
		&cli.Uint64Flag{Name: flagSeed, Usage: "the seed every agent draws a paired cell's arm order and Poisson arrivals with (`S`)"},
		&cli.IntFlag{Name: flagAgents, Required: true, Usage: "how many agents `N`: the Job's completions and parallelism"},
		&cli.StringFlag{Name: flagImage, Required: true, Usage: "container `IMAGE` with latbench-agent on its PATH (scripts/k8s/Dockerfile), e.g. ghcr.io/you/latbench:v1"},
		&cli.StringFlag{Name: "cpu", Usage: "each agent's CPU request and limit, a Kubernetes `QUANTITY` such as 2 or 1500m (default: none)"},
		&cli.StringFlag{Name: "memory", Usage: "each agent's memory request and limit, a `QUANTITY` such as 1Gi (default: none)"},
		&cli.DurationFlag{Name: "ready-timeout", Value: k8s.DefaultReadyTimeout, Usage: "how long the agents may take to be ready"},
	}
}

// runCommand is `latbench-k8s run`, the launcher.
func runCommand(stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "run one cell's agents as an Indexed Job and write their outputs into --out",
		Flags: append(cellFlags(),
			&cli.StringFlag{Name: flagOut, Required: true, Usage: "`DIR` to write agent-I.hlog into"},
			&cli.StringFlag{Name: flagNamespace, Usage: "`NAMESPACE` of the agents' Job (default: the kubeconfig context's, else default)"},
			&cli.StringFlag{Name: "context", Usage: "the kubeconfig `CONTEXT` (default: the current one)"},
			&cli.DurationFlag{Name: "lead", Usage: "how far after the last agent is ready T0 falls (default 5s)"},
		),
		OnUsageError: cmdline.OnUsageError,
		Action: func(c *cli.Context) error {
			cell, data, err := cmdline.AgentCell(c.String(flagCell), c.String(flagCellID))
			if err != nil {
				return err
			}
			l, err := newLauncher(c, stderr)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
			defer stop()
			outs, err := l.Run(ctx, bench.AgentJob{CellYAML: data, CellID: cell.ID, Agents: c.Int(flagAgents),
				Addr: c.String(flagTargetAddr), PairedAddr: c.String(flagPairedAddr), Seed: c.Uint64(flagSeed)})
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("%w: %v", bench.ErrInterrupted, err)
				}
				return err
			}
			return writeOutputs(c.String(flagOut), outs)
		},
	}
}

// newLauncher makes the launcher from the kubeconfig and the flags.
func newLauncher(c *cli.Context, stderr io.Writer) (*k8s.Launcher, error) {
	l, err := k8s.NewLauncher(c.String("context"))
	if err != nil {
		return nil, cmdline.Usagef("%v; set up a kubectl context (KUBECONFIG or ~/.kube/config), or pick one with --context", err)
	}
	l.Image, l.CPU, l.Memory, l.ReadyTimeout = c.String(flagImage), c.String("cpu"), c.String("memory"), c.Duration("ready-timeout")
	if ns := c.String(flagNamespace); ns != "" {
		l.Namespace = ns
	}
	if lead := c.Duration("lead"); lead > 0 {
		l.Lead = lead
	}
	l.Log = func(line string) { fmt.Fprintln(stderr, line) }
	return l, nil
}

// writeOutputs writes each agent's output into dir.
func writeOutputs(dir string, outs []*bench.AgentOutput) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return cmdline.Usagef("--%s %s: %v", flagOut, dir, err)
	}
	for _, o := range outs {
		var buf bytes.Buffer
		if err := o.WriteStream(&buf); err != nil {
			return err
		}
		if err := results.WriteFileAtomic(filepath.Join(dir, bench.AgentFileName(o.Agent.Index)), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// manifestCommand is `latbench-k8s manifest`.
func manifestCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "manifest",
		Usage: "write the Kubernetes objects that run a cell's agents, for kubectl apply",
		Description: "Writes a ConfigMap holding the cell file (key cell.yaml) and, once you set it, T0 (key t0), an\n" +
			"Indexed Job of N agents that wait for T0 with a Role that may only read that ConfigMap, its\n" +
			"ServiceAccount and RoleBinding. The comments at the top of the output say how to start the\n" +
			"agents and merge their pod logs.\n\n" +
			"Example: latbench-k8s manifest --cell cell.yaml --target-addr web.bench.svc:8080 --agents 8 \\\n" +
			"           --image ghcr.io/you/latbench:v1 --namespace bench | kubectl apply -f -",
		Flags: append(cellFlags(),
			&cli.StringFlag{Name: flagNamespace, Value: "default", Usage: "`NAMESPACE` of the objects"},
			&cli.StringFlag{Name: "name", Usage: "`NAME` of every object (default: latbench-<cell id>)"},
			&cli.DurationFlag{Name: "active-deadline", Value: time.Hour, Usage: "the Job stops by itself this long after it started, should T0 never be set (0: never)"},
			&cli.StringFlag{Name: flagOut, Value: "-", Usage: "`FILE` to write the manifest to, or - for stdout"},
		),
		OnUsageError: cmdline.OnUsageError,
		Action: func(c *cli.Context) error {
			objs, err := objects(c)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := objs.WriteYAML(&buf); err != nil {
				return err
			}
			out := c.String(flagOut)
			if out == "-" {
				_, err = stdout.Write(buf.Bytes())
				return err
			}
			if err := results.WriteFileAtomic(out, buf.Bytes()); err != nil {
				return cmdline.Usagef("--%s %s: %v", flagOut, out, err)
			}
			fmt.Fprintf(stderr, "latbench-k8s: wrote %s; apply it with kubectl apply -f %s\n", out, out)
			return nil
		},
	}
}

// objects builds the manifest's objects from the flags.
func objects(c *cli.Context) (*k8s.Objects, error) {
	cell, data, err := cmdline.AgentCell(c.String(flagCell), c.String(flagCellID))
	if err != nil {
		return nil, err
	}
	name := c.String("name")
	if name == "" {
		name = k8s.DefaultName(cell.ID)
	}
	objs, err := k8s.Manifest{Namespace: c.String(flagNamespace), Name: name, Image: c.String(flagImage),
		CellYAML: data, CellID: cell.ID, Agents: c.Int(flagAgents), TargetAddr: c.String(flagTargetAddr),
		PairedAddr: c.String(flagPairedAddr), Seed: c.Uint64(flagSeed), CPU: c.String("cpu"), Memory: c.String("memory"),
		ReadyTimeout: c.Duration("ready-timeout"), ActiveDeadline: c.Duration("active-deadline")}.Objects()
	if err != nil {
		return nil, &cmdline.UsageError{Err: err}
	}
	return objs, nil
}
