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

	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/results"
)

// CollectEnv describes the machine and software of a run. root is the
// repository root, for the git revision; toolchains are the version probes
// to run, as ToolchainsFor chooses them. Every field is best effort: a
// missing tool leaves its field empty rather than failing the run.
func CollectEnv(root string, toolchains []string) results.Environment {
	host, _ := os.Hostname()
	return results.Environment{
		Hostname:    host,
		CPUModel:    cpuModel(),
		CPUCount:    onlineCPUs(),
		Kernel:      strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		GoVersion:   runtime.Version(),
		GitRevision: gitRevision(root),
		Toolchains:  versions(toolchains),
	}
}

// versionProbes are the commands that print each toolchain's version.
var versionProbes = map[string][]string{
	"rustc":   {"rustc", "--version"},
	"java":    {"java", "-version"},
	"python3": {"python3", "--version"},
	"nginx":   {"nginx", "-v"},
	"haproxy": {"haproxy", "-v"},
}

// ToolchainsFor returns the version probes that matter to the plan's
// targets and backends: a JVM starts in a fifth of a second, so a run
// that uses no Java target does not ask java for its version.
func (e *Executor) ToolchainsFor(plan *Plan) []string {
	if e.Manifest == nil || e.TargetAddr != "" {
		return nil
	}
	byLanguage := map[string]string{"Rust": "rustc", "Java": "java", "Python": "python3"}
	seen := map[string]bool{}
	var out []string
	for _, c := range plan.Cells {
		for _, name := range []string{c.Target, c.Backend} {
			t, err := e.Manifest.Lookup(name)
			if name == "" || err != nil {
				continue
			}
			probe := byLanguage[t.Language]
			if _, ok := versionProbes[t.Name]; ok {
				probe = t.Name
			}
			if probe != "" && !seen[probe] {
				seen[probe] = true
				out = append(out, probe)
			}
		}
	}
	return out
}

// versions runs the named probes and records each version found.
func versions(names []string) map[string]string {
	out := map[string]string{}
	for _, name := range names {
		argv := versionProbes[name]
		if v := command("", argv[0], argv[1:]...); v != "" {
			out[name] = firstLine(v)
		}
	}
	return out
}

// onlineCPUs returns how many CPUs the machine has online, whatever
// cpuset latbench itself runs on (runtime.NumCPU counts only those).
func onlineCPUs() int {
	set, err := host.ParseCPUSet(strings.TrimSpace(readFile("/sys/devices/system/cpu/online")))
	if err != nil || len(set) == 0 {
		return runtime.NumCPU()
	}
	return len(set)
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
