package bench

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/catalog"
	"github.com/latbench/latbench/scenarios/scenariotest"
	"github.com/latbench/latbench/servers"
)

// startEcho starts a TCP echo server on 127.0.0.1:0 that stops at test
// cleanup.
func startEcho(t *testing.T) string {
	t.Helper()
	return scenariotest.Start(t, func(c net.Conn) { _, _ = io.Copy(c, c) }).Addr()
}

// echoCell is a short echo cell at rate (0: closed loop).
func echoCell(rate float64) CellSpec {
	return CellSpec{
		Target:   "ext",
		Scenario: catalog.Spec{Name: "echo"},
		Load: LoadSpec{Rate: rate, Connections: 2, Warmup: 50 * time.Millisecond,
			Duration: 300 * time.Millisecond, Timeout: time.Second, Arrival: "uniform", Wait: "auto"},
	}
}

func TestExecuteExternalTarget(t *testing.T) {
	addr := startEcho(t)
	plan := NewPlan("t", []CellSpec{echoCell(500), echoCell(0)})
	var saves int
	e := &Executor{TargetAddr: addr, CPUs: CPUs{Client: "0", Target: "1"},
		Save: func(*results.Run, *results.Cell) error { saves++; return nil }}
	run := &results.Run{}
	if err := e.Execute(context.Background(), plan, run); err != nil {
		t.Fatal(err)
	}
	if len(run.Cells) != 2 || !run.Complete || saves != 3 {
		t.Fatalf("%d cells, complete %v, %d saves; want 2, true, 3", len(run.Cells), run.Complete, saves)
	}
	for i, want := range []string{engine.LoopOpen, engine.LoopClosed} {
		c := run.Cells[i]
		if c.Status != results.StatusOK || c.Load.Loop != want || c.Stats.Requests == 0 || c.Histograms.Latency == "" {
			t.Errorf("cell %d: status %s (%s), loop %s, %d requests; want ok, %s, requests", i, c.Status, c.Failure, c.Load.Loop, c.Stats.Requests, want)
		}
		if c.Load.TargetCPUs != "" || c.Load.ClientCPUs != "0" || c.Load.TargetAddr != addr {
			t.Errorf("cell %d: cpus %q/%q addr %q; an external target is not pinned", i, c.Load.ClientCPUs, c.Load.TargetCPUs, c.Load.TargetAddr)
		}
	}
	if plan.Cells[0].ID == plan.Cells[1].ID {
		t.Errorf("cell IDs not unique: %s", plan.Cells[0].ID)
	}
}

func TestExecuteInterrupted(t *testing.T) {
	addr := startEcho(t)
	long := echoCell(200)
	long.Load.Duration = time.Minute
	plan := NewPlan("t", []CellSpec{long, echoCell(200)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := &Executor{TargetAddr: addr, Progress: func(_ CellSpec, _, _ int, p Progress) {
		if !p.Warmup && p.Done > 0 {
			cancel()
		}
	}}
	run := &results.Run{}
	err := e.Execute(ctx, plan, run)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Execute = %v, want ErrInterrupted", err)
	}
	if run.Complete || len(run.Cells) != 1 {
		t.Fatalf("complete %v, %d cells; want false, 1 (the second cell is skipped)", run.Complete, len(run.Cells))
	}
	if c := run.Cells[0]; c.Status != results.StatusFailed || c.Stats.Requests == 0 || !strings.Contains(c.Failure, "interrupted") {
		t.Errorf("cell: status %s, failure %q, %d requests; want failed, interrupted, partial results", c.Status, c.Failure, c.Stats.Requests)
	}
}

func TestExecuteUnreachableTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e := &Executor{TargetAddr: addr, ReadyTimeout: time.Minute}
	run := &results.Run{}
	start := time.Now()
	if err := e.Execute(context.Background(), NewPlan("t", []CellSpec{echoCell(100)}), run); err != nil {
		t.Fatal(err)
	}
	if c := run.Cells[0]; c.Status != results.StatusFailed || !strings.Contains(c.Failure, addr) || !strings.Contains(c.Failure, "connection refused") {
		t.Errorf("cell: status %s, failure %q; want failed naming %s, connection refused", c.Status, c.Failure, addr)
	}
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("took %v: a refused connection needs no ready timeout to say so", took)
	}
}

