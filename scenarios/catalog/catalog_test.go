package catalog

import (
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name     string
		spec     Spec
		wantMode string
		wantDesc map[string]string // a subset of Describe()
		wantErr  string
	}{
		{name: "echo default", spec: Spec{Name: "echo"}, wantMode: "echo", wantDesc: map[string]string{"size": "64"}},
		{name: "http default", spec: Spec{Name: "http"}, wantMode: "http", wantDesc: map[string]string{"path": "/bytes/10000"}},
		{name: "http reconnecting", spec: Spec{Name: "http", Size: 50, ReconnectEvery: 50}, wantMode: "http",
			wantDesc: map[string]string{"path": "/bytes/50", "reconnect_every": "50"}},
		{name: "connect echo", spec: Spec{Name: "connect"}, wantMode: "echo", wantDesc: map[string]string{"protocol": "echo"}},
		{name: "connect http", spec: Spec{Name: "connect", Protocol: "http"}, wantMode: "http", wantDesc: map[string]string{"protocol": "http"}},
		{name: "typo", spec: Spec{Name: "htpp"}, wantErr: `unknown scenario "htpp" (did you mean "http"?)`},
		{name: "bad size", spec: Spec{Name: "echo", Size: -1}, wantErr: "size"},
		{name: "http mix", spec: Spec{Name: "http", Mix: "9:/bytes/10,1:/delay/10ms/bytes/10"}, wantMode: "http",
			wantDesc: map[string]string{"mix": "9:/bytes/10,1:/delay/10ms/bytes/10"}},
		{name: "mix weight that does not parse", spec: Spec{Name: "http", Mix: "x:/bytes/10"}, wantErr: `--mix: mix class "x:/bytes/10": weight "x"`},
		{name: "mix on echo", spec: Spec{Name: "echo", Mix: "1:/a"}, wantErr: "needs the http scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc, err := New(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New = %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ServerMode(tt.spec); got != tt.wantMode {
				t.Errorf("ServerMode = %q, want %q", got, tt.wantMode)
			}
			if req := sc.NewSession().Request(0); len(req) == 0 {
				t.Error("a session's first request is empty")
			}
			desc := sc.Describe()
			for k, v := range tt.wantDesc {
				if desc[k] != v {
					t.Errorf("Describe()[%q] = %q, want %q (all: %v)", k, desc[k], v, desc)
				}
			}
		})
	}
}
