package k8s

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/launch"
	"github.com/latbench/latbench/scenarios/scenariotest"
)

// k8sTestImage is the image the tests' Jobs name (nothing pulls it).
const k8sTestImage = "ghcr.io/example/latbench:test"

// realAgents runs bench.RunAgent against addr, as latbench-agent does in
// a pod, and writes the pod's log: a line on stderr, then the output.
func realAgents(cell bench.CellSpec, addr string) fakeAgent {
	return func(ctx context.Context, i, n int, t0 time.Time) ([]byte, error) {
		var log bytes.Buffer
		fmt.Fprintf(&log, "latbench-agent: ready; waiting for T0 in the ConfigMap\n")
		out, err := bench.RunAgent(ctx, bench.AgentSpec{Cell: cell, Index: i, Count: n, T0: t0, Addr: addr}, &log)
		if err != nil {
			return log.Bytes(), err
		}
		fmt.Fprintf(&log, "latbench-agent %d of %d: %d requests\n", i, n, out.Cell.Stats.Requests)
		return log.Bytes(), nil
	}
}

// startEcho starts a TCP echo server on 127.0.0.1:0 until the test ends.
func startEcho(t *testing.T) string {
	return scenariotest.Start(t, func(c net.Conn) { _, _ = io.Copy(c, c) }).Addr()
}

func TestK8sRunCollectsEveryAgent(t *testing.T) {
	cellYAML := k8sTestCell(t)
	cell, err := bench.AgentCell(CellKey, cellYAML, "")
	if err != nil {
		t.Fatal(err)
	}
	addr := startEcho(t)
	name := DefaultName(cell.ID)
	earlier := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name        string
		n           int
		existing    []runtime.Object
		wantDeletes int
	}{
		{name: "three agents", n: 3},
		{name: "an earlier run's ConfigMap with its t0, and its finished Job", n: 2, wantDeletes: 1, existing: []runtime.Object{
			k8sConfigMap("bench", name, map[string]string{CellKey: "old", launch.T0Key: launch.FormatT0(earlier)}),
			&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: name},
				Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeCluster("bench", realAgents(cell, addr), tc.existing...)
			f.start(t)
			var lines []string
			k := &Launcher{Client: f.client, Namespace: "bench", Image: k8sTestImage, Logs: f,
				ReadyTimeout: 20 * time.Second, Lead: time.Second, Log: func(l string) { lines = append(lines, l) }}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			outs, err := k.Run(ctx, bench.AgentJob{CellYAML: cellYAML, CellID: cell.ID, Agents: tc.n, Addr: addr})
			if err != nil {
				t.Fatalf("%v\nlog:\n%s", err, strings.Join(lines, "\n"))
			}
			checkK8sOutputs(t, outs, tc.n)
			checkK8sT0(t, f, name, tc.n, outs[0].Agent.T0UnixNs)
			if got := len(k8sDeletes(f.client, "jobs")); got != tc.wantDeletes {
				t.Errorf("%d Jobs deleted, want %d (an earlier run's finished one only)", got, tc.wantDeletes)
			}
		})
	}
}

// checkK8sOutputs checks that the outputs are the n agents' in order and
// merge exactly.
func checkK8sOutputs(t *testing.T, outs []*bench.AgentOutput, n int) {
	t.Helper()
	if len(outs) != n {
		t.Fatalf("%d outputs, want %d", len(outs), n)
	}
	var sum int64
	for i, o := range outs {
		if o.Agent.Index != i || o.Agent.Count != n {
			t.Errorf("output %d is agent %d of %d", i, o.Agent.Index, o.Agent.Count)
		}
		sum += o.Cell.Stats.Requests
	}
	merged, err := bench.MergeAgents(outs)
	if err != nil {
		t.Fatal(err)
	}
	if merged.Stats.Requests != sum || sum == 0 {
		t.Errorf("merged %d requests, the agents %d", merged.Stats.Requests, sum)
	}
}

// checkK8sT0 checks that T0 was written once, after all n pods were
// Ready, and is the agents' T0.
func checkK8sT0(t *testing.T, f *fakeCluster, name string, n int, agentsT0 int64) {
	t.Helper()
	writes, patches := f.writes()
	if len(writes) != 1 || writes[0] != n || patches != 0 {
		t.Errorf("t0 writes with %v pods Ready and %d patches; want one write with all %d Ready, no patch", writes, patches, n)
	}
	cm, err := f.client.CoreV1().ConfigMaps("bench").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t0, err := launch.ParseT0(cm.Data[launch.T0Key])
	if err != nil || t0.UnixNano() != agentsT0 {
		t.Errorf("the ConfigMap's t0 %q (%v) is not the agents' %d", cm.Data[launch.T0Key], err, agentsT0)
	}
}

