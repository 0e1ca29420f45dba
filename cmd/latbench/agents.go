package main

import (
	"context"
	"net"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/launch"
	"github.com/latbench/latbench/cmd/internal/cmdline"
)

// Names of the flags that measure cells with load agents.
const (
	flagAgents          = "agents"
	flagLauncher        = "launcher"
	flagLocalNamespaces = "local-namespaces"
	flagAgentsLead      = "agents-lead"
	flagSlurmShared     = "slurm-shared"
	flagSlurmArg        = "slurm-arg"
	flagK8sImage        = "k8s-image"
	flagK8sNamespace    = "k8s-namespace"
	flagK8sContext      = "k8s-context"
)

// Launchers latbench can start agents with.
const (
	launcherLocal = "local"
	launcherK8s   = "k8s"
	launcherSlurm = "slurm"
)

// agentFlags are the flags of run and suite that spread each cell's load
// over agents.
func agentFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: flagAgents, Value: 1, Usage: "measure each cell with `N` load agents, each sending requests i mod N of its schedule from one T0; their histograms merge exactly"},
		&cli.StringFlag{Name: flagLauncher, Value: launcherLocal, Usage: "what starts the agents (given with --agents 1: one agent, for a baseline): local (processes here, each in a network namespace of its own), k8s (an Indexed Job, through latbench-k8s) or slurm (srun)"},
		&cli.DurationFlag{Name: flagAgentsLead, Usage: "how far ahead the agents' common start T0 is set, `D` (default: local 1 s + 100 ms per agent, slurm 10 s; k8s sets it once every pod is ready)"},
		&cli.StringFlag{Name: flagSlurmShared, Usage: "with --launcher slurm: a `DIR` every node sees at the same path, for the cell file and the agents' outputs"},
		&cli.StringSliceFlag{Name: flagSlurmArg, Usage: "with --launcher slurm: an extra srun `ARG`ument, e.g. --slurm-arg=--partition=load (repeatable)"},
		&cli.StringFlag{Name: flagK8sImage, Usage: "with --launcher k8s: the container `IMAGE` with latbench-agent on its PATH (scripts/k8s/Dockerfile)"},
		&cli.StringFlag{Name: flagK8sNamespace, Usage: "with --launcher k8s: the `NAMESPACE` of the agents' Job (default: the kubeconfig context's, else default)"},
		&cli.StringFlag{Name: flagK8sContext, Usage: "with --launcher k8s: the kubeconfig `CONTEXT` (default: the current one)"},
		&cli.BoolFlag{Name: flagLocalNamespaces, Value: true, Usage: "with --launcher local, give each agent a network namespace and an address of its own (needs root and ip); false: plain processes on 127.0.0.1"},
	}
}

// closer is what a launcher leaves to clean up.
type closer func() error

// setUpAgents reads the agent flags into e; the returned function removes
// what the launcher made (nil when there are no agents).
func setUpAgents(ctx context.Context, c *cli.Context, e *bench.Executor, plan *bench.Plan) (closer, error) {
	n := c.Int(flagAgents)
	switch {
	case n < 1:
		return nil, cmdline.Usagef("--%s %d: need at least 1 (1 runs the load here, without agents)", flagAgents, n)
	case n == 1 && !c.IsSet(flagLauncher):
		return nil, nil
	}
	if err := checkAgentPlan(plan, n); err != nil {
		return nil, err
	}
	e.Agents = n
	switch name := c.String(flagLauncher); name {
	case launcherLocal:
		return setUpLocal(ctx, c, e)
	case launcherSlurm:
		return setUpSlurm(c, e)
	case launcherK8s:
		return setUpK8s(c, e)
	default:
		return nil, cmdline.Usagef("--%s %q: use %s, %s or %s", flagLauncher, name, launcherLocal, launcherK8s, launcherSlurm)
	}
}

