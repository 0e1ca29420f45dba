package k8s

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/launch"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// Kubernetes: the agents of one cell run as an Indexed Job of N pods
// (completions = parallelism = N, no retries: an agent that fails loses
// its share of the schedule, so the run fails). A ConfigMap holds the
// cell file (key cell.yaml) and, once every pod is Ready, T0 (key t0),
// which each agent watches with a ServiceAccount that may only read that
// one ConfigMap. A pod is Ready once its agent has probed the target and
// waits for T0: its startup probe tests the file the agent writes then.
// Each agent writes its output to stdout, so its pod's log is its output.

// CellKey is the ConfigMap's key that holds the cell file; T0 comes
// under launch.T0Key.
const CellKey = "cell.yaml"

// Paths in the agent's container.
const (
	k8sCellDir    = "/etc/latbench"
	k8sStateDir   = "/run/latbench"
	k8sReadyFile  = k8sStateDir + "/ready"
	k8sContainer  = "agent"
	k8sRunLabel   = "latbench/run"
	k8sNameLabel  = "app.kubernetes.io/name"
	k8sInstLabel  = "app.kubernetes.io/instance"
	k8sCompLabel  = "app.kubernetes.io/component"
	k8sProbeEvery = time.Second
)

// DefaultReadyTimeout is how long agents may take to be ready when no
// timeout is given.
const DefaultReadyTimeout = 5 * time.Minute

// Manifest describes the Kubernetes objects that run the agents of
// one cell. Its zero value is not valid: Name, Namespace, Image, CellYAML,
// Agents and TargetAddr are needed.
type Manifest struct {
	// Namespace and Name place the objects; every object is called Name.
	Namespace, Name string
	// Image is the container image holding latbench on its PATH.
	Image string
	// CellYAML is the suite file of the cell; CellID picks its cell
	// ("": its only cell).
	CellYAML []byte
	CellID   string
	// Agents is the number of agents N; TargetAddr is the target's
	// HOST:PORT as the pods reach it.
	Agents     int
	TargetAddr string
	// PairedAddr is a paired cell's reference arm's HOST:PORT ("": none);
	// Seed the seed every agent draws the arms' order with.
	PairedAddr string
	Seed       uint64
	// CPU and Memory are the agent container's requests and limits, set
	// equal (the Guaranteed class); empty: none.
	CPU, Memory string
	// ReadyTimeout is how long an agent may take to be ready before its
	// startup probe gives up on it; 0: DefaultReadyTimeout.
	ReadyTimeout time.Duration
	// ActiveDeadline stops the Job by itself this long after it started
	// (activeDeadlineSeconds), should nobody ever set T0; 0: never.
	ActiveDeadline time.Duration
	// RunID, when set, labels the pods of one run (latbench/run).
	RunID string
}

// Objects are the objects of a Manifest, in the order they are
// applied.
type Objects struct {
	ConfigMap      *corev1.ConfigMap
	ServiceAccount *corev1.ServiceAccount
	Role           *rbacv1.Role
	RoleBinding    *rbacv1.RoleBinding
	Job            *batchv1.Job
}

// Objects builds the objects, or says which field is wrong.
func (m Manifest) Objects() (*Objects, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	res, err := m.resources()
	if err != nil {
		return nil, err
	}
	return &Objects{
		ConfigMap: &corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), ObjectMeta: m.meta(),
			Data: map[string]string{CellKey: string(m.CellYAML)}},
		ServiceAccount: &corev1.ServiceAccount{TypeMeta: typeMeta("v1", "ServiceAccount"), ObjectMeta: m.meta()},
		Role:           m.role(),
		RoleBinding:    m.roleBinding(),
		Job:            m.job(res),
	}, nil
}

// k8sMaxName is the longest name DefaultName returns: an Indexed Job's
// pods are called NAME-INDEX, a DNS label of at most 63 characters, and
// an index has at most 5 digits (parallelism is at most 100,000).
const k8sMaxName = validation.DNS1123LabelMaxLength - len("-99999")

