package launch

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// k8sRewatchPause is how long a watch that the API server ended waits
// before it starts again.
const k8sRewatchPause = time.Second

// ParseT0 reads a start time: RFC 3339 (2026-12-01T12:00:00.5Z) or Unix
// nanoseconds.
func ParseT0(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if ns, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ns <= 0 {
			return time.Time{}, fmt.Errorf("T0 %q: Unix nanoseconds must be positive", s)
		}
		return time.Unix(0, ns), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("T0 %q: want RFC 3339 (2026-12-01T12:00:00.5Z) or Unix nanoseconds", s)
	}
	if t.Before(time.Unix(0, 1)) || t.After(time.Unix(0, math.MaxInt64)) {
		return time.Time{}, fmt.Errorf("T0 %q: a start time lies between 1970 and 2262 (Unix nanoseconds)", s)
	}
	return t, nil
}

// FormatT0 writes a start time as WatchT0 reads it: RFC 3339 in UTC,
// to the nanosecond.
func FormatT0(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// WatchT0 waits until the ConfigMap namespace/name holds a start time
// under the key t0 and returns it. It watches only that ConfigMap (a
// field selector on its name, which a Role limited to it by resourceNames
// allows), so an agent reads T0 within milliseconds of its writing. A
// value that is no time is an error naming the key, and so is the
// ConfigMap's deletion; otherwise it waits until ctx ends.
func WatchT0(ctx context.Context, client kubernetes.Interface, namespace, name string) (time.Time, error) {
	var t0 time.Time
	opts := metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String()}
	start := func(ctx context.Context) (watch.Interface, error) {
		return client.CoreV1().ConfigMaps(namespace).Watch(ctx, opts)
	}
	err := k8sWatchUntil(ctx, start, nil, func(ev watch.Event) (bool, error) {
		cm, ok := ev.Object.(*corev1.ConfigMap)
		if !ok || cm.Name != name {
			return false, nil
		}
		if ev.Type == watch.Deleted {
			return false, fmt.Errorf("the ConfigMap %s/%s was deleted while the agent waited for T0", namespace, name)
		}
		v, set := cm.Data[K8sT0Key]
		if !set || strings.TrimSpace(v) == "" {
			return false, nil
		}
		var err error
		if t0, err = ParseT0(v); err != nil {
			return false, fmt.Errorf("the ConfigMap %s/%s, key %s: %w", namespace, name, K8sT0Key, err)
		}
		return true, nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("waiting for T0 in the ConfigMap %s/%s: %w", namespace, name, err)
	}
	return t0, nil
}

// k8sWatchUntil watches until cond, called with every event, says done
// or fails. A watch started without a resource version first delivers
// the objects as they are (Added), then their changes; when the API
// server ends a watch (it does every few minutes), reset (if any) forgets
// what the last one delivered and a new watch starts. A watch that cannot
// start for a passing reason (the API server restarting, overloaded) is
// tried again; for any other reason (forbidden, say) it fails.
func k8sWatchUntil(ctx context.Context, start func(context.Context) (watch.Interface, error), reset func(), cond func(watch.Event) (bool, error)) error {
	for {
		if reset != nil {
			reset()
		}
		w, err := start(ctx)
		switch {
		case err != nil && !k8sPassing(err):
			return err
		case err == nil:
			done, err := k8sDrain(ctx, w, cond)
			if done || err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(k8sRewatchPause):
		}
	}
}

// k8sDrain reads a watch's events until cond says done or fails, the
// watch ends (false, nil) or ctx ends.
func k8sDrain(ctx context.Context, w watch.Interface, cond func(watch.Event) (bool, error)) (bool, error) {
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case ev, ok := <-w.ResultChan():
			if !ok || ev.Type == watch.Error {
				return false, nil // expired or broken: watch again
			}
			if done, err := cond(ev); done || err != nil {
				return done, err
			}
		}
	}
}

// k8sPassing reports whether an API error is likely to pass: the server
// or the connection to it is briefly unavailable.
func k8sPassing(err error) bool {
	return apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) ||
		utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err)
}