// checkAgentPlan refuses cells agents cannot share.
func checkAgentPlan(plan *bench.Plan, n int) error {
	if plan.Search != nil {
		return cmdline.Usagef("--%s and --find-max do not combine yet: a search decides each step from the last", flagAgents)
	}
	for _, c := range plan.Cells {
		switch {
		case len(c.Faults) > 0:
			return cmdline.Usagef("cell %s: faults are driven from this machine and do not combine with --%s", c.ID, flagAgents)
		case c.Netem != "":
			return cmdline.Usagef("cell %s: --netem puts the target in a namespace the agents cannot share; drop --%s or --netem", c.ID, flagAgents)
		case c.Load.Duration == 0:
			return cmdline.Usagef("cell %s: agents share a measured window; give a duration, not only a request count", c.ID)
		case c.Load.Connections > 0 && c.Load.Connections < n:
			return cmdline.Usagef("cell %s: %d connections cannot be shared by %d agents; give at least one connection per agent", c.ID, c.Load.Connections, n)
		}
	}
	return nil
}

// setUpLocal makes the local launcher: agents pinned to the client's
// CPUs, in namespaces unless told otherwise.
func setUpLocal(ctx context.Context, c *cli.Context, e *bench.Executor) (closer, error) {
	namespaces := c.Bool(flagLocalNamespaces)
	if namespaces && e.TargetAddr != "" {
		if host, _, err := net.SplitHostPort(e.TargetAddr); err == nil && isLoopback(host) {
			return nil, cmdline.Usagef("--%s %s is loopback, which agents in namespaces of their own cannot reach; "+
				"give the server's address on another interface, or --%s=false", flagTargetAddr, e.TargetAddr, flagLocalNamespaces)
		}
	}
	l, err := launch.NewLocal(ctx, launch.Local{
		CPUs: e.CPUs.Client, Namespaces: namespaces, Lead: c.Duration(flagAgentsLead),
		Log: executorLog(e),
	})
	if err != nil {
		return nil, cmdline.Usagef("%v", err)
	}
	e.Launcher = l
	return l.Close, nil
}

// executorLog returns a launcher's Log: it forwards to e.Log, which is
// set only once the run starts.
func executorLog(e *bench.Executor) func(line string) {
	return func(line string) {
		if e.Log != nil {
			e.Log(line)
		}
	}
}

// isLoopback reports whether host names a loopback address.
func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || (ip != nil && ip.IsLoopback())
}

// setUpSlurm makes the Slurm launcher: one srun step per cell, the cell
// and the outputs in the shared folder.
func setUpSlurm(c *cli.Context, e *bench.Executor) (closer, error) {
	shared := c.String(flagSlurmShared)
	if shared == "" {
		return nil, cmdline.Usagef("--%s %s needs --%s DIR: a folder every node sees at the same path", flagLauncher, launcherSlurm, flagSlurmShared)
	}
	if st, err := os.Stat(shared); err != nil || !st.IsDir() {
		return nil, cmdline.Usagef("--%s %s is not a folder: create it on a filesystem every node shares", flagSlurmShared, shared)
	}
	e.Launcher = &launch.Slurm{Shared: shared, Lead: c.Duration(flagAgentsLead), Extra: c.StringSlice(flagSlurmArg)}
	return nil, nil
}

// setUpK8s makes the Kubernetes launcher: latbench-k8s, found beside
// latbench or on PATH, runs one Indexed Job per cell (T0 through a
// ConfigMap, outputs from the pods' logs) and writes the outputs back.
func setUpK8s(c *cli.Context, e *bench.Executor) (closer, error) {
	image := c.String(flagK8sImage)
	switch {
	case image == "":
		return nil, cmdline.Usagef("--%s %s needs --%s IMAGE: a container image with latbench-agent on its PATH (build one with scripts/k8s/Dockerfile)", flagLauncher, launcherK8s, flagK8sImage)
	case e.TargetAddr == "":
		return nil, cmdline.Usagef("--%s %s needs --%s HOST:PORT, the target as the pods reach it (a Service): latbench does not start targets in the cluster", flagLauncher, launcherK8s, flagTargetAddr)
	}
	bin, err := launch.Companion(launch.K8sBinary)
	if err != nil {
		return nil, cmdline.Usagef("--%s %s runs %v", flagLauncher, launcherK8s, err)
	}
	args := []string{"--image", image}
	for flag, arg := range map[string]string{flagK8sNamespace: "--namespace", flagK8sContext: "--context"} {
		if v := c.String(flag); v != "" {
			args = append(args, arg, v)
		}
	}
	if lead := c.Duration(flagAgentsLead); lead > 0 {
		args = append(args, "--lead", lead.String())
	}
	e.Launcher = &launch.External{Binary: bin, Args: args, Log: executorLog(e)}
	return nil, nil
}
