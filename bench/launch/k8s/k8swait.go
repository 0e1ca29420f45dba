package k8s

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/latbench/latbench/bench"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/watch"
)

// k8sLogTailBytes bounds how much of a failed agent's log is read to
// show its last lines.
const k8sLogTailBytes = 1 << 20

// podSelector selects the pods of this run.
func (r *k8sRun) podSelector() metav1.ListOptions {
	return metav1.ListOptions{LabelSelector: labels.SelectorFromSet(labels.Set{k8sRunLabel: r.runID}).String()}
}

// podIndex returns a pod's completion index, if it is one of this run's
// agents.
func (r *k8sRun) podIndex(p *corev1.Pod) (int, bool) {
	if p.Labels[k8sRunLabel] != r.runID {
		return 0, false
	}
	v, ok := p.Labels[batchv1.JobCompletionIndexAnnotation]
	if !ok {
		v = p.Annotations[batchv1.JobCompletionIndexAnnotation]
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 || i >= r.n {
		return 0, false
	}
	return i, true
}

// waitReady waits until the n agents' pods are Ready, within the ready
// timeout, and returns the time the last one became Ready (the cluster's
// clock, whole seconds). A pod that fails first fails the run.
func (r *k8sRun) waitReady(ctx context.Context) (time.Time, error) {
	wctx, cancel := context.WithTimeout(ctx, r.readyTimeout)
	defer cancel()
	pods := map[string]*corev1.Pod{}
	var last time.Time
	start := func(ctx context.Context) (watch.Interface, error) {
		return r.k.Client.CoreV1().Pods(r.ns).Watch(ctx, r.podSelector())
	}
	err := k8sWatchUntil(wctx, start, func() { clear(pods) }, func(ev watch.Event) (bool, error) {
		pod, ok := ev.Object.(*corev1.Pod)
		if !ok {
			return false, nil
		}
		if _, mine := r.podIndex(pod); !mine {
			return false, nil
		}
		if ev.Type == watch.Deleted {
			delete(pods, pod.Name)
			return false, nil
		}
		pods[pod.Name] = pod
		if pod.Status.Phase == corev1.PodFailed {
			return false, r.podFailure(ctx, pod, "before T0")
		}
		ready, lastReady := r.readyIndexes(pods)
		last = lastReady
		return len(ready) == r.n, nil
	})
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		ready, _ := r.readyIndexes(pods)
		return last, fmt.Errorf("kubernetes: after %v, %d of %d agents are ready; %s", r.readyTimeout, len(ready), r.n, r.describeNotReady(pods, ready))
	case err != nil:
		return last, fmt.Errorf("kubernetes: waiting for the agents to be ready: %w", err)
	}
	return last, nil
}

// readyIndexes returns the indexes whose pod is Ready, and the latest time
// one of them became Ready.
func (r *k8sRun) readyIndexes(pods map[string]*corev1.Pod) (map[int]time.Time, time.Time) {
	ready := map[int]time.Time{}
	var last time.Time
	for _, p := range pods {
		i, ok := r.podIndex(p)
		if !ok || p.DeletionTimestamp != nil {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				ready[i] = c.LastTransitionTime.Time
				if c.LastTransitionTime.After(last) {
					last = c.LastTransitionTime.Time
				}
			}
		}
	}
	return ready, last
}

// describeNotReady says what the first agents that are not ready are
// doing.
func (r *k8sRun) describeNotReady(pods map[string]*corev1.Pod, ready map[int]time.Time) string {
	byIndex := map[int]*corev1.Pod{}
	for _, p := range pods {
		if i, ok := r.podIndex(p); ok {
			byIndex[i] = p
		}
	}
	var parts []string
	for i := range r.n {
		if _, ok := ready[i]; ok {
			continue
		}
		if len(parts) == 5 {
			parts = append(parts, "...")
			break
		}
		p, ok := byIndex[i]
		if !ok {
			parts = append(parts, fmt.Sprintf("agent %d: no pod (see kubectl -n %s describe job %s)", i, r.ns, r.name))
			continue
		}
		parts = append(parts, fmt.Sprintf("agent %d (pod %s): %s", i, p.Name, k8sPodState(p)))
	}
	return "not ready: " + strings.Join(parts, "; ")
}

