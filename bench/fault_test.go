package bench

import (
	"strings"
	"testing"
	"time"
)

func TestParseFault(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Fault
		wantErr string
	}{
		{name: "slow backend", in: "at 10s: slow-backend 200ms for 5s",
			want: Fault{At: 10 * time.Second, Kind: FaultSlowBackend, Delay: 200 * time.Millisecond, For: 5 * time.Second}},
		{name: "stop target", in: "at 20s: stop-target 1s", want: Fault{At: 20 * time.Second, Kind: FaultStopTarget, For: time.Second}},
		{name: "stop backend", in: " at 0s:stop-backend 500ms ", want: Fault{Kind: FaultStopBackend, For: 500 * time.Millisecond}},
		{name: "kill and restart", in: "at 30s: kill-backend restart after 2s", want: Fault{At: 30 * time.Second, Kind: FaultKillBackend, For: 2 * time.Second}},
		{name: "kill for good", in: "at 30s: kill-backend", want: Fault{At: 30 * time.Second, Kind: FaultKillBackend}},
		{name: "unknown fault", in: "at 1s: stop-tagret 1s", wantErr: `unknown fault "stop-tagret" (did you mean "stop-target"?)`},
		{name: "no at", in: "10s: stop-target 1s", wantErr: "write it as `at OFFSET: KIND ...`"},
		{name: "no colon", in: "at 10s stop-target 1s", wantErr: "write it as"},
		{name: "bad offset", in: "at soon: stop-target 1s", wantErr: `offset "soon"`},
		{name: "negative offset", in: "at -1s: stop-target 1s", wantErr: `offset "-1s"`},
		{name: "no kind", in: "at 1s:", wantErr: "no kind"},
		{name: "slow without for", in: "at 1s: slow-backend 200ms", wantErr: "`DELAY for LENGTH`"},
		{name: "zero length", in: "at 1s: stop-target 0s", wantErr: "needs a length above 0"},
		{name: "bad delay", in: "at 1s: slow-backend x for 1s", wantErr: `delay "x"`},
		{name: "kill with junk", in: "at 1s: kill-backend now", wantErr: "restart after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFault(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseFault(%q) = %+v, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseFault(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			again, err := ParseFault(got.String())
			if err != nil || again != got {
				t.Errorf("String() = %q parses to %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestCheckFaults(t *testing.T) {
	stop := Fault{At: 2 * time.Second, Kind: FaultStopTarget, For: time.Second}
	slow := Fault{At: time.Second, Kind: FaultSlowBackend, Delay: time.Millisecond, For: time.Second}
	tests := []struct {
		name    string
		faults  []Fault
		window  time.Duration
		proxy   bool
		wantErr string
	}{
		{name: "inside", faults: []Fault{stop}, window: 10 * time.Second},
		{name: "backend fault on a proxy", faults: []Fault{slow}, window: 10 * time.Second, proxy: true},
		{name: "starts after the window", faults: []Fault{{At: 11 * time.Second, Kind: FaultStopTarget, For: time.Second}}, window: 10 * time.Second,
			wantErr: "outside the measured window of 10s"},
		{name: "ends after the window", faults: []Fault{{At: 9 * time.Second, Kind: FaultStopTarget, For: 2 * time.Second}}, window: 10 * time.Second,
			wantErr: "ends at 11s"},
		{name: "backend fault without a backend", faults: []Fault{slow}, window: 10 * time.Second, wantErr: "needs a proxy cell"},
		{name: "no window", faults: []Fault{stop}, wantErr: "need a measured window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckFaults(tt.faults, tt.window, tt.proxy)
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("CheckFaults = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzParseFault(f *testing.F) {
	for _, s := range []string{"at 10s: slow-backend 200ms for 5s", "at 20s: stop-target 1s", "at 30s: kill-backend restart after 2s", "at 1s:", "at :", "at 1s: kill-backend"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseFault(s)
		if err != nil {
			return
		}
		again, err := ParseFault(got.String())
		if err != nil || again != got {
			t.Fatalf("%q parsed to %+v, whose String %q parses to %+v, %v", s, got, got.String(), again, err)
		}
		if got.At < 0 || got.For < 0 || got.Delay < 0 {
			t.Fatalf("negative durations in %+v", got)
		}
	})
}
