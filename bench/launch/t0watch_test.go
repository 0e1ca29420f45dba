package launch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI is an API server with one ConfigMap: GET returns it, a watch
// streams the events pushed to it (one slice per watch; a watch whose
// slice is done ends, as the API server ends watches).
type fakeAPI struct {
	mu      sync.Mutex
	data    map[string]string // nil: the ConfigMap does not exist
	status  []int             // statuses to answer GETs with first, in order
	watches [][]string        // event types and t0s per watch: "MODIFIED=<t0>", "DELETED"
	seen    []string          // requests, for the test's checks
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.Method+" "+r.URL.String()+" "+r.Header.Get("Authorization"))
	if len(f.status) > 0 {
		st := f.status[0]
		f.status = f.status[1:]
		f.mu.Unlock()
		w.WriteHeader(st)
		return
	}
	if r.URL.Query().Get("watch") == "" {
		defer f.mu.Unlock()
		if f.data == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(cmJSON(f.data))
		return
	}
	var events []string
	if len(f.watches) > 0 {
		events, f.watches = f.watches[0], f.watches[1:]
	}
	f.mu.Unlock()
	if events == nil { // nothing to say: hold the watch until the client leaves
		<-r.Context().Done()
		return
	}
	for _, e := range events {
		typ, t0, _ := strings.Cut(e, "=")
		ev := map[string]any{"type": typ, "object": cmJSON(map[string]string{T0Key: t0})}
		_ = json.NewEncoder(w).Encode(ev)
		w.(http.Flusher).Flush()
	}
}

// cmJSON is the ConfigMap "latbench-c" with data.
func cmJSON(data map[string]string) map[string]any {
	return map[string]any{"metadata": map[string]any{"name": "latbench-c", "resourceVersion": "7"}, "data": data}
}

func TestConfigMapT0(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 250e6, time.UTC)
	set := "MODIFIED=" + FormatT0(t0)
	tests := []struct {
		name    string
		api     *fakeAPI
		wantErr string // "" for t0
	}{
		{name: "already set", api: &fakeAPI{data: map[string]string{T0Key: FormatT0(t0)}}},
		{name: "set while watched", api: &fakeAPI{data: map[string]string{}, watches: [][]string{{"MODIFIED=", set}}}},
		{name: "the server ends a watch", api: &fakeAPI{data: map[string]string{}, watches: [][]string{{"MODIFIED="}, {set}}}},
		{name: "the server is busy for a while", api: &fakeAPI{status: []int{503}, data: map[string]string{}, watches: [][]string{{set}}}},
		{name: "deleted", api: &fakeAPI{data: map[string]string{}, watches: [][]string{{"DELETED="}}}, wantErr: "deleted"},
		{name: "no time", api: &fakeAPI{data: map[string]string{T0Key: "soon"}}, wantErr: "key t0"},
		{name: "no such ConfigMap", api: &fakeAPI{}, wantErr: "no such ConfigMap"},
		{name: "forbidden", api: &fakeAPI{status: []int{403}}, wantErr: "403 Forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.api)
			defer srv.Close()
			w := &ConfigMapT0{API: srv.URL, Token: "tok", Client: srv.Client(), Namespace: "bench", Name: "latbench-c"}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			got, err := w.Wait(ctx)
			switch {
			case tt.wantErr == "" && (err != nil || !got.Equal(t0)):
				t.Errorf("Wait = %v, %v; want %v", got, err, t0)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Wait = %v, %v; want an error containing %q", got, err, tt.wantErr)
			}
			tt.api.mu.Lock()
			defer tt.api.mu.Unlock()
			for _, req := range tt.api.seen {
				if !strings.Contains(req, "/api/v1/namespaces/bench/configmaps") || !strings.HasSuffix(req, "Bearer tok") {
					t.Errorf("request %q: want the namespace's ConfigMaps with the pod's token", req)
				}
				if strings.Contains(req, "watch=") && !strings.Contains(req, "fieldSelector=metadata.name%3Dlatbench-c") {
					t.Errorf("watch %q is not limited to the ConfigMap", req)
				}
			}
		})
	}
}

// Without T0, the wait ends with its context.
func TestConfigMapT0EndsWithItsContext(t *testing.T) {
	api := &fakeAPI{data: map[string]string{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	w := &ConfigMapT0{API: srv.URL, Client: srv.Client(), Namespace: "bench", Name: "latbench-c"}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := w.Wait(ctx); err == nil || !strings.Contains(fmt.Sprint(err), "deadline") {
		t.Errorf("Wait = %v, want the context's deadline", err)
	}
}

// Outside a pod there is no cluster to ask.
func TestInClusterT0OutsideAPod(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	if _, err := InClusterT0("bench", "c"); err == nil || !strings.Contains(err.Error(), "not in a Kubernetes pod") {
		t.Errorf("InClusterT0 = %v, want an error saying it is not in a pod", err)
	}
}
