package bench

import (
	"testing"
	"time"

	"github.com/latbench/latbench/servers"
)

func TestWarmupFor(t *testing.T) {
	m, err := servers.ParseManifest("t.yaml", []byte(`targets:
  - {name: jvm, modes: [echo, proxy], warmup: 10s, command: [j, "{listen}", "{backend}"]}
  - {name: native, modes: [echo, proxy], command: [n, "{listen}", "{backend}"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		exec       Executor
		spec       CellSpec
		wantWarmup time.Duration
	}{
		{name: "target without a minimum", exec: Executor{Manifest: m}, spec: CellSpec{Target: "native", Load: LoadSpec{Warmup: 2 * time.Second}}, wantWarmup: 2 * time.Second},
		{name: "target minimum raises it", exec: Executor{Manifest: m}, spec: CellSpec{Target: "jvm", Load: LoadSpec{Warmup: 2 * time.Second}}, wantWarmup: 10 * time.Second},
		{name: "longer load warm-up kept", exec: Executor{Manifest: m}, spec: CellSpec{Target: "jvm", Load: LoadSpec{Warmup: time.Minute}}, wantWarmup: time.Minute},
		{name: "backend minimum counts", exec: Executor{Manifest: m}, spec: CellSpec{Target: "native", Proxy: true, Backend: "jvm"}, wantWarmup: 10 * time.Second},
		{name: "external target: as given", exec: Executor{Manifest: m, TargetAddr: "127.0.0.1:1"}, spec: CellSpec{Target: "jvm"}, wantWarmup: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.exec.warmupFor(tt.spec); got != tt.wantWarmup {
				t.Errorf("warm-up %v, want %v", got, tt.wantWarmup)
			}
		})
	}
}