// k8sDeletes returns the delete actions on a resource.
func k8sDeletes(client *fake.Clientset, resource string) []k8stesting.DeleteActionImpl {
	var dels []k8stesting.DeleteActionImpl
	for _, a := range client.Actions() {
		if d, ok := a.(k8stesting.DeleteActionImpl); ok && d.GetResource().Resource == resource {
			dels = append(dels, d)
		}
	}
	return dels
}

// k8sTestName returns the objects' name for the test cell.
func k8sTestName(t *testing.T) string {
	t.Helper()
	cell, err := bench.AgentCell(CellKey, k8sTestCell(t), "")
	if err != nil {
		t.Fatal(err)
	}
	return DefaultName(cell.ID)
}

func TestK8sRunDeletesTheJobWhenItFails(t *testing.T) {
	cellYAML := k8sTestCell(t)
	name := k8sTestName(t)
	failing := func(_ context.Context, i, _ int, _ time.Time) ([]byte, error) {
		if i == 2 {
			return []byte("latbench-agent: ready\n"), errors.New("read: connection reset by peer")
		}
		return []byte("an output\n"), nil
	}
	cases := []struct {
		name         string
		setup        func(*fakeCluster)
		readyTimeout time.Duration
		cancel       bool
		wantErr      []string
		wantIs       error
		wantT0Writes []int
	}{
		{name: "never ready: the timeout", setup: func(f *fakeCluster) { f.neverReady = true }, readyTimeout: 300 * time.Millisecond,
			wantErr: []string{"after 300ms, 0 of 3 agents are ready", "agent 0 (pod " + name + "-0-x0): Running, running, not yet ready"}},
		{name: "cancelled while the agents get ready", setup: func(f *fakeCluster) { f.neverReady = true }, cancel: true,
			wantErr: []string{"waiting for the agents to be ready"}, wantIs: context.Canceled},
		{name: "an agent fails before T0", setup: func(f *fakeCluster) { f.failBeforeT0 = 1 },
			wantErr: []string{"agent 1 (pod " + name + "-1-x1) failed before T0", "exited with code 1", "the target does not answer"}},
		{name: "an agent fails after T0", setup: func(*fakeCluster) {}, wantT0Writes: []int{3},
			wantErr: []string{"BackoffLimitExceeded", "agent 2 (pod " + name + "-2-x2) failed while it ran", "connection reset by peer"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeCluster("bench", failing)
			tc.setup(f)
			f.start(t)
			k := &Launcher{Client: f.client, Namespace: "bench", Image: k8sTestImage, Logs: f, ReadyTimeout: tc.readyTimeout, Lead: 100 * time.Millisecond}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if tc.cancel {
				go func() {
					<-f.podsUp
					cancel()
				}()
			}
			_, err := k.Run(ctx, bench.AgentJob{CellYAML: cellYAML, CellID: "", Agents: 3, Addr: "echo.bench.svc:7000"})
			checkK8sError(t, err, append(tc.wantErr, "the Job bench/"+name+" and its pods were deleted"), tc.wantIs)
			checkK8sJobDeleted(t, f.client, name)
			if writes, _ := f.writes(); fmt.Sprint(writes) != fmt.Sprint(tc.wantT0Writes) {
				t.Errorf("t0 writes with %v pods Ready, want %v", writes, tc.wantT0Writes)
			}
		})
	}
}

// checkK8sError checks an error's text and chain.
func checkK8sError(t *testing.T, err error, want []string, is error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if is != nil && !errors.Is(err, is) {
		t.Errorf("error %q is not %v", err, is)
	}
}

// checkK8sJobDeleted checks that the Job is gone, deleted once with its
// pods (propagation Background).
func checkK8sJobDeleted(t *testing.T, client *fake.Clientset, name string) {
	t.Helper()
	if _, err := client.BatchV1().Jobs("bench").Get(context.Background(), name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the Job is still there (%v)", err)
	}
	dels := k8sDeletes(client, "jobs")
	if len(dels) != 1 {
		t.Fatalf("%d deletes of Jobs, want 1", len(dels))
	}
	if p := dels[0].GetDeleteOptions().PropagationPolicy; p == nil || *p != metav1.DeletePropagationBackground {
		t.Errorf("the Job was deleted with propagation %v, want Background (its pods too)", p)
	}
}

