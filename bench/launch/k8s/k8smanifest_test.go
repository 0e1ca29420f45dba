package k8s

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// k8sUpdate rewrites the golden manifests: go test ./bench/launch/k8s -run Manifest -update.
var k8sUpdate = flag.Bool("update", false, "rewrite the golden files in testdata")

// k8sTestCell returns the test cell's suite file.
func k8sTestCell(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "k8s-cell.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// k8sDecoded is a manifest decoded strictly into the API's types.
type k8sDecoded struct {
	cm   corev1.ConfigMap
	sa   corev1.ServiceAccount
	role rbacv1.Role
	rb   rbacv1.RoleBinding
	job  batchv1.Job
}

// decodeK8sManifest decodes a YAML stream into the five objects, failing
// on an unknown or duplicate field and on any other kind.
func decodeK8sManifest(t *testing.T, stream []byte) k8sDecoded {
	t.Helper()
	var d k8sDecoded
	targets := map[string]any{"ConfigMap": &d.cm, "ServiceAccount": &d.sa, "Role": &d.role, "RoleBinding": &d.rb, "Job": &d.job}
	var kinds []string
	for i, doc := range strings.Split(string(stream), "\n---\n") {
		if i == 0 {
			if strings.TrimSpace(strings.TrimPrefix(doc, "---")) != "" && !strings.HasPrefix(doc, "#") {
				t.Fatalf("the stream starts with %q, not comments", doc)
			}
			continue
		}
		var head struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		target, ok := targets[head.Kind]
		if !ok {
			t.Fatalf("document %d: unexpected kind %q", i, head.Kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), target); err != nil {
			t.Fatalf("%s does not decode strictly: %v", head.Kind, err)
		}
		kinds = append(kinds, head.Kind)
	}
	if want := []string{"ConfigMap", "ServiceAccount", "Role", "RoleBinding", "Job"}; !slices.Equal(kinds, want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	return d
}

func TestK8sManifestGolden(t *testing.T) {
	cell := k8sTestCell(t)
	cases := []struct {
		name     string
		manifest Manifest
	}{
		{name: "k8s-plain", manifest: Manifest{Namespace: "bench", Name: "latbench-ext-echo-fixed",
			Image: "ghcr.io/example/latbench:v1", CellYAML: cell, CellID: "ext-echo-fixed", Agents: 4,
			TargetAddr: "echo.bench.svc:7000", ActiveDeadline: time.Hour}},
		{name: "k8s-resources", manifest: Manifest{Namespace: "default", Name: "lb", Image: "registry.local/latbench@sha256:abc",
			CellYAML: cell, Agents: 16, TargetAddr: "web.bench.svc.cluster.local:80", CPU: "2", Memory: "1Gi",
			ReadyTimeout: 90 * time.Second, RunID: "0123456789ab"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := tc.manifest.Objects()
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := objs.WriteYAML(&buf); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", tc.name+".golden.yaml")
			if *k8sUpdate {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("the manifest differs from %s (run with -update to accept):\n%s", golden, buf.String())
			}
			checkK8sManifest(t, tc.manifest, decodeK8sManifest(t, want))
		})
	}
}

// checkK8sManifest checks what makes the objects work together.
func checkK8sManifest(t *testing.T, m Manifest, d k8sDecoded) {
	t.Helper()
	spec := d.job.Spec
	n := int32(m.Agents)
	switch {
	case spec.Completions == nil || *spec.Completions != n, spec.Parallelism == nil || *spec.Parallelism != n:
		t.Errorf("completions %v, parallelism %v, want %d each", spec.Completions, spec.Parallelism, n)
	case spec.BackoffLimit == nil || *spec.BackoffLimit != 0:
		t.Errorf("backoffLimit %v, want 0", spec.BackoffLimit)
	case spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion:
		t.Errorf("completionMode %v, want Indexed", spec.CompletionMode)
	case spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever:
		t.Errorf("restartPolicy %q, want Never", spec.Template.Spec.RestartPolicy)
	case spec.Template.Spec.ServiceAccountName != d.sa.Name:
		t.Errorf("the pods run as %q, not the ServiceAccount %q", spec.Template.Spec.ServiceAccountName, d.sa.Name)
	}
	if len(d.role.Rules) != 1 {
		t.Fatalf("the Role has %d rules, want 1", len(d.role.Rules))
	}
	rule := d.role.Rules[0]
	if !slices.Equal(rule.ResourceNames, []string{d.cm.Name}) || !slices.Equal(rule.Resources, []string{"configmaps"}) ||
		!slices.Equal(rule.APIGroups, []string{""}) || !slices.Equal(rule.Verbs, []string{"get", "list", "watch"}) {
		t.Errorf("the Role's rule is %+v; want get, list, watch of the ConfigMap %s only", rule, d.cm.Name)
	}
	if rb := d.rb; rb.RoleRef.Name != d.role.Name || rb.RoleRef.Kind != "Role" || len(rb.Subjects) != 1 ||
		rb.Subjects[0].Name != d.sa.Name || rb.Subjects[0].Namespace != m.Namespace {
		t.Errorf("the RoleBinding %+v does not bind the Role to the ServiceAccount", rb)
	}
	if d.cm.Data[CellKey] != string(m.CellYAML) || len(d.cm.Data) != 1 {
		t.Errorf("the ConfigMap holds %v, want only the cell file under %s", d.cm.Data, CellKey)
	}
	checkK8sContainer(t, m, d.job.Spec.Template.Spec)
}

// checkK8sContainer checks the agent's command line, probe and mounts.
func checkK8sContainer(t *testing.T, m Manifest, pod corev1.PodSpec) {
	t.Helper()
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	argv := strings.Join(c.Command, " ")
	for _, want := range []string{"latbench-agent run --cell /etc/latbench/cell.yaml", "--target-addr " + m.TargetAddr,
		"--agents " + strconv.Itoa(m.Agents), "--t0-configmap " + m.Namespace + "/" + m.Name,
		"--ready-file " + k8sReadyFile, "--out -"} {
		if !strings.Contains(argv, want) {
			t.Errorf("the command %q lacks %q", argv, want)
		}
	}
	if strings.Contains(argv, "--index") {
		t.Errorf("the command %q gives an index: JOB_COMPLETION_INDEX should", argv)
	}
	if c.Image != m.Image {
		t.Errorf("image %q, want %q", c.Image, m.Image)
	}
	if p := c.StartupProbe; p == nil || p.Exec == nil || !slices.Contains(p.Exec.Command, k8sReadyFile) || c.ReadinessProbe != nil {
		t.Errorf("want a startup probe on the ready file and no readiness probe; got %+v and %+v", c.StartupProbe, c.ReadinessProbe)
	}
	if len(c.VolumeMounts) != 2 || c.VolumeMounts[0].MountPath != k8sCellDir || c.VolumeMounts[1].MountPath != k8sStateDir {
		t.Errorf("mounts %+v, want the cell at %s and a writable %s", c.VolumeMounts, k8sCellDir, k8sStateDir)
	}
}

func TestK8sManifestRefuses(t *testing.T) {
	good := Manifest{Namespace: "bench", Name: "lb", Image: "img", CellYAML: []byte("x"), Agents: 2, TargetAddr: "svc:80"}
	cases := []struct {
		name   string
		change func(*Manifest)
		want   string
	}{
		{name: "no image", change: func(m *Manifest) { m.Image = "" }, want: "no image"},
		{name: "no agents", change: func(m *Manifest) { m.Agents = 0 }, want: "0 agents"},
		{name: "no target", change: func(m *Manifest) { m.TargetAddr = "" }, want: "no target address"},
		{name: "no cell", change: func(m *Manifest) { m.CellYAML = nil }, want: "no cell file"},
		{name: "bad name", change: func(m *Manifest) { m.Name = "Latbench_Go" }, want: `name "Latbench_Go"`},
		{name: "long name", change: func(m *Manifest) { m.Name = strings.Repeat("a", 64) }, want: "name"},
		{name: "too long for the pods' names", change: func(m *Manifest) { m.Name, m.Agents = strings.Repeat("a", 61), 11 }, want: "too long for 11 agents"},
		{name: "bad namespace", change: func(m *Manifest) { m.Namespace = "" }, want: "namespace"},
		{name: "bad cpu", change: func(m *Manifest) { m.CPU = "two" }, want: `cpu "two"`},
		{name: "bad memory", change: func(m *Manifest) { m.Memory = "1 GB" }, want: `memory "1 GB"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := good
			tc.change(&m)
			_, err := m.Objects()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestK8sDefaultName(t *testing.T) {
	cases := []struct {
		cellID string
		want   string
	}{
		{cellID: "go-http-fixed", want: "latbench-go-http-fixed"},
		{cellID: "Go_HTTP.fixed-s01", want: "latbench-go-http-fixed-s01"},
		{cellID: "--rust--", want: "latbench-rust"},
		{cellID: "", want: "latbench"},
		{cellID: strings.Repeat("ab-", 30), want: "latbench-" + strings.TrimRight(strings.Repeat("ab-", 16), "-")},
	}
	for _, tc := range cases {
		if got := DefaultName(tc.cellID); got != tc.want {
			t.Errorf("DefaultName(%q) = %q, want %q", tc.cellID, got, tc.want)
		}
	}
}
