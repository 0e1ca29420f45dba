package bench

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/latbench/latbench/results"
)

// CollectEnv describes the machine and software of a run. root is the
// repository root, for the git revision. Every field is best effort: a
// missing tool leaves its field empty rather than failing the run.
func CollectEnv(root string) results.Environment {
	host, _ := os.Hostname()
	return results.Environment{
		Hostname:    host,
		CPUModel:    cpuModel(),
		CPUCount:    runtime.NumCPU(),
		Kernel:      strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		GoVersion:   runtime.Version(),
		GitRevision: gitRevision(root),
		Toolchains:  toolchains(),
	}
}

// cpuModel returns the "model name" line of /proc/cpuinfo.
func cpuModel() string {
	sc := bufio.NewScanner(strings.NewReader(readFile("/proc/cpuinfo")))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// gitRevision returns the commit of root, with "-dirty" when the work tree
// has changes.
func gitRevision(root string) string {
	rev := command(root, "git", "rev-parse", "--short=12", "HEAD")
	if rev != "" && command(root, "git", "status", "--porcelain", "--untracked-files=no") != "" {
		rev += "-dirty"
	}
	return rev
}

// toolchains records the version of each language toolchain present.
func toolchains() map[string]string {
	probes := map[string][]string{
		"rustc":   {"rustc", "--version"},
		"java":    {"java", "-version"},
		"python3": {"python3", "--version"},
		"nginx":   {"nginx", "-v"},
		"haproxy": {"haproxy", "-v"},
	}
	out := map[string]string{}
	for name, argv := range probes {
		if v := command("", argv[0], argv[1:]...); v != "" {
			out[name] = firstLine(v)
		}
	}
	return out
}

// command runs a short command in dir and returns its trimmed combined
// output, or "" if it fails or takes more than two seconds.
func command(dir, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return ""
	}
	return string(bytes.TrimSpace(out))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}
