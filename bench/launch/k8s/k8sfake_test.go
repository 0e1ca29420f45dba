package k8s

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/latbench/latbench/bench/launch"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// fakeAgent is what the fake kubelet runs in pod index of n from t0: the
// pod's log, or the error the agent would exit with.
type fakeAgent func(ctx context.Context, index, n int, t0 time.Time) ([]byte, error)

// fakeCluster plays the Job controller and the kubelets on client-go's
// fake clientset: it sees the Job, creates its indexed pods, marks them
// Ready one by one, and once T0 is in the ConfigMap runs the agents,
// marks the pods Succeeded (or Failed) and the Job Complete (or Failed).
// It serves the pods' logs as the launcher's PodLogs.
type fakeCluster struct {
	client *fake.Clientset
	ns     string
	agent  fakeAgent
	// neverReady leaves the pods running but never Ready; failBeforeT0
	// (>= 0) fails that agent's pod before it is Ready.
	neverReady   bool
	failBeforeT0 int
	// podsUp is closed once the pods exist.
	podsUp chan struct{}

	mu sync.Mutex // guards the fields below
	// logs are the pods' logs by name.
	logs map[string][]byte
	// t0Writes holds, for every write of a t0 into a ConfigMap, how many
	// pods were Ready then.
	t0Writes []int
	// t0Patches counts patches of ConfigMaps (the launcher updates).
	t0Patches int
}

// newFakeCluster returns a cluster holding objects whose agents run agent;
// start starts its controller.
func newFakeCluster(ns string, agent fakeAgent, objects ...runtime.Object) *fakeCluster {
	f := &fakeCluster{client: fake.NewClientset(objects...), ns: ns, agent: agent, failBeforeT0: -1,
		podsUp: make(chan struct{}), logs: map[string][]byte{}}
	f.client.PrependReactor("update", "configmaps", f.countT0Write)
	f.client.PrependReactor("patch", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		f.mu.Lock()
		f.t0Patches++
		f.mu.Unlock()
		return false, nil, nil
	})
	return f
}

// start runs the controller until the test ends.
func (f *fakeCluster) start(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := f.serve(ctx); err != nil && ctx.Err() == nil {
			t.Errorf("fake cluster: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// countT0Write records a ConfigMap update that writes a t0, with the
// number of Ready pods at that moment. Reactors run under the fake's
// lock, so it reads the pods from the tracker, which has its own.
func (f *fakeCluster) countT0Write(a k8stesting.Action) (bool, runtime.Object, error) {
	cm, ok := a.(k8stesting.UpdateAction).GetObject().(*corev1.ConfigMap)
	if !ok || cm.Data[launch.T0Key] == "" {
		return false, nil, nil
	}
	obj, err := f.client.Tracker().List(corev1.SchemeGroupVersion.WithResource("pods"), corev1.SchemeGroupVersion.WithKind("Pod"), f.ns)
	if err != nil {
		return true, nil, err
	}
	ready := 0
	for _, p := range obj.(*corev1.PodList).Items {
		if fakePodReady(&p) {
			ready++
		}
	}
	f.mu.Lock()
	f.t0Writes = append(f.t0Writes, ready)
	f.mu.Unlock()
	return false, nil, nil
}

// fakePodReady reports whether a pod's Ready condition holds.
func fakePodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// Read serves a pod's log (PodLogs).
func (f *fakeCluster) Read(_ context.Context, namespace, pod string) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	log, ok := f.logs[pod]
	if !ok || namespace != f.ns {
		return nil, apierrors.NewNotFound(corev1.Resource("pods/log"), pod)
	}
	return io.NopCloser(bytes.NewReader(log)), nil
}

// writes returns the recorded t0 writes and patches.
func (f *fakeCluster) writes() ([]int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.t0Writes...), f.t0Patches
}

// serve plays the controller and the kubelets for one Job.
func (f *fakeCluster) serve(ctx context.Context) error {
	job, err := f.awaitJob(ctx)
	if err != nil {
		return err
	}
	pods, err := f.createPods(ctx, job)
	if err != nil {
		return err
	}
	close(f.podsUp)
	if f.neverReady {
		<-ctx.Done()
		return nil
	}
	for i, p := range pods {
		if i == f.failBeforeT0 {
			return f.failPod(ctx, p, i, len(pods), fmt.Errorf("the target does not answer"))
		}
		if err := f.setPod(ctx, p, corev1.PodRunning, true); err != nil {
			return err
		}
		time.Sleep(2 * time.Millisecond) // one by one
	}
	t0, err := f.awaitT0(ctx, job.Name)
	if err != nil {
		return err
	}
	return f.finish(ctx, job, pods, f.runAgents(ctx, pods, t0))
}

// poll calls cond every few milliseconds until it says done or fails.
func (f *fakeCluster) poll(ctx context.Context, cond func() (bool, error)) error {
	for {
		if done, err := cond(); done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(3 * time.Millisecond):
		}
	}
}

