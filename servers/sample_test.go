package servers

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// statTail is a /proc/<pid>/stat line after the comm field: state S, ppid 1,
// pgrp 1234, utime 7, stime 3, starttime 555, rss 42.
const statTail = " S 1 1234 1234 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 555 1000000 42 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"

func TestParseProcStat(t *testing.T) {
	want := procStat{PID: 1234, State: 'S', PPID: 1, PGRP: 1234, UTimeTicks: 7, STimeTicks: 3, StartTimeTicks: 555, RSSPages: 42}
	tests := []struct {
		name     string
		data     string
		wantComm string
		wantErr  string
	}{
		{name: "plain", data: "1234 (sleep)" + statTail + "\n", wantComm: "sleep"},
		{name: "spaces and parentheses in comm", data: "1234 (a b) c))" + statTail, wantComm: "a b) c)"},
		{name: "opening parenthesis in comm", data: "1234 ((x (y)" + statTail, wantComm: "(x (y"},
		{name: "empty comm", data: "1234 ()" + statTail, wantComm: ""},
		{name: "no comm", data: "1234 sleep" + statTail, wantErr: "no (comm) field"},
		{name: "unclosed comm", data: "1234 (sleep" + strings.ReplaceAll(statTail, ")", ""), wantErr: "no (comm) field"},
		{name: "closing before opening", data: "1234 )x(" + statTail, wantErr: "no (comm) field"},
		{name: "bad pid", data: "x1 (a)" + statTail, wantErr: "bad pid"},
		{name: "zero pid", data: "0 (a)" + statTail, wantErr: "bad pid"},
		{name: "too few fields", data: "1234 (a) S 1 2 3", wantErr: "fields after comm, want at least 22"},
		{name: "bad state", data: "1234 (a) SS" + strings.TrimPrefix(statTail, " S"), wantErr: "bad state"},
		{name: "bad number", data: "1234 (a)" + strings.Replace(statTail, " 555 ", " x ", 1), wantErr: "field 22"},
		{name: "negative number", data: "1234 (a)" + strings.Replace(statTail, " 7 3 ", " -7 3 ", 1), wantErr: "field 14"},
		{name: "empty", data: "", wantErr: "no (comm) field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStat([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseProcStat = %+v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			w := want
			w.Comm = tt.wantComm
			if err != nil || got != w {
				t.Fatalf("parseProcStat = %+v, %v; want %+v", got, err, w)
			}
		})
	}
}

func TestParseProcStatSelf(t *testing.T) {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	ps, err := parseProcStat(data)
	if err != nil {
		t.Fatal(err)
	}
	if ps.PID != os.Getpid() || ps.PPID != os.Getppid() || ps.PGRP != syscall.Getpgrp() || ps.RSSPages <= 0 || ps.StartTimeTicks <= 0 {
		t.Fatalf("parseProcStat(/proc/self/stat) = %+v; want pid %d, ppid %d, pgrp %d and positive rss and start time",
			ps, os.Getpid(), os.Getppid(), syscall.Getpgrp())
	}
	if group := readGroup(syscall.Getpgrp()); !slices.ContainsFunc(group, func(p procStat) bool { return p.PID == os.Getpid() }) {
		t.Errorf("readGroup(own group) = %+v; does not contain this process", group)
	}
}

func TestLivePids(t *testing.T) {
	procs := []procStat{{PID: 1, State: 'S'}, {PID: 2, State: 'Z'}, {PID: 3, State: 'R'}, {PID: 4, State: 'X'}, {PID: 5, State: 'D'}}
	if got, want := livePids(procs), []int{1, 3, 5}; !slices.Equal(got, want) {
		t.Errorf("livePids = %v, want %v", got, want)
	}
}

