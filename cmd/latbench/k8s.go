package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/launch"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios/catalog"
)

// Names of the agent's flags for Kubernetes.
const (
	flagT0ConfigMap = "t0-configmap"
	flagReadyFile   = "ready-file"
)

// k8sCommand is `latbench k8s manifest`, the Kubernetes objects that run
// a cell's agents, for kubectl apply, and `latbench k8s ready FILE`, the
// agents' startup probe. The verb is a positional argument rather than a
// subcommand: latbench moves a command's flags before its positional
// arguments (interspersed), so `latbench k8s manifest --cell FILE` works.
func k8sCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "k8s",
		Usage:     "load agents on Kubernetes: write the manifest of an Indexed Job that runs one cell's agents",
		ArgsUsage: "manifest | ready FILE",
		Description: "`latbench k8s manifest` writes a ConfigMap holding the cell file (key cell.yaml) and, once you set\n" +
			"it, T0 (key t0), an Indexed Job of N agents that wait for T0 with a Role that may only read that\n" +
			"ConfigMap, its ServiceAccount and RoleBinding. The comments at the top of the output say how to\n" +
			"start the agents and merge their pod logs. `latbench run --agents N --launcher k8s` does all of\n" +
			"that itself. `latbench k8s ready FILE` is the agents' startup probe: it succeeds once FILE exists.\n\n" +
			"Example: latbench k8s manifest --cell cell.yaml --target-addr web.bench.svc:8080 --agents 8 \\\n" +
			"           --image ghcr.io/you/latbench:v1 --namespace bench | kubectl apply -f -",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "cell", Usage: "suite `FILE` holding the cell (a suite with one cell, or pick one with --cell-id)"},
			&cli.StringFlag{Name: "cell-id", Usage: "the `ID` of the cell of --cell to run, when it has several"},
			&cli.StringFlag{Name: flagTargetAddr, Usage: "the target's `HOST:PORT` as the pods reach it (a Service)"},
			&cli.IntFlag{Name: "agents", Usage: "how many agents `N`: the Job's completions and parallelism"},
			&cli.StringFlag{Name: "image", Usage: "container `IMAGE` with latbench on its PATH (scripts/k8s/Dockerfile), e.g. ghcr.io/you/latbench:v1"},
			&cli.StringFlag{Name: "namespace", Value: "default", Usage: "`NAMESPACE` of the objects"},
			&cli.StringFlag{Name: "name", Usage: "`NAME` of every object (default: latbench-<cell id>)"},
			&cli.StringFlag{Name: "cpu", Usage: "each agent's CPU request and limit, a Kubernetes `QUANTITY` such as 2 or 1500m (default: none)"},
			&cli.StringFlag{Name: "memory", Usage: "each agent's memory request and limit, a `QUANTITY` such as 1Gi (default: none)"},
			&cli.DurationFlag{Name: "ready-timeout", Value: launch.K8sDefaultReadyTimeout, Usage: "how long an agent may take to be ready before its startup probe fails it"},
			&cli.DurationFlag{Name: "active-deadline", Value: time.Hour, Usage: "the Job stops by itself this long after it started, should T0 never be set (0: never)"},
			&cli.StringFlag{Name: flagOut, Value: "-", Usage: "`FILE` to write the manifest to, or - for stdout"},
		},
		OnUsageError: onUsageError,
		Action: func(c *cli.Context) error {
			switch verb := c.Args().First(); {
			case verb == "manifest" && c.NArg() == 1:
				return k8sManifest(c, stdout, stderr)
			case verb == "ready" && c.NArg() == 2:
				return k8sReady(c.Args().Get(1))
			}
			return usagef("`latbench k8s manifest --cell FILE --target-addr HOST:PORT --agents N --image IMAGE` or `latbench k8s ready FILE`; see `latbench k8s --help`")
		},
	}
}

// k8sManifest writes the manifest the flags describe.
func k8sManifest(c *cli.Context, stdout, stderr io.Writer) error {
	objs, err := k8sObjects(c)
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
		return usagef("--%s %s: %v", flagOut, out, err)
	}
	fmt.Fprintf(stderr, "latbench: wrote %s; apply it with kubectl apply -f %s\n", out, out)
	return nil
}

