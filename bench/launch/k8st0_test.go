package launch

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestParseT0(t *testing.T) {
	cases := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "2026-12-01T12:00:00Z", want: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)},
		{in: "2026-12-01T12:00:00.123456789Z", want: time.Date(2026, 12, 1, 12, 0, 0, 123456789, time.UTC)},
		{in: "2026-12-01T13:00:00.5+01:00", want: time.Date(2026, 12, 1, 12, 0, 0, 5e8, time.UTC)},
		{in: " 1796126400000000000\n", want: time.Unix(0, 1796126400000000000)},
		{in: "", wantErr: true},
		{in: "0", wantErr: true},
		{in: "-5", wantErr: true},
		{in: "tomorrow", wantErr: true},
		{in: "2026-12-01 12:00:00", wantErr: true},
		{in: "0000-01-01T00:00:00+01:00", wantErr: true},
		{in: "1969-12-31T23:59:59Z", wantErr: true},
		{in: "2263-01-01T00:00:00Z", wantErr: true},
	}
	for _, tc := range cases {
		got, err := ParseT0(tc.in)
		if (err != nil) != tc.wantErr || (err == nil && !got.Equal(tc.want)) {
			t.Errorf("ParseT0(%q) = %v, %v; want %v (error: %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func FuzzParseT0(f *testing.F) {
	for _, s := range []string{"2026-12-01T12:00:00.5Z", "1796126400000000000", "", "1e9", "2026-13-01T00:00:00Z", "0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-23:59"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		t0, err := ParseT0(s)
		if err != nil {
			return
		}
		back, err := ParseT0(FormatT0(t0))
		if err != nil || !back.Equal(t0) {
			t.Fatalf("ParseT0(%q) = %v, which FormatT0 writes as %q and ParseT0 reads as %v, %v", s, t0, FormatT0(t0), back, err)
		}
	})
}

// k8sConfigMap returns a ConfigMap with data.
func k8sConfigMap(ns, name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: data}
}

// waitForWatch waits until the fake client has started n watches.
func waitForWatch(t *testing.T, client *fake.Clientset, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		count := 0
		for _, a := range client.Actions() {
			if a.GetVerb() == "watch" {
				count++
			}
		}
		if count >= n {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("no %d watches after 10 s", n)
}

func TestWatchT0(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 250e6, time.UTC)
	cases := []struct {
		name    string
		initial map[string]string
		// then changes the cluster once the watch runs.
		then    func(ctx context.Context, c *fake.Clientset) error
		want    time.Time
		wantErr string
	}{
		{name: "t0 set later", initial: map[string]string{K8sCellKey: "x"},
			then: setT0("bench", "lb", FormatT0(t0)), want: t0},
		{name: "t0 in Unix nanoseconds", initial: map[string]string{},
			then: setT0("bench", "lb", "1796126400250000000"), want: time.Unix(0, 1796126400250000000)},
		{name: "t0 already there", initial: map[string]string{K8sT0Key: FormatT0(t0)}, want: t0},
		{name: "another ConfigMap's t0 is not ours", initial: map[string]string{},
			then: func(ctx context.Context, c *fake.Clientset) error {
				if _, err := c.CoreV1().ConfigMaps("bench").Create(ctx, k8sConfigMap("bench", "other", map[string]string{K8sT0Key: "1"}), metav1.CreateOptions{}); err != nil {
					return err
				}
				return setT0("bench", "lb", FormatT0(t0))(ctx, c)
			}, want: t0},
		{name: "malformed t0", initial: map[string]string{},
			then: setT0("bench", "lb", "next tuesday"), wantErr: "key t0"},
		{name: "ConfigMap deleted", initial: map[string]string{},
			then: func(ctx context.Context, c *fake.Clientset) error {
				return c.CoreV1().ConfigMaps("bench").Delete(ctx, "lb", metav1.DeleteOptions{})
			}, wantErr: "deleted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			client := fake.NewClientset(k8sConfigMap("bench", "lb", tc.initial))
			done := make(chan error, 1)
			go func() {
				if tc.then == nil {
					done <- nil
					return
				}
				waitForWatch(t, client, 1)
				done <- tc.then(ctx, client)
			}()
			got, err := WatchT0(ctx, client, "bench", "lb")
			if thenErr := <-done; thenErr != nil {
				t.Fatal(thenErr)
			}
			checkT0Result(t, got, err, tc.want, tc.wantErr)
			checkWatchSelector(t, client, "lb")
		})
	}
}