func TestCPUTally(t *testing.T) {
	t0 := time.Unix(1000, 0)
	proc := func(pid int, start, utime, stime, rss int64) procStat {
		return procStat{PID: pid, StartTimeTicks: start, UTimeTicks: utime, STimeTicks: stime, RSSPages: rss}
	}
	tests := []struct {
		name    string
		samples [][]procStat // taken one second apart
		want    Usage
	}{
		{name: "one sample", samples: [][]procStat{{proc(1, 10, 50, 50, 2)}},
			want: Usage{PeakRSSBytes: 2 * 4096, Samples: 1}},
		{name: "ticks before the first sample do not count",
			samples: [][]procStat{{proc(1, 10, 50, 50, 2)}, {proc(1, 10, 100, 100, 3)}},
			want:    Usage{CPUSeconds: 1, Wall: time.Second, CPUPercent: 100, PeakRSSBytes: 3 * 4096, Samples: 2}},
		{name: "a child born later counts from zero, RSS sums the group",
			samples: [][]procStat{{proc(1, 10, 0, 0, 1)}, {proc(1, 10, 50, 0, 1), proc(2, 20, 30, 20, 4)}, {proc(1, 10, 100, 0, 1)}},
			want:    Usage{CPUSeconds: 1.5, Wall: 2 * time.Second, CPUPercent: 75, PeakRSSBytes: 5 * 4096, Samples: 3}},
		{name: "a reused pid is another process",
			samples: [][]procStat{{proc(7, 10, 100, 0, 1)}, {proc(7, 99, 25, 0, 1)}},
			want:    Usage{CPUSeconds: 0.25, Wall: time.Second, CPUPercent: 25, PeakRSSBytes: 4096, Samples: 2}},
		{name: "empty group", samples: [][]procStat{nil, nil},
			want: Usage{Wall: time.Second, Samples: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tally := newCPUTally(4096)
			for i, group := range tt.samples {
				tally.add(t0.Add(time.Duration(i)*time.Second), group)
			}
			if got := tally.usage(); got != tt.want {
				t.Errorf("usage = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStartSamplingBusy(t *testing.T) {
	// The script's child spins too: sampling covers the whole group.
	p := startRaw(t, &Target{Name: "busy", Modes: []string{ModeEcho},
		Command: []string{"sh", "-c", "sh -c 'while :; do :; done' & while :; do :; done"}})
	s := p.StartSampling(50 * time.Millisecond)
	time.Sleep(1500 * time.Millisecond)
	u := s.Stop()
	if again := s.Stop(); again != u {
		t.Errorf("second Stop = %+v, first %+v", again, u)
	}
	maxPercent := 100 * float64(runtime.NumCPU()) * 1.5 // slack for tick granularity
	if u.Samples < 2 || u.PeakRSSBytes <= 0 || u.CPUSeconds <= 0 || u.CPUPercent <= 0 || u.CPUPercent > maxPercent ||
		u.Wall < time.Second || u.Wall > testWait {
		t.Fatalf("usage of two busy loops over ~1.5s = %+v; want several samples, RSS, CPU in (0, %.0f%%]", u, maxPercent)
	}
	t.Logf("usage: %+v", u)
}

func TestStartSamplingDefaultsAndExternal(t *testing.T) {
	p := startRaw(t, shTarget("idle", "exec sleep 60"))
	waitForExec(t, p.Pid(), "sleep") // in the middle of exec a process has no memory to count
	s := p.StartSampling(0)
	if u := s.Stop(); u.Samples < 2 || u.PeakRSSBytes <= 0 {
		t.Errorf("usage of a sleeping process = %+v; want two samples and its RSS", u)
	}
	ext := &Process{name: "ext", addrs: []string{"127.0.0.1:1"}, exited: make(chan struct{})}
	if u := ext.StartSampling(time.Millisecond).Stop(); u != (Usage{}) {
		t.Errorf("usage of an external target = %+v, want zero", u)
	}
}

// waitForExec waits until pid runs the program comm.
func waitForExec(t *testing.T, pid int, comm string) {
	t.Helper()
	deadline := time.Now().Add(testWait)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err == nil && strings.TrimSpace(string(b)) == comm {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("process %d never ran %s", pid, comm)
}