func TestK8sRunRefuses(t *testing.T) {
	cellYAML := k8sTestCell(t)
	running := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: k8sTestName(t)}}
	twoCells := append(append([]byte(nil), cellYAML...), "  - name: slow\n    rate: 100\n"...)
	cases := []struct {
		name     string
		image    string
		cellYAML []byte
		cellID   string
		existing []runtime.Object
		want     string
	}{
		{name: "a Job of that name still running", image: k8sTestImage, existing: []runtime.Object{running}, want: "still running"},
		{name: "no image", want: "no image"},
		{name: "a cell the file lacks", image: k8sTestImage, cellID: "go-http-max", want: `no cell "go-http-max" in it; its cells: ext-echo-`},
		{name: "two cells and no id", image: k8sTestImage, cellYAML: twoCells, want: "it holds 2 cells; name one: ext-echo-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client := fake.NewClientset(tc.existing...)
			k := &Launcher{Client: client, Namespace: "bench", Image: tc.image, Logs: APILogs{Client: client}, ReadyTimeout: time.Second}
			yaml := cellYAML
			if tc.cellYAML != nil {
				yaml = tc.cellYAML
			}
			_, err := k.Run(context.Background(), bench.AgentJob{CellYAML: yaml, CellID: tc.cellID, Agents: 3, Addr: "echo.bench.svc:7000"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			for _, a := range client.Actions() {
				if v := a.GetVerb(); v != "get" && v != "list" {
					t.Errorf("it changed the cluster: %s %s", v, a.GetResource().Resource)
				}
			}
		})
	}
}

func TestNewK8sReadsTheKubeconfig(t *testing.T) {
	dir := t.TempDir()
	config := `apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster: {server: "https://lab.example:6443"}
users:
- name: me
  user: {token: not-a-real-token}
contexts:
- name: lab-bench
  context: {cluster: lab, user: me, namespace: bench}
- name: lab-default
  context: {cluster: lab, user: me}
current-context: lab-bench
`
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", path)
	cases := []struct {
		context string
		wantNS  string
		wantErr string
	}{
		{context: "", wantNS: "bench"},
		{context: "lab-default", wantNS: "default"},
		{context: "elsewhere", wantErr: `context "elsewhere"`},
	}
	for _, tc := range cases {
		k, err := NewLauncher(tc.context)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("NewLauncher(%q): error %v, want one containing %q", tc.context, err, tc.wantErr)
			}
		case err != nil:
			t.Errorf("NewLauncher(%q): %v", tc.context, err)
		case k.Namespace != tc.wantNS || k.Client == nil || k.Logs == nil || k.ReadyTimeout != DefaultReadyTimeout || k.Lead != DefaultLead:
			t.Errorf("NewLauncher(%q) = %+v; want namespace %s and the defaults", tc.context, k, tc.wantNS)
		}
	}
}

// APILogs reads each pod's own log, of the agent's container, through
// the API server's REST path: a real client against a server that holds
// a different log per pod (client-go's fake clientset answers "fake logs"
// for any pod, so it cannot tell a right read from a wrong one).
func TestAPILogsReadsThePodsLog(t *testing.T) {
	logs := map[string]string{"agent-0": "log of agent 0\n", "agent-1": "log of agent 1\n"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var pod string
		if _, err := fmt.Sscanf(r.URL.Path, "/api/v1/namespaces/bench/pods/%s", &pod); err != nil || !strings.HasSuffix(pod, "/log") {
			http.NotFound(w, r)
			return
		}
		pod = strings.TrimSuffix(pod, "/log")
		log, ok := logs[pod]
		if !ok || r.URL.Query().Get("container") != k8sContainer {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, log)
	}))
	defer srv.Close()
	client, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for pod, want := range logs {
		rc, err := APILogs{Client: client}.Read(context.Background(), "bench", pod)
		if err != nil {
			t.Fatalf("%s: %v", pod, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != want {
			t.Errorf("%s: read %q, %v; want %q", pod, got, err, want)
		}
	}
	if _, err := (APILogs{Client: client}).Read(context.Background(), "bench", "agent-9"); err == nil {
		t.Error("a pod without a log read without an error")
	}
}
