package k8s

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/latbench/latbench/bench"
	"github.com/latbench/latbench/bench/launch"
)

// DefaultLead is how long after the last agent is ready T0 falls
// when no Lead is given.
const DefaultLead = 5 * time.Second

// k8sFieldManager names latbench in the objects' managed fields.
const k8sFieldManager = "latbench"

// k8sDoneGrace is how long after its measured window the launcher waits
// for the Job to complete: the agents drain their last requests, write
// their outputs and exit, and the Job controller notices.
const k8sDoneGrace = 2 * time.Minute

// k8sCleanupTimeout bounds deleting the Job after a failure, when the
// run's own context may have ended.
const k8sCleanupTimeout = 30 * time.Second

// K8s launches the agents of one cell as an Indexed Job and collects
// their outputs.
type Launcher struct {
	// Client is the API client: NewLauncher makes the real one from the
	// kubeconfig; tests use client-go's fake.
	Client kubernetes.Interface
	// Namespace and Name place the objects ("": default and
	// latbench-<cell id>); Image holds latbench on its PATH.
	Namespace, Name, Image string
	// Logs reads a pod's log: APILogs, or a fake in tests.
	Logs PodLogs
	// ReadyTimeout bounds the wait for every agent to be ready (0:
	// DefaultReadyTimeout).
	ReadyTimeout time.Duration
	// Lead is how far after the last agent is ready T0 is set (0:
	// DefaultLead).
	Lead time.Duration
	// CPU and Memory are each agent's requests and limits (optional).
	CPU, Memory string
	// Log, when set, receives a line at each stage.
	Log func(line string)
}

// NewLauncher returns a launcher with the real client of a kubeconfig context
// ("": the current one) of KUBECONFIG or ~/.kube/config; its Namespace is
// the context's.
func NewLauncher(kubeconfigContext string) (*Launcher, error) {
	cfg := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(),
		&clientcmd.ConfigOverrides{CurrentContext: kubeconfigContext})
	rc, err := cfg.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubernetes: the kubeconfig (KUBECONFIG or ~/.kube/config): %w", err)
	}
	ns, _, err := cfg.Namespace()
	if err != nil {
		return nil, fmt.Errorf("kubernetes: the namespace of the kubeconfig context: %w", err)
	}
	rc.UserAgent = "latbench-k8s"
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: %w", err)
	}
	return &Launcher{Client: client, Namespace: ns, Logs: APILogs{Client: client},
		ReadyTimeout: DefaultReadyTimeout, Lead: DefaultLead}, nil
}

// PodLogs reads a pod's log.
type PodLogs interface {
	Read(ctx context.Context, namespace, pod string) (io.ReadCloser, error)
}

// APILogs reads the agent container's log through the API server, as
// kubectl logs does.
type APILogs struct {
	Client kubernetes.Interface
}

// Read streams the whole log of the pod's agent container.
func (l APILogs) Read(ctx context.Context, namespace, pod string) (io.ReadCloser, error) {
	return l.Client.CoreV1().Pods(namespace).GetLogs(pod, &corev1.PodLogOptions{Container: k8sContainer}).Stream(ctx)
}

// Run applies the ConfigMap, RBAC and Job of the job's cell (its agents
// against its addresses), waits until every one of the n pods is
// Ready, writes T0 into the ConfigMap exactly once, waits for the Job to
// complete, and returns the agents' outputs read from their pods' logs,
// ordered by index. On a timeout, a failure or the end of ctx it deletes
// the Job and its pods and says why. A completed Job stays until the next
// run of the same name replaces it.
func (k *Launcher) Run(ctx context.Context, job bench.AgentJob) ([]*bench.AgentOutput, error) {
	r, err := k.newRun(job)
	if err != nil {
		return nil, err
	}
	if err := r.apply(ctx); err != nil {
		return nil, err
	}
	if err := r.createJob(ctx); err != nil {
		if ctx.Err() != nil { // the request may have created it
			return nil, r.abort(ctx, err)
		}
		return nil, err
	}
	outs, err := r.drive(ctx)
	if err != nil {
		return nil, r.abort(ctx, err)
	}
	return outs, nil
}

// k8sRun is one Run: its settings and objects.
type k8sRun struct {
	k            *Launcher
	ns, name     string
	n            int
	runID        string
	cell         bench.CellSpec
	objs         *Objects
	readyTimeout time.Duration
	lead         time.Duration
}

// newRun checks the cell and builds the run's objects.
func (k *Launcher) newRun(job bench.AgentJob) (*k8sRun, error) {
	n := job.Agents
	if k.Client == nil || k.Logs == nil {
		return nil, errors.New("kubernetes: the launcher has no client or no log reader (use NewLauncher)")
	}
	cell, err := bench.AgentCell(CellKey, job.CellYAML, job.CellID) // as the agents will
	if err != nil {
		return nil, fmt.Errorf("kubernetes: the agents' cell: %w", err)
	}
	r := &k8sRun{k: k, ns: k.Namespace, name: k.Name, n: n, runID: k8sRunID(), cell: cell,
		readyTimeout: k.ReadyTimeout, lead: k.Lead}
	if r.ns == "" {
		r.ns = metav1.NamespaceDefault
	}
	if r.name == "" {
		r.name = DefaultName(cell.ID)
	}
	if r.readyTimeout <= 0 {
		r.readyTimeout = DefaultReadyTimeout
	}
	if r.lead <= 0 {
		r.lead = DefaultLead
	}
	m := Manifest{Namespace: r.ns, Name: r.name, Image: k.Image, CellYAML: job.CellYAML, CellID: cell.ID,
		Agents: n, TargetAddr: job.Addr, PairedAddr: job.PairedAddr, Seed: job.Seed, CPU: k.CPU, Memory: k.Memory, ReadyTimeout: r.readyTimeout,
		ActiveDeadline: r.readyTimeout + r.lead + r.window() + k8sDoneGrace, RunID: r.runID}
	if r.objs, err = m.Objects(); err != nil {
		return nil, err
	}
	return r, nil
}

