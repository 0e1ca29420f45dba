package host

import (
	"os"
	"testing"
	"time"
)

func TestParseSchedstat(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		want    int64
		wantErr bool
	}{
		{name: "three fields", in: "149890 1940483 2\n", want: 1940483},
		{name: "zero wait", in: "5 0 1", want: 0},
		{name: "one field", in: "5", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "not a number", in: "5 x 1", wantErr: true},
		{name: "negative", in: "5 -3 1", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSchedstat(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseSchedstat(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func FuzzParseSchedstat(f *testing.F) {
	for _, s := range []string{"149890 1940483 2\n", "", "1 2", "a b c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if w, err := parseSchedstat(s); err == nil && w < 0 {
			t.Errorf("parseSchedstat(%q) = %d, a negative wait", s, w)
		}
	})
}

func TestWaitSince(t *testing.T) {
	for _, tc := range []struct {
		name          string
		before, after map[int]int64
		want          int64
	}{
		{name: "same threads", before: map[int]int64{1: 10, 2: 20}, after: map[int]int64{1: 15, 2: 27}, want: 12},
		{name: "a new thread counts from its start", before: map[int]int64{1: 10}, after: map[int]int64{1: 10, 3: 4}, want: 4},
		{name: "a thread gone no longer counts", before: map[int]int64{1: 10, 2: 50}, after: map[int]int64{1: 11}, want: 1},
		{name: "a reused thread id that went back counts nothing", before: map[int]int64{1: 10}, after: map[int]int64{1: 3}, want: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := waitSince(tc.before, tc.after); got != tc.want {
				t.Errorf("waitSince = %d, want %d", got, tc.want)
			}
		})
	}
}

// firstCPU returns a CPU this process may run on.
func firstCPU(t *testing.T) string {
	t.Helper()
	cpus, err := AllowedCPUs()
	if err != nil || len(cpus) == 0 {
		t.Fatalf("allowed CPUs: %v %v", cpus, err)
	}
	return FormatCPUSet(cpus[len(cpus)-1:])
}

func TestNoiseMeterMeasuresEveryFigure(t *testing.T) {
	m, err := StartNoise(func() []int { return []int{os.Getpid()} }, firstCPU(t))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	time.Sleep(100 * time.Millisecond)
	n := m.Sample()
	if !n.StealOK || !n.TargetOK || !n.WakeOK {
		t.Fatalf("sample %+v: want steal, target run queue and wake-up all measured", n)
	}
	if n.StealPct < 0 || n.StealPct > 100 || n.ClientRunQueue < 0 || n.WakeMax < n.WakeMean {
		t.Errorf("sample %+v does not add up", n)
	}
}

func TestNoiseMeterWithoutTargetOrProbe(t *testing.T) {
	m, err := StartNoise(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	if n := m.Sample(); n.TargetOK || n.WakeOK {
		t.Errorf("sample %+v: a meter without target or probe measured them", n)
	}
}

func TestNoiseMeterRejectsABadProbeCPU(t *testing.T) {
	if _, err := StartNoise(nil, "1-0"); err == nil {
		t.Error("a reversed cpuset for the probe was accepted")
	}
}

// TestProbeSeesAFreeze freezes the probe's CPU in bursts of 30–40 ms: the
// probe, which sleeps 1 ms at a time, must wake at least 10 ms late.
func TestProbeSeesAFreeze(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("freezing a CPU takes root; CI runs as root")
		}
		t.Skip("freezing a CPU takes root")
	}
	cpu := firstCPU(t)
	m, err := StartNoise(nil, cpu)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	f, err := StartFreezer(FreezeSpec{CPUs: cpu, MinBurst: 30 * time.Millisecond, MaxBurst: 40 * time.Millisecond, Share: 0.3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond)
	f.Stop()
	if n := m.Sample(); !n.WakeOK || n.WakeMax < 10*time.Millisecond {
		t.Errorf("wake-up probe: worst %v late (ok %v) with its CPU frozen 30–40 ms at a time; want ≥ 10ms", n.WakeMax, n.WakeOK)
	}
}

func TestFreezerRejectsBadSpecs(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec FreezeSpec
	}{
		{name: "no share", spec: FreezeSpec{CPUs: "0", MinBurst: time.Millisecond, MaxBurst: time.Millisecond}},
		{name: "share above half", spec: FreezeSpec{CPUs: "0", MinBurst: time.Millisecond, MaxBurst: time.Millisecond, Share: 0.9}},
		{name: "reversed bursts", spec: FreezeSpec{CPUs: "0", MinBurst: 2 * time.Millisecond, MaxBurst: time.Millisecond, Share: 0.1}},
		{name: "bad cpus", spec: FreezeSpec{CPUs: "x", MinBurst: time.Millisecond, MaxBurst: time.Millisecond, Share: 0.1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f, err := StartFreezer(tc.spec); err == nil {
				f.Stop()
				t.Error("accepted")
			}
		})
	}
}
