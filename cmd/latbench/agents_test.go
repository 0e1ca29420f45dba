package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/latbench/latbench/results"
)

// needNamespaces skips a test that gives agents network namespaces where
// this machine cannot (not root, no ip), and fails it under CI=true,
// which runs as root with iproute2.
func needNamespaces(t *testing.T) {
	t.Helper()
	if ok, why := canMakeNamespaces(); !ok {
		if os.Getenv("CI") == "true" {
			t.Fatalf("agents in namespaces need root and ip (%s), and CI=true expects them", why)
		}
		t.Skipf("agents in namespaces need root and ip: %s", why)
	}
}

// canMakeNamespaces reports whether this test may give agents network
// namespaces (root and ip), or why not.
func canMakeNamespaces() (bool, string) {
	if os.Geteuid() != 0 {
		return false, "not root"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return false, "no ip (iproute2)"
	}
	return true, ""
}

// runAgentsCell runs one open-loop echo cell against the Go server with n
// local agents and returns it.
func runAgentsCell(t *testing.T, n string, namespaces bool) (results.Cell, int) {
	t.Helper()
	out := t.TempDir()
	r := latbench(t, "run", "--targets", testManifest(t, ""), "--out", out, "--scenario", "echo",
		"--rate", "2000", "--connections", "8", "--warmup", "300ms", "--duration", "1500ms",
		"--agents", n, "--launcher", "local", "--local-namespaces="+map[bool]string{true: "true", false: "false"}[namespaces])
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	run, _ := loadOnlyRun(t, out)
	return run.Cells[0], r.pid
}

// Four local agents send the cell's whole schedule between them, each
// its quarter; the merged count is the agents' sum; the merged p50 lies
// among the agents' own (the median of merged histograms always does);
// one agent alone sends the whole schedule; and nothing they made is
// left behind.
func TestAgentsLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("four runs of 3 s")
	}
	for _, namespaces := range []bool{true, false} {
		t.Run(map[bool]string{true: "namespaces", false: "processes"}[namespaces], func(t *testing.T) {
			if namespaces {
				needNamespaces(t)
			}
			four, pid4 := runAgentsCell(t, "4", namespaces)
			one, pid1 := runAgentsCell(t, "1", namespaces)
			st := four.Stats
			if four.Status != results.StatusOK || len(four.Agents) != 4 || st.FellDue != 3000 || st.Requests+st.ErrorsTotal+st.Unsent != st.FellDue {
				t.Fatalf("status %s (%s), %d agents, %d fell due, %d ok + %d errors + %d unsent; want ok, 4, the schedule's 3000, all accounted for",
					four.Status, four.Failure, len(four.Agents), st.FellDue, st.Requests, st.ErrorsTotal, st.Unsent)
			}
			var sum int64
			hosts := map[string]bool{}
			for _, a := range four.Agents {
				sum += a.Requests
				hosts[a.Host] = true
				if namespaces && !strings.HasPrefix(a.Host, "10.214.") {
					t.Errorf("agent %d at %q, want its own address on the agents' bridge", a.Index, a.Host)
				}
			}
			if sum != st.Requests || len(hosts) != 4 {
				t.Errorf("agents' requests sum to %d, merged %d; %d distinct hosts, want 4", sum, st.Requests, len(hosts))
			}
			lo, hi := four.Agents[0].LatencyP50, four.Agents[0].LatencyP50
			for _, a := range four.Agents {
				lo, hi = min(lo, a.LatencyP50), max(hi, a.LatencyP50)
			}
			if p := st.Latency.P50; 100*p < 99*lo || 100*p > 101*hi {
				t.Errorf("merged p50 %dns outside the agents' p50s %d–%dns: the merge is not of their histograms", p, lo, hi)
			}
			if one.Status != results.StatusOK || len(one.Agents) != 1 || one.Stats.FellDue != 3000 {
				t.Errorf("one agent: status %s (%s), %d agents, %d fell due; want ok, 1, 3000", one.Status, one.Failure, len(one.Agents), one.Stats.FellDue)
			}
			if left := leftoverAgentNetwork(t, pid4, pid1); left != "" {
				t.Errorf("left behind: %s", left)
			}
		})
	}
}

// leftoverAgentNetwork returns the agents' namespaces and bridges of this
// test's latbench processes (pids) that still exist; another test run's
// on the same machine are not this test's to judge. The names carry the
// process's tag (bench/launch/localnet.go): latbench-agent-TAG-i, lbabTAG.
func leftoverAgentNetwork(t *testing.T, pids ...int) string {
	t.Helper()
	return strings.Join(leftoverNames(pids...), ", ")
}

// leftoverNames returns the namespaces and links that the latbench
// processes pids made and that are still there.
func leftoverNames(pids ...int) []string {
	if ok, _ := canMakeNamespaces(); !ok {
		return nil
	}
	var names []string
	nss, _ := exec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(nss), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	links, _ := exec.Command("ip", "-o", "link", "show").Output()
	for _, line := range strings.Split(string(links), "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
			names = append(names, name)
		}
	}
	var left []string
	for _, name := range names {
		for _, pid := range pids {
			if strings.HasPrefix(name, fmt.Sprintf("latbench-%d-", pid)) || strings.HasPrefix(name, linkPrefix(pid)) {
				left = append(left, name)
			}
		}
	}
	return left
}

// linkPrefix is how the names of the links latbench process pid makes
// begin: "lb" and its pid in base 36, five wide (bench/host).
func linkPrefix(pid int) string {
	return fmt.Sprintf("lb%05s", strconv.FormatInt(int64(pid), 36))
}

// Bad agent settings are refused with the fix, before anything runs.
func TestAgentsBadInput(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no agents", args: []string{"--agents", "0"}, wantErr: "need at least 1"},
		{name: "unknown launcher", args: []string{"--agents", "2", "--launcher", "ssh"}, wantErr: "use local, k8s or slurm"},
		{name: "fewer connections than agents", args: []string{"--agents", "4", "--connections", "2"}, wantErr: "at least one connection per agent"},
		{name: "faults", args: []string{"--agents", "2", "--scenario", "http", "--backend", "go", "--fault", "at 1s: stop-backend 1s"}, wantErr: "do not combine with --agents"},
		{name: "request count only", args: []string{"--agents", "2", "--requests", "100", "--duration", "0s"}, wantErr: "give a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--targets", testManifest(t, ""), "--out", t.TempDir(), "--rate", "100", "--duration", "2s"}, tt.args...)
			r := latbench(t, args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.wantErr)
			}
		})
	}
}