// DefaultName returns the objects' default name for a cell:
// latbench-<cell id> made a valid name (runs of other characters than a-z
// and 0-9 become one hyphen) short enough for the pods' names.
func DefaultName(cellID string) string {
	var b strings.Builder
	b.WriteString("latbench")
	dash := true
	for _, r := range strings.ToLower(cellID) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if dash {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	name := b.String()
	return strings.TrimRight(name[:min(len(name), k8sMaxName)], "-")
}

// check rejects a manifest that cannot work.
func (m Manifest) check() error {
	for _, f := range []struct{ flag, value string }{{"name", m.Name}, {"namespace", m.Namespace}} {
		if errs := validation.IsDNS1123Label(f.value); len(errs) > 0 {
			return fmt.Errorf("kubernetes %s %q: %s", f.flag, f.value, strings.Join(errs, "; "))
		}
	}
	switch {
	case len(m.Name)+1+len(strconv.Itoa(m.Agents-1)) > validation.DNS1123LabelMaxLength:
		return fmt.Errorf("kubernetes name %q is too long for %d agents: the pods' host names, NAME-INDEX, must fit in %d characters",
			m.Name, m.Agents, validation.DNS1123LabelMaxLength)
	case m.Image == "":
		return fmt.Errorf("kubernetes: no image: the agents run latbench from an image you built and pushed (scripts/k8s/Dockerfile)")
	case m.Agents < 1:
		return fmt.Errorf("kubernetes: %d agents: need at least 1", m.Agents)
	case m.TargetAddr == "":
		return fmt.Errorf("kubernetes: no target address: the agents need the target's HOST:PORT as the pods reach it (a Service)")
	case len(m.CellYAML) == 0:
		return fmt.Errorf("kubernetes: no cell file")
	}
	return nil
}

// resources returns the container's requests and limits.
func (m Manifest) resources() (corev1.ResourceRequirements, error) {
	list := corev1.ResourceList{}
	for _, r := range []struct {
		name  corev1.ResourceName
		value string
	}{{corev1.ResourceCPU, m.CPU}, {corev1.ResourceMemory, m.Memory}} {
		if r.value == "" {
			continue
		}
		q, err := resource.ParseQuantity(r.value)
		if err != nil {
			return corev1.ResourceRequirements{}, fmt.Errorf("kubernetes %s %q: %v (e.g. 2 or 500m CPUs, 512Mi memory)", r.name, r.value, err)
		}
		list[r.name] = q
	}
	if len(list) == 0 {
		return corev1.ResourceRequirements{}, nil
	}
	return corev1.ResourceRequirements{Requests: list, Limits: list.DeepCopy()}, nil
}

// typeMeta returns the apiVersion and kind of an object.
func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

// labels returns the labels every object carries.
func (m Manifest) labels() map[string]string {
	return map[string]string{k8sNameLabel: "latbench", k8sInstLabel: m.Name}
}

// meta returns the metadata of every object but the pods.
func (m Manifest) meta() metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, Labels: m.labels()}
}

// role may read the one ConfigMap and nothing else.
func (m Manifest) role() *rbacv1.Role {
	return &rbacv1.Role{TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "Role"), ObjectMeta: m.meta(),
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"},
			ResourceNames: []string{m.Name}, Verbs: []string{"get", "list", "watch"}}}}
}

// roleBinding gives the role to the agents' ServiceAccount.
func (m Manifest) roleBinding() *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "RoleBinding"), ObjectMeta: m.meta(),
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: m.Name, Namespace: m.Namespace}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: m.Name}}
}

// job is the Indexed Job of the agents.
func (m Manifest) job(res corev1.ResourceRequirements) *batchv1.Job {
	n := int32(m.Agents)
	job := &batchv1.Job{TypeMeta: typeMeta("batch/v1", "Job"), ObjectMeta: m.meta(),
		Spec: batchv1.JobSpec{CompletionMode: new(batchv1.IndexedCompletion), Completions: new(n), Parallelism: new(n), BackoffLimit: new(int32(0)),
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: m.podLabels()}, Spec: m.podSpec(res)}}}
	if m.ActiveDeadline > 0 {
		job.Spec.ActiveDeadlineSeconds = new(int64((m.ActiveDeadline + time.Second - 1) / time.Second))
	}
	return job
}

// podLabels returns the labels of the agents' pods.
func (m Manifest) podLabels() map[string]string {
	l := m.labels()
	l[k8sCompLabel] = "agent"
	if m.RunID != "" {
		l[k8sRunLabel] = m.RunID
	}
	return l
}