// k8sPodState describes a pod's phase and its container's state.
func k8sPodState(p *corev1.Pod) string {
	state := string(p.Status.Phase)
	for _, cs := range p.Status.ContainerStatuses {
		switch {
		case cs.State.Waiting != nil:
			state += ", " + strings.TrimSuffix(cs.State.Waiting.Reason+": "+cs.State.Waiting.Message, ": ")
		case cs.State.Terminated != nil:
			t := cs.State.Terminated
			state += fmt.Sprintf(", exited with code %d %s", t.ExitCode, strings.TrimSpace(t.Reason+" "+t.Message))
		case cs.State.Running != nil:
			state += ", running, not yet ready (probing the target)"
		}
	}
	return state
}

// waitDone waits until the Job completes: by T0 plus the agents' window
// and a grace, or it has failed.
func (r *k8sRun) waitDone(ctx context.Context, t0 time.Time) error {
	budget := time.Until(t0) + r.window() + k8sDoneGrace
	wctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	opts := metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", r.name).String()}
	start := func(ctx context.Context) (watch.Interface, error) {
		return r.k.Client.BatchV1().Jobs(r.ns).Watch(ctx, opts)
	}
	err := k8sWatchUntil(wctx, start, nil, func(ev watch.Event) (bool, error) {
		job, ok := ev.Object.(*batchv1.Job)
		switch {
		case !ok || job.Name != r.name:
			return false, nil
		case ev.Type == watch.Deleted:
			return false, errors.New("the Job was deleted while the agents ran")
		case k8sJobCondition(job, batchv1.JobFailed):
			return false, r.jobFailure(ctx, job)
		}
		return k8sJobCondition(job, batchv1.JobComplete), nil
	})
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return fmt.Errorf("kubernetes: the agents did not finish within %v of T0 (their window is %v)", budget.Round(time.Second), r.window())
	case err != nil:
		return fmt.Errorf("kubernetes: waiting for the agents to finish: %w", err)
	}
	r.logf("the Job completed")
	return nil
}

// jobFailure explains a failed Job by its failed pods.
func (r *k8sRun) jobFailure(ctx context.Context, job *batchv1.Job) error {
	why := "failed"
	for _, c := range job.Status.Conditions {
		if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
			why = strings.TrimSuffix(fmt.Sprintf("failed (%s: %s)", c.Reason, c.Message), " (: )")
		}
	}
	pods, err := r.k.Client.CoreV1().Pods(r.ns).List(ctx, r.podSelector())
	if err != nil {
		return fmt.Errorf("the Job %s; its pods: %w", why, err)
	}
	var errs []error
	for i := range pods.Items {
		if p := &pods.Items[i]; p.Status.Phase == corev1.PodFailed && len(errs) < 3 {
			errs = append(errs, r.podFailure(ctx, p, "while it ran"))
		}
	}
	return fmt.Errorf("the Job %s: %w", why, errors.Join(errs...))
}

// podFailure describes a failed agent by its state and its log's last
// lines.
func (r *k8sRun) podFailure(ctx context.Context, p *corev1.Pod, when string) error {
	i, _ := r.podIndex(p)
	return fmt.Errorf("agent %d (pod %s) failed %s: %s; its log ends: %s", i, p.Name, when, k8sPodState(p), r.logTail(ctx, p.Name, 3))
}

// logTail returns the last k lines of a pod's log, or why it cannot.
func (r *k8sRun) logTail(ctx context.Context, pod string, k int) string {
	rc, err := r.k.Logs.Read(ctx, r.ns, pod)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	defer rc.Close()
	log, _ := io.ReadAll(io.LimitReader(rc, k8sLogTailBytes)) // what was read before an error still tells
	return bench.LogTail(string(log), k, " | ", "(empty)")
}
