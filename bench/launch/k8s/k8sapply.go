package k8s

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// k8sGoneTimeout bounds the wait for a finished Job of an earlier run to
// be gone before the new one is created.
const k8sGoneTimeout = time.Minute

// k8sWriter is the part of a typed client (ConfigMaps, Roles, ...) that
// creates and replaces objects.
type k8sWriter[T metav1.Object] interface {
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
}

// k8sUpsert creates obj, or replaces the object of its name.
func k8sUpsert[T metav1.Object](ctx context.Context, c k8sWriter[T], obj T) error {
	_, err := c.Create(ctx, obj, metav1.CreateOptions{FieldManager: k8sFieldManager})
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	cur, err := c.Get(ctx, obj.GetName(), metav1.GetOptions{})
	if err != nil {
		return err
	}
	obj.SetResourceVersion(cur.GetResourceVersion())
	_, err = c.Update(ctx, obj, metav1.UpdateOptions{FieldManager: k8sFieldManager})
	return err
}

// apply creates the run's objects. A finished Job of an earlier run is
// deleted first, and a running one refused before anything changes. The
// ConfigMap is replaced whole, which drops the t0 of an earlier run
// before any agent can read it; an existing ServiceAccount is kept as it
// is (it may carry imagePullSecrets).
func (r *k8sRun) apply(ctx context.Context) error {
	cli, o := r.k.Client, r.objs
	steps := []struct {
		what string
		do   func() error
	}{
		{"Job", func() error { return r.clearOldJob(ctx) }}, // first: a running one's objects stay as they are
		{"ConfigMap", func() error { return k8sUpsert(ctx, cli.CoreV1().ConfigMaps(r.ns), o.ConfigMap) }},
		{"ServiceAccount", func() error { return r.createServiceAccount(ctx) }},
		{"Role", func() error { return k8sUpsert(ctx, cli.RbacV1().Roles(r.ns), o.Role) }},
		{"RoleBinding", func() error { return k8sUpsert(ctx, cli.RbacV1().RoleBindings(r.ns), o.RoleBinding) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("kubernetes: the %s %s/%s: %w", s.what, r.ns, r.name, err)
		}
	}
	return nil
}

// createJob creates the Indexed Job, which starts the agents.
func (r *k8sRun) createJob(ctx context.Context) error {
	_, err := r.k.Client.BatchV1().Jobs(r.ns).Create(ctx, r.objs.Job, metav1.CreateOptions{FieldManager: k8sFieldManager})
	if err != nil {
		return fmt.Errorf("kubernetes: the Job %s/%s: %w", r.ns, r.name, err)
	}
	r.logf("applied a ConfigMap, ServiceAccount, Role, RoleBinding and an Indexed Job of %d agents (image %s)", r.n, r.k.Image)
	return nil
}

// createServiceAccount creates the agents' ServiceAccount unless it
// exists.
func (r *k8sRun) createServiceAccount(ctx context.Context) error {
	_, err := r.k.Client.CoreV1().ServiceAccounts(r.ns).Create(ctx, r.objs.ServiceAccount, metav1.CreateOptions{FieldManager: k8sFieldManager})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// clearOldJob deletes the finished Job of an earlier run of the same name
// and waits until it is gone; a Job still running is someone else's run,
// or one whose launcher died: it says so rather than stop it.
func (r *k8sRun) clearOldJob(ctx context.Context) error {
	jobs := r.k.Client.BatchV1().Jobs(r.ns)
	old, err := jobs.Get(ctx, r.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return err
	case !k8sJobFinished(old):
		return fmt.Errorf("a Job of that name is still running (another run, or one whose launcher stopped): "+
			"wait for it, or delete it with kubectl -n %s delete job %s, or give another name", r.ns, r.name)
	}
	err = jobs.Delete(ctx, r.name, metav1.DeleteOptions{PropagationPolicy: new(metav1.DeletePropagationBackground)})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting the finished Job of an earlier run: %w", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, k8sGoneTimeout, true, func(ctx context.Context) (bool, error) {
		_, err := jobs.Get(ctx, r.name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
	if err != nil {
		return fmt.Errorf("waiting for the finished Job of an earlier run to be gone: %w", err)
	}
	r.logf("deleted the finished Job of an earlier run")
	return nil
}

// k8sJobFinished reports whether a Job has completed or failed.
func k8sJobFinished(job *batchv1.Job) bool {
	return k8sJobCondition(job, batchv1.JobComplete) || k8sJobCondition(job, batchv1.JobFailed)
}

// k8sJobCondition reports whether a Job's condition holds.
func k8sJobCondition(job *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range job.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