// podSpec runs one agent. Agents spread over the nodes where they can:
// agents of one run on one node would share its network and CPUs.
func (m Manifest) podSpec(res corev1.ResourceRequirements) corev1.PodSpec {
	return corev1.PodSpec{
		ServiceAccountName: m.Name,
		RestartPolicy:      corev1.RestartPolicyNever,
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: new(true), RunAsUser: new(int64(65532)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: corev1.LabelHostname,
			WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector:     &metav1.LabelSelector{MatchLabels: map[string]string{batchv1.JobNameLabel: m.Name}}}},
		Containers: []corev1.Container{m.container(res)},
		Volumes: []corev1.Volume{
			{Name: "cell", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: m.Name},
				Items:                []corev1.KeyToPath{{Key: CellKey, Path: CellKey}}}}},
			{Name: "state", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		},
	}
}

// container is the agent. Its startup probe passes once the agent has
// written its ready file, which makes the pod Ready; unlike a readiness
// probe it stops then, so no probe runs beside the agent while it
// measures.
func (m Manifest) container(res corev1.ResourceRequirements) corev1.Container {
	timeout := m.ReadyTimeout
	if timeout <= 0 {
		timeout = DefaultReadyTimeout
	}
	return corev1.Container{
		Name: k8sContainer, Image: m.Image, Command: m.command(), Resources: res,
		StartupProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{launch.AgentBinary, "ready", k8sReadyFile}}},
			PeriodSeconds: int32(k8sProbeEvery / time.Second), TimeoutSeconds: 5,
			FailureThreshold: int32(max(1, timeout/k8sProbeEvery)),
		},
		SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: new(false), ReadOnlyRootFilesystem: new(true),
			Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
		VolumeMounts: []corev1.VolumeMount{{Name: "cell", MountPath: k8sCellDir, ReadOnly: true}, {Name: "state", MountPath: k8sStateDir}},
	}
}

// command is the agent's command line; its index comes from
// JOB_COMPLETION_INDEX, which Kubernetes sets in an Indexed Job's pods.
func (m Manifest) command() []string {
	argv := []string{launch.AgentBinary, "run", "--cell", k8sCellDir + "/" + CellKey}
	if m.CellID != "" {
		argv = append(argv, "--cell-id", m.CellID)
	}
	argv = append(argv, bench.AgentJob{Addr: m.TargetAddr, PairedAddr: m.PairedAddr, Seed: m.Seed}.AgentArgs()...)
	return append(argv, "--agents", strconv.Itoa(m.Agents),
		"--t0-configmap", m.Namespace+"/"+m.Name, "--ready-file", k8sReadyFile, "--out", "-")
}

// WriteYAML writes the objects as one YAML stream for kubectl apply -f,
// after comments that say how to start the agents and collect their
// outputs.
func (o *Objects) WriteYAML(w io.Writer) error {
	var buf bytes.Buffer
	buf.WriteString(o.header())
	for _, obj := range []any{o.ConfigMap, o.ServiceAccount, o.Role, o.RoleBinding, o.Job} {
		doc, err := k8sYAML(obj)
		if err != nil {
			return err
		}
		buf.WriteString("---\n")
		buf.Write(doc)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// header says what the stream is and how to use it.
func (o *Objects) header() string {
	ns, name, n := o.Job.Namespace, o.Job.Name, *o.Job.Spec.Completions
	return fmt.Sprintf(`# latbench: %d load agents as an Indexed Job, generated by latbench-k8s manifest.
# 1. kubectl apply -f THIS_FILE; once its %d pods exist, wait until they are Ready (each has probed the target):
#      kubectl -n %s wait --for=condition=Ready pod -l %s=%s --timeout=5m
# 2. Start them all at one time T0, a few seconds ahead (RFC 3339 or Unix nanoseconds):
#      kubectl -n %s patch configmap %s --type merge -p "{\"data\":{\"t0\":\"$(date -u -d '+10 seconds' +%%Y-%%m-%%dT%%H:%%M:%%SZ)\"}}"
# 3. When the Job is complete, merge the agents' pod logs:
#      kubectl -n %s wait --for=condition=Complete job/%s --timeout=1h
#      for p in $(kubectl -n %s get pods -l %s=%s -o name); do kubectl -n %s logs "$p" > "${p#pod/}.log"; done
#      latbench merge *.log
# To run again, delete the Job first: kubectl -n %s delete job %s
`, n, n, ns, batchv1.JobNameLabel, name, ns, name, ns, name, ns, batchv1.JobNameLabel, name, ns, ns, name)
}

// k8sYAML writes one object as YAML without its empty status.
func k8sYAML(obj any) ([]byte, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	delete(doc, "status")
	return yaml.Marshal(doc)
}