// awaitJob waits for a Job of a launcher's run (its pods carry a run
// label), as the Job controller would see it.
func (f *fakeCluster) awaitJob(ctx context.Context) (*batchv1.Job, error) {
	var job *batchv1.Job
	err := f.poll(ctx, func() (bool, error) {
		jobs, err := f.client.BatchV1().Jobs(f.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for i := range jobs.Items {
			if jobs.Items[i].Spec.Template.Labels[k8sRunLabel] != "" {
				job = &jobs.Items[i]
				return true, nil
			}
		}
		return false, nil
	})
	return job, err
}

// createPods creates the Job's indexed pods, Pending.
func (f *fakeCluster) createPods(ctx context.Context, job *batchv1.Job) ([]*corev1.Pod, error) {
	var pods []*corev1.Pod
	for i := range int(*job.Spec.Completions) {
		idx := strconv.Itoa(i)
		labels := map[string]string{batchv1.JobNameLabel: job.Name, batchv1.JobCompletionIndexAnnotation: idx}
		for k, v := range job.Spec.Template.Labels {
			labels[k] = v
		}
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: fmt.Sprintf("%s-%d-x%d", job.Name, i, i),
			Labels: labels, Annotations: map[string]string{batchv1.JobCompletionIndexAnnotation: idx}},
			Spec: job.Spec.Template.Spec, Status: corev1.PodStatus{Phase: corev1.PodPending}}
		p, err := f.client.CoreV1().Pods(f.ns).Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			return nil, err
		}
		if err := f.setPod(ctx, p, corev1.PodRunning, false); err != nil {
			return nil, err
		}
		pods = append(pods, p)
	}
	return pods, nil
}

// setPod sets a pod's phase and readiness, and its container's state.
func (f *fakeCluster) setPod(ctx context.Context, p *corev1.Pod, phase corev1.PodPhase, ready bool) error {
	cur, err := f.client.CoreV1().Pods(f.ns).Get(ctx, p.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	cur.Status.Phase = phase
	cur.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: status, LastTransitionTime: metav1.Now()}}
	state := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	switch {
	case phase == corev1.PodSucceeded:
		state = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed"}}
	case phase == corev1.PodFailed:
		state = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}
	}
	cur.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: k8sContainer, Ready: ready, State: state}}
	_, err = f.client.CoreV1().Pods(f.ns).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
	return err
}

// awaitT0 waits until the ConfigMap holds a t0, as the agents do.
func (f *fakeCluster) awaitT0(ctx context.Context, name string) (time.Time, error) {
	var t0 time.Time
	err := f.poll(ctx, func() (bool, error) {
		cm, err := f.client.CoreV1().ConfigMaps(f.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil || cm.Data[launch.T0Key] == "" {
			return false, err
		}
		t0, err = launch.ParseT0(cm.Data[launch.T0Key])
		return true, err
	})
	return t0, err
}

// runAgents runs every pod's agent at once and keeps their logs; it
// returns the agents that failed.
func (f *fakeCluster) runAgents(ctx context.Context, pods []*corev1.Pod, t0 time.Time) map[int]error {
	errs := make([]error, len(pods))
	var wg sync.WaitGroup
	for i, p := range pods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			log, err := f.agent(ctx, i, len(pods), t0)
			errs[i] = err
			f.mu.Lock()
			f.logs[p.Name] = log
			f.mu.Unlock()
		}()
	}
	wg.Wait()
	failed := map[int]error{}
	for i, err := range errs {
		if err != nil {
			failed[i] = err
		}
	}
	return failed
}

// finish ends the pods and the Job: Complete when no agent failed,
// else Failed, as backoffLimit 0 makes it.
func (f *fakeCluster) finish(ctx context.Context, job *batchv1.Job, pods []*corev1.Pod, failed map[int]error) error {
	for i, p := range pods {
		var err error
		if agentErr, ok := failed[i]; ok {
			err = f.failPod(ctx, p, i, len(pods), agentErr)
		} else {
			err = f.setPod(ctx, p, corev1.PodSucceeded, false)
		}
		if err != nil {
			return err
		}
	}
	cond := batchv1.JobCondition{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}
	if len(failed) > 0 {
		cond = batchv1.JobCondition{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"}
	}
	cur, err := f.client.BatchV1().Jobs(f.ns).Get(ctx, job.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	cur.Status.Conditions = append(cur.Status.Conditions, cond)
	_, err = f.client.BatchV1().Jobs(f.ns).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
	return err
}

// failPod ends a pod as its agent would fail: its error last in its log,
// exit code 1.
func (f *fakeCluster) failPod(ctx context.Context, p *corev1.Pod, i, n int, agentErr error) error {
	f.mu.Lock()
	f.logs[p.Name] = append(f.logs[p.Name], fmt.Sprintf("latbench: agent %d of %d: %v\n", i, n, agentErr)...)
	f.mu.Unlock()
	return f.setPod(ctx, p, corev1.PodFailed, false)
}

// k8sConfigMap returns a ConfigMap with data.
func k8sConfigMap(ns, name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: data}
}