func TestPrepare(t *testing.T) {
	m, err := servers.ParseManifest("test.yaml", []byte(`targets:
  - name: echoonly
    modes: [echo]
    command: ["true", "{listen}"]
  - name: unbuilt
    modes: [echo]
    requires: [no-such-tool-xyz]
    binary: /nonexistent/bin
    command: ["/nonexistent/bin", "{listen}"]
`))
	if err != nil {
		t.Fatal(err)
	}
	http := echoCell(100)
	http.Scenario.Name = "http"
	bad := echoCell(100)
	bad.Scenario.Name = "ehco"
	tests := []struct {
		name   string
		target string
		cell   CellSpec
		want   string // substring of the error; "" for none
	}{
		{name: "ok", target: "echoonly", cell: echoCell(100)},
		{name: "unknown target", target: "echoonyl", cell: echoCell(100), want: `unknown target "echoonyl"`},
		{name: "mode not served", target: "echoonly", cell: http, want: "does not serve http mode"},
		{name: "bad scenario", target: "echoonly", cell: bad, want: `unknown scenario "ehco"`},
		{name: "missing toolchain", target: "unbuilt", cell: echoCell(100), want: "toolchain no-such-tool-xyz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cell.Target = tt.target
			e := &Executor{Manifest: m, Root: t.TempDir()}
			err := e.Prepare(context.Background(), NewPlan("t", []CellSpec{tt.cell}), true, io.Discard)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Prepare = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Prepare = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestClientWarnings(t *testing.T) {
	open := echoCell(1000)
	closed := echoCell(0)
	tests := []struct {
		name  string
		spec  CellSpec
		stats results.CellStats
		want  []string // one substring per expected warning, in order
	}{
		{name: "healthy", spec: open, stats: results.CellStats{AchievedRPS: 999.5, Lag: results.Summary{P99: 20_000}, ClientCPUPct: 30}},
		{name: "rate not reached", spec: open, stats: results.CellStats{AchievedRPS: 900}, want: []string{"10.0% below the target 1000 rps"}},
		{name: "late sends", spec: open, stats: results.CellStats{AchievedRPS: 1000, Lag: results.Summary{P99: 250_000}},
			want: []string{"lag p99 250.0µs"}},
		{name: "busy client", spec: closed, stats: results.CellStats{AchievedRPS: 5e4, Counts: engine.Counts{LoopBusyPct: 97}}, want: []string{"worked 97% of the window"}},
		{name: "spinning is not busy", spec: open, stats: results.CellStats{AchievedRPS: 1000, ClientCPUPct: 100, Counts: engine.Counts{LoopBusyPct: 12}}},
		{name: "a closed-loop connection without a measured request", spec: closed, stats: results.CellStats{AchievedRPS: 5e4, Counts: engine.Counts{IdleConnections: 1}},
			want: []string{"1 of 2 connections carried no measured request"}},
		{name: "idle connections at a low rate are no news", spec: open, stats: results.CellStats{AchievedRPS: 1000, Counts: engine.Counts{FellDue: 3, IdleConnections: 1}}},
		{name: "warm-up errors", spec: open, stats: results.CellStats{AchievedRPS: 1000, Counts: engine.Counts{WarmupErrors: 4}},
			want: []string{"4 requests failed during warm-up"}},
		{name: "closed loop has no rate or lag to miss", spec: closed, stats: results.CellStats{AchievedRPS: 10, Lag: results.Summary{P99: 1e9}}},
		{name: "unsent and out of range", spec: open, stats: results.CellStats{AchievedRPS: 1000, Counts: engine.Counts{Unsent: 7, OutOfRange: 2}},
			want: []string{"7 requests fell due but waited", "2 values outside"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clientWarnings(tt.spec, &tt.stats)
			if len(got) != len(tt.want) {
				t.Fatalf("warnings %q, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}

func TestNoneCompletedFailsTheCell(t *testing.T) {
	tests := []struct {
		name  string
		stats results.CellStats
		want  string // "" for no failure
	}{
		{name: "answered", stats: results.CellStats{Requests: 1, Counts: engine.Counts{FellDue: 10}}},
		{name: "nothing fell due", stats: results.CellStats{}},
		{name: "all unsent", stats: results.CellStats{Counts: engine.Counts{FellDue: 7000, Unsent: 7000}}, want: "no request succeeded: 7000 fell due, 0 failed, 7000 were never sent"},
		{name: "all timed out", stats: results.CellStats{ErrorsTotal: 3, Counts: engine.Counts{FellDue: 3, Errors: engine.ErrorCounts{scenarios.ErrTimeout: 3},
			ErrorSamples: map[string]string{"timeout": "no complete response within the 5s timeout"}}},
			want: "3 timeout (no complete response within the 5s timeout)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := noneCompleted(&tt.stats)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("noneCompleted = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("noneCompleted = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestWaitStrategyChoice(t *testing.T) {
	tests := []struct {
		name   string
		cpus   CPUs
		ext    bool
		spec   CellSpec
		want   engine.Wait
		window time.Duration // 0: engine.DefaultSpinWindow
	}{
		{name: "open loop on CPUs of its own spins", cpus: CPUs{Client: "0", Target: "1", Backend: "1"}, spec: echoCell(1000), want: engine.WaitSpin},
		{name: "closed loop polls a moment after each send", cpus: CPUs{Client: "0", Target: "1"}, spec: echoCell(0), want: engine.WaitHybrid, window: engine.ClosedSpinWindow},
		{name: "closed loop on a shared CPU blocks", cpus: CPUs{Client: "0-1", Target: "1"}, spec: echoCell(0), want: engine.WaitBlock, window: engine.ClosedSpinWindow},
		{name: "shared CPU blocks", cpus: CPUs{Client: "0-1", Target: "1"}, spec: echoCell(1000), want: engine.WaitBlock},
		{name: "unpinned blocks", cpus: CPUs{}, spec: echoCell(1000), want: engine.WaitBlock},
		{name: "an external target does not share the client's CPUs", cpus: CPUs{Client: "0"}, ext: true, spec: echoCell(1000), want: engine.WaitSpin},
		{name: "a proxy's backend on the client's CPU blocks", cpus: CPUs{Client: "0", Target: "1", Backend: "0"},
			spec: func() CellSpec { c := echoCell(1000); c.Proxy = true; return c }(), want: engine.WaitBlock},
		{name: "asked for", cpus: CPUs{Client: "0", Target: "1"}, spec: func() CellSpec { c := echoCell(1000); c.Load.Wait = "hybrid"; return c }(), want: engine.WaitHybrid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Executor{CPUs: tt.cpus}
			if tt.ext {
				e.TargetAddr = "127.0.0.1:1"
			}
			got, window, err := e.waitFor(tt.spec)
			if tt.window == 0 {
				tt.window = engine.DefaultSpinWindow
			}
			if err != nil || got != tt.want || window != tt.window {
				t.Errorf("waitFor = %v, %v, %v; want %v, %v", got, window, err, tt.want, tt.window)
			}
		})
	}
}
