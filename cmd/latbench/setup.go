package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/cmd/internal/cmdline"
	"github.com/latbench/latbench/servers"
)

// findRoot returns the repository root: --root if given, else the first
// directory holding servers/targets.yaml going up from the working
// directory, then from the executable's directory.
func findRoot(flagValue string) (string, error) {
	if flagValue != "" {
		root, err := filepath.Abs(flagValue)
		if err != nil {
			return "", cmdline.Usagef("--root: %v", err)
		}
		if _, err := os.Stat(servers.DefaultManifestPath(root)); err != nil {
			return "", cmdline.Usagef("--root %s: no servers/targets.yaml there; point --root at the latbench repository", flagValue)
		}
		return root, nil
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, dir := range starts {
		if root, ok := searchUp(dir); ok {
			return root, nil
		}
	}
	return "", cmdline.Usagef("cannot find the latbench repository (a folder with servers/targets.yaml) above the working directory; run latbench from inside it or pass --root DIR")
}

// searchUp looks for servers/targets.yaml in dir and its parents.
func searchUp(dir string) (string, bool) {
	for {
		if _, err := os.Stat(servers.DefaultManifestPath(dir)); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// loadManifest reads the repository's default manifests (targets.yaml,
// then study.yaml) and merges the user's --targets file over them.
func loadManifest(root, userFile string) (*servers.Manifest, error) {
	m, err := servers.LoadDefault(root)
	if err != nil {
		return nil, err
	}
	if userFile == "" {
		return m, nil
	}
	user, err := servers.LoadManifest(userFile)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, cmdline.Usagef("--targets %s: no such file", userFile)
		}
		return nil, &cmdline.UsageError{Err: err}
	}
	m.Merge(user)
	return m, nil
}

// resolveCPUs decides the cpusets from the flags and the CPUs this process
// may use: by default the client gets the first half, the target the
// rest, and a proxy's backend shares the target's. It warns on w when
// client and target must share CPUs.
func resolveCPUs(c *cli.Context, w io.Writer) (bench.CPUs, error) {
	if c.Bool(flagNoPin) {
		return bench.CPUs{}, nil
	}
	allowed, err := host.AllowedCPUs()
	if err != nil {
		return bench.CPUs{}, err
	}
	client, target, shared := host.DefaultCPUs(allowed)
	cpus := bench.CPUs{
		Client:  firstNonEmpty(c.String(flagClientCPUs), client),
		Target:  firstNonEmpty(c.String(flagTargetCPUs), target),
		Backend: c.String(flagBackendCPUs),
	}
	for flag, v := range map[string]*string{flagClientCPUs: &cpus.Client, flagTargetCPUs: &cpus.Target, flagBackendCPUs: &cpus.Backend} {
		if *v == "" {
			continue
		}
		set, err := host.ParseCPUSet(*v)
		if err != nil {
			return bench.CPUs{}, cmdline.Usagef("--%s %q: %v", flag, *v, err)
		}
		*v = host.FormatCPUSet(set)
	}
	if cpus.Backend == "" {
		cpus.Backend = cpus.Target
	}
	if shared && c.String(flagClientCPUs) == "" {
		fmt.Fprintf(w, "warning: only CPU %s is available: client and target share it, so each disturbs the other's numbers\n", client)
	}
	return cpus, nil
}

// pinSelf moves latbench onto the client cpuset. It re-executes the
// program on success, so the code after it runs pinned.
func pinSelf(cpus string) error {
	if _, err := host.PinSelf(cpus); err != nil {
		return cmdline.Usagef("--%s: %v", flagClientCPUs, err)
	}
	return nil
}

// firstNonEmpty returns the first value that is not "".
func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
