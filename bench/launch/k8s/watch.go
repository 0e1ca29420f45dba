package k8s

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/watch"
)

// k8sRewatchPause is how long a watch that the API server ended waits
// before it starts again.
const k8sRewatchPause = time.Second

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