// setT0 returns a change that writes value under t0.
func setT0(ns, name, value string) func(context.Context, *fake.Clientset) error {
	return func(ctx context.Context, c *fake.Clientset) error {
		cm, err := c.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if cm.Data == nil {
			cm.Data = map[string]string{}
		}
		cm.Data[K8sT0Key] = value
		_, err = c.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{})
		return err
	}
}

// checkT0Result checks WatchT0's answer.
func checkT0Result(t *testing.T, got time.Time, err error, want time.Time, wantErr string) {
	t.Helper()
	switch {
	case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
		t.Fatalf("error %v, want one containing %q", err, wantErr)
	case wantErr == "" && err != nil:
		t.Fatal(err)
	case wantErr == "" && !got.Equal(want):
		t.Fatalf("T0 %v, want %v", got, want)
	}
}

// checkWatchSelector checks that every watch selected the ConfigMap by
// name, as a Role limited by resourceNames requires.
func checkWatchSelector(t *testing.T, client *fake.Clientset, name string) {
	t.Helper()
	watches := 0
	for _, a := range client.Actions() {
		if w, ok := a.(k8stesting.WatchActionImpl); ok {
			watches++
			if got := w.GetWatchRestrictions().Fields.String(); got != "metadata.name="+name {
				t.Errorf("the watch selected %q, want metadata.name=%s", got, name)
			}
		}
	}
	if watches == 0 {
		t.Error("no watch")
	}
}

func TestWatchT0WatchesAgainWhenTheServerEndsIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := fake.NewClientset(k8sConfigMap("bench", "lb", nil))
	first := watch.NewRaceFreeFake()
	used := false
	client.PrependWatchReactor("configmaps", func(k8stesting.Action) (bool, watch.Interface, error) {
		if used {
			return false, nil, nil // the tracker's own watch from now on
		}
		used = true
		return true, first, nil
	})
	done := make(chan error, 1)
	go func() {
		waitForWatch(t, client, 1)
		first.Stop() // the server ends the watch
		waitForWatch(t, client, 2)
		done <- setT0("bench", "lb", "1796126400000000000")(ctx, client)
	}()
	got, err := WatchT0(ctx, client, "bench", "lb")
	if thenErr := <-done; thenErr != nil {
		t.Fatal(thenErr)
	}
	checkT0Result(t, got, err, time.Unix(0, 1796126400000000000), "")
}

func TestWatchT0EndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	client := fake.NewClientset(k8sConfigMap("bench", "lb", nil))
	_, err := WatchT0(ctx, client, "bench", "lb")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "bench/lb") {
		t.Fatalf("error %v, want the context's, naming the ConfigMap", err)
	}
}

func TestWatchT0WhenTheWatchCannotStart(t *testing.T) {
	cases := []struct {
		name    string
		err     error
		wantErr string
	}{
		{name: "the API server is briefly unavailable", err: apierrors.NewServiceUnavailable("restarting")},
		{name: "the agent may not watch", err: apierrors.NewForbidden(corev1.Resource("configmaps"), "lb", errors.New("no RBAC")), wantErr: "forbidden"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			client := fake.NewClientset(k8sConfigMap("bench", "lb", map[string]string{K8sT0Key: "1796126400000000000"}))
			failed := false
			client.PrependWatchReactor("configmaps", func(k8stesting.Action) (bool, watch.Interface, error) {
				if failed {
					return false, nil, nil
				}
				failed = true
				return true, nil, tc.err
			})
			got, err := WatchT0(ctx, client, "bench", "lb")
			checkT0Result(t, got, err, time.Unix(0, 1796126400000000000), tc.wantErr)
		})
	}
}
