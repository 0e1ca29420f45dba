package launch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// T0Key is the key of the launcher's ConfigMap that holds T0.
const T0Key = "t0"

// The service account files of a Kubernetes pod.
const (
	saTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
	saCAFile    = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
)

// rewatchPause is how long the watcher waits before it looks again after
// the API server ended a watch or could not be reached.
const rewatchPause = time.Second

// ConfigMapT0 waits for T0 in a ConfigMap, from inside a pod of the
// cluster, through the API server's REST API with the pod's own
// credentials. It needs no Kubernetes client library, so the agent that
// runs it stays small: the one thing an agent asks of the cluster is one
// key of one ConfigMap, which a Role may grant by name (get, list and
// watch on resourceNames: [Name]).
type ConfigMapT0 struct {
	// API is the API server's base URL, e.g. https://10.96.0.1:443.
	API string
	// Token is the bearer token of the pod's service account.
	Token string
	// Client carries the requests (it trusts the cluster's CA).
	Client *http.Client
	// Namespace and Name name the ConfigMap.
	Namespace, Name string
}

// InClusterT0 returns a ConfigMapT0 for the ConfigMap namespace/name with
// the credentials of the pod it runs in.
func InClusterT0(namespace, name string) (*ConfigMapT0, error) {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return nil, errors.New("not in a Kubernetes pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set")
	}
	token, err := os.ReadFile(saTokenFile)
	if err != nil {
		return nil, fmt.Errorf("the pod's service account token: %w", err)
	}
	ca, err := os.ReadFile(saCAFile)
	if err != nil {
		return nil, fmt.Errorf("the cluster's CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("the cluster's CA %s holds no certificate", saCAFile)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	return &ConfigMapT0{API: "https://" + net.JoinHostPort(host, port), Token: strings.TrimSpace(string(token)),
		Client: client, Namespace: namespace, Name: name}, nil
}

// configMap is the part of a ConfigMap the watcher reads.
type configMap struct {
	Metadata struct {
		Name            string `json:"name"`
		ResourceVersion string `json:"resourceVersion"`
	} `json:"metadata"`
	Data map[string]string `json:"data"`
}

// watchEvent is one event of a watch.
type watchEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// Wait returns T0 once the ConfigMap holds it under T0Key. It reads the
// ConfigMap, then watches that one ConfigMap from the version it read,
// so T0 arrives within milliseconds of its writing; when the API server
// ends the watch (it does every few minutes) or cannot be reached, it
// reads and watches again. A value that is no time is an error, and so
// are the ConfigMap's deletion and a refusal (no right to read it);
// otherwise it waits until ctx ends.
func (w *ConfigMapT0) Wait(ctx context.Context) (time.Time, error) {
	for {
		t0, done, err := w.look(ctx)
		if done || err != nil {
			if err != nil {
				err = fmt.Errorf("waiting for T0 in the ConfigMap %s/%s: %w", w.Namespace, w.Name, err)
			}
			return t0, err
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(rewatchPause):
		}
	}
}

// look reads the ConfigMap and watches it until T0 comes (done), a
// failure that waiting will not mend (err), or the watch ends (neither).
func (w *ConfigMapT0) look(ctx context.Context) (t0 time.Time, done bool, err error) {
	var cm configMap
	status, err := w.getJSON(ctx, w.path("/"+url.PathEscape(w.Name)), &cm)
	switch {
	case err != nil:
		return time.Time{}, false, nil // unreachable for now
	case status == http.StatusNotFound:
		return time.Time{}, false, errors.New("no such ConfigMap")
	case status != http.StatusOK:
		return time.Time{}, false, passing(status)
	}
	if t0, ok, err := t0Of(&cm); ok || err != nil {
		return t0, ok, err
	}
	return w.watch(ctx, cm.Metadata.ResourceVersion)
}

// watch follows the ConfigMap's changes from version rv on.
func (w *ConfigMapT0) watch(ctx context.Context, rv string) (time.Time, bool, error) {
	q := url.Values{"watch": {"1"}, "fieldSelector": {"metadata.name=" + w.Name}, "resourceVersion": {rv}}
	resp, err := w.do(ctx, w.path("")+"?"+q.Encode())
	if err != nil {
		return time.Time{}, false, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return time.Time{}, false, passing(resp.StatusCode)
	}
	dec := json.NewDecoder(resp.Body)
	for {
		var ev watchEvent
		if err := dec.Decode(&ev); err != nil {
			return time.Time{}, false, nil // the server ended the watch: look again
		}
		var cm configMap
		if ev.Type == "ERROR" || json.Unmarshal(ev.Object, &cm) != nil || cm.Metadata.Name != w.Name {
			return time.Time{}, false, nil // expired: look again
		}
		if ev.Type == "DELETED" {
			return time.Time{}, false, errors.New("the ConfigMap was deleted while the agent waited for T0")
		}
		if t0, ok, err := t0Of(&cm); ok || err != nil {
			return t0, ok, err
		}
	}
}

// t0Of returns the ConfigMap's T0, if it holds one.
func t0Of(cm *configMap) (time.Time, bool, error) {
	v := strings.TrimSpace(cm.Data[T0Key])
	if v == "" {
		return time.Time{}, false, nil
	}
	t0, err := ParseT0(v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("key %s: %w", T0Key, err)
	}
	return t0, true, nil
}

// passing returns nil for an HTTP status that is likely to pass (the
// server overloaded or restarting: look again), else an error.
func passing(status int) error {
	if status == http.StatusTooManyRequests || status >= 500 {
		return nil
	}
	return fmt.Errorf("the API server answered %d %s: the agent's Role must let it get, list and watch the ConfigMap",
		status, http.StatusText(status))
}

// path returns the URL of the namespace's ConfigMaps, plus rest.
func (w *ConfigMapT0) path(rest string) string {
	return strings.TrimSuffix(w.API, "/") + "/api/v1/namespaces/" + url.PathEscape(w.Namespace) + "/configmaps" + rest
}

// do sends an authorised GET.
func (w *ConfigMapT0) do(ctx context.Context, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+w.Token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "latbench-agent")
	return w.Client.Do(req)
}

// getJSON GETs u into v and returns the status.
func (w *ConfigMapT0) getJSON(ctx context.Context, u string, v any) (int, error) {
	resp, err := w.do(ctx, u)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	return resp.StatusCode, json.NewDecoder(resp.Body).Decode(v)
}