// k8sObjects builds the manifest's objects from the flags.
func k8sObjects(c *cli.Context) (*launch.K8sObjects, error) {
	for _, flag := range []string{"cell", flagTargetAddr, "agents", "image"} {
		if !c.IsSet(flag) {
			return nil, usagef("latbench k8s manifest needs --%s; see `latbench k8s --help`", flag)
		}
	}
	path := c.String("cell")
	cell, data, err := agentCell(path, c.String("cell-id"))
	if err != nil {
		return nil, err
	}
	name := c.String("name")
	if name == "" {
		name = launch.K8sDefaultName(cell.ID)
	}
	objs, err := launch.K8sManifest{Namespace: c.String("namespace"), Name: name, Image: c.String("image"),
		CellYAML: data, CellID: cell.ID, Agents: c.Int("agents"), TargetAddr: c.String(flagTargetAddr),
		CPU: c.String("cpu"), Memory: c.String("memory"),
		ReadyTimeout: c.Duration("ready-timeout"), ActiveDeadline: c.Duration("active-deadline")}.Objects()
	if err != nil {
		return nil, &usageError{err}
	}
	return objs, nil
}

// k8sReady is the agents' startup probe: it succeeds once the agent has
// written its ready file (latbench agent --ready-file).
func k8sReady(path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("not ready: %v", err)
	}
	return nil
}

// agentT0 returns an agent's T0: --t0, or the t0 of the ConfigMap of
// --t0-configmap once it is set. With --ready-file the agent first
// probes the target and then writes that file: it is ready, and waits.
func agentT0(c *cli.Context, spec bench.AgentSpec) (time.Time, error) {
	ref := c.String(flagT0ConfigMap)
	if ref == "" {
		t0, err := parseT0(c.String("t0"))
		if err != nil {
			return t0, err
		}
		return t0, agentReady(c.Context, spec, c.String(flagReadyFile))
	}
	if c.String("t0") != "" {
		return time.Time{}, usagef("--t0 and --%s exclude each other: T0 comes from one of them", flagT0ConfigMap)
	}
	ns, name, err := parseConfigMapRef(ref)
	if err != nil {
		return time.Time{}, err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := agentReady(ctx, spec, c.String(flagReadyFile)); err != nil {
		return time.Time{}, err
	}
	return watchT0InCluster(ctx, ns, name, c.App.ErrWriter)
}

// agentReady probes the target and writes the ready file (path "":
// nothing to do; RunAgent probes again).
func agentReady(ctx context.Context, spec bench.AgentSpec, path string) error {
	if path == "" {
		return nil
	}
	sc, err := catalog.New(spec.Cell.Scenario)
	if err != nil {
		return err
	}
	if err := bench.Probe(ctx, sc, spec.Addr, bench.DefaultTimeout); err != nil {
		return fmt.Errorf("agent %d of %d: the target at %s does not answer: %w", spec.Index, spec.Count, spec.Addr, err)
	}
	if err := os.WriteFile(path, []byte(time.Now().UTC().Format(time.RFC3339Nano)+"\n"), 0o644); err != nil {
		return fmt.Errorf("--%s: %w", flagReadyFile, err)
	}
	return nil
}

// parseConfigMapRef reads NAMESPACE/NAME.
func parseConfigMapRef(ref string) (string, string, error) {
	ns, name, ok := strings.Cut(ref, "/")
	if ok && len(validation.IsDNS1123Label(ns)) == 0 && len(validation.IsDNS1123Subdomain(name)) == 0 {
		return ns, name, nil
	}
	return "", "", usagef("--%s %q: want NAMESPACE/NAME of a ConfigMap, e.g. default/latbench-go-http-fixed", flagT0ConfigMap, ref)
}

// watchT0InCluster waits for T0 in a ConfigMap with the pod's own
// credentials (its ServiceAccount).
func watchT0InCluster(ctx context.Context, ns, name string, log io.Writer) (time.Time, error) {
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return time.Time{}, usagef("--%s works in a Kubernetes pod: %v", flagT0ConfigMap, err)
	}
	cfg.UserAgent = "latbench-agent"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return time.Time{}, err
	}
	fmt.Fprintf(log, "latbench agent: ready; waiting for T0 in the ConfigMap %s/%s, key %s\n", ns, name, launch.K8sT0Key)
	return launch.WatchT0(ctx, client, ns, name)
}