// window is how long the agents send after T0: warm-up, measured window
// and the last requests' timeout.
func (r *k8sRun) window() time.Duration {
	return r.cell.Load.Warmup + r.cell.Load.Duration + r.cell.Load.Timeout
}

// k8sRunID returns a new id for the pods of one run.
func k8sRunID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// logf sends a line to the launcher's Log.
func (r *k8sRun) logf(format string, args ...any) {
	if r.k.Log != nil {
		r.k.Log(fmt.Sprintf("kubernetes %s/%s: ", r.ns, r.name) + fmt.Sprintf(format, args...))
	}
}

// drive runs the agents from the created Job to their outputs.
func (r *k8sRun) drive(ctx context.Context) ([]*bench.AgentOutput, error) {
	r.logf("waiting for %d agents to be ready (at most %v)", r.n, r.readyTimeout)
	lastReady, err := r.waitReady(ctx)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	if lastReady.After(t0) { // the cluster's clock is ahead of ours; its times are whole seconds
		t0 = lastReady.Add(time.Second)
	}
	t0 = t0.Add(r.lead)
	if err := r.setT0(ctx, t0); err != nil {
		return nil, err
	}
	r.logf("%d agents ready; T0 %s", r.n, launch.FormatT0(t0))
	if err := r.waitDone(ctx, t0); err != nil {
		return nil, err
	}
	return r.collect(ctx)
}

// setT0 writes T0 into the ConfigMap: one update, made against the
// version just read, so that it fails rather than overwrite a change.
func (r *k8sRun) setT0(ctx context.Context, t0 time.Time) error {
	cms := r.k.Client.CoreV1().ConfigMaps(r.ns)
	cm, err := cms.Get(ctx, r.name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("kubernetes: reading the ConfigMap %s/%s to set T0: %w", r.ns, r.name, err)
	}
	if v := cm.Data[launch.T0Key]; v != "" {
		return fmt.Errorf("kubernetes: the ConfigMap %s/%s holds a t0 (%s) that this run did not write: is another run using the name %s?", r.ns, r.name, v, r.name)
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	cm.Data[launch.T0Key] = launch.FormatT0(t0)
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: k8sFieldManager}); err != nil {
		return fmt.Errorf("kubernetes: writing T0 into the ConfigMap %s/%s: %w", r.ns, r.name, err)
	}
	return nil
}

// collect reads every agent's output from its pod's log.
func (r *k8sRun) collect(ctx context.Context) ([]*bench.AgentOutput, error) {
	pods, err := r.k.Client.CoreV1().Pods(r.ns).List(ctx, r.podSelector())
	if err != nil {
		return nil, fmt.Errorf("kubernetes: listing the agents' pods: %w", err)
	}
	succeeded := map[int]string{}
	for _, p := range pods.Items {
		if i, ok := r.podIndex(&p); ok && p.Status.Phase == corev1.PodSucceeded {
			succeeded[i] = p.Name
		}
	}
	outs := make([]*bench.AgentOutput, r.n)
	for i := range r.n {
		pod, ok := succeeded[i]
		if !ok {
			return nil, fmt.Errorf("kubernetes: agent %d of %d has no pod that succeeded", i, r.n)
		}
		if outs[i], err = r.readOutput(ctx, i, pod); err != nil {
			return nil, err
		}
	}
	r.logf("read the outputs of %d agents", r.n)
	return outs, nil
}

// readOutput parses agent i's output from its pod's log.
func (r *k8sRun) readOutput(ctx context.Context, i int, pod string) (*bench.AgentOutput, error) {
	rc, err := r.k.Logs.Read(ctx, r.ns, pod)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: agent %d (pod %s): reading its log: %w", i, pod, err)
	}
	defer rc.Close()
	out, err := bench.ParseAgentStream(rc)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: agent %d (pod %s): its log: %w (the kubelet keeps only the last "+
			"containerLogMaxSize, 10 MiB by default, of a log: about half an hour of an agent's output)", i, pod, err)
	}
	if out.Agent.Index != i || out.Agent.Count != r.n {
		return nil, fmt.Errorf("kubernetes: the pod %s of agent %d of %d holds the output of agent %d of %d", pod, i, r.n, out.Agent.Index, out.Agent.Count)
	}
	return out, nil
}

// abort deletes the Job and its pods after cause, with a context of its
// own: ctx may be what ended.
func (r *k8sRun) abort(ctx context.Context, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), k8sCleanupTimeout)
	defer cancel()
	err := r.k.Client.BatchV1().Jobs(r.ns).Delete(ctx, r.name,
		metav1.DeleteOptions{PropagationPolicy: new(metav1.DeletePropagationBackground)})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("%w; deleting the Job failed too (%v): kubectl -n %s delete job %s", cause, err, r.ns, r.name)
	}
	r.logf("deleted the Job and its pods")
	return fmt.Errorf("%w; the Job %s/%s and its pods were deleted", cause, r.ns, r.name)
}
