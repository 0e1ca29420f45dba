package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios/catalog"
)

// agentCell is an open-loop echo cell whose window holds rate × 0.6 s
// requests.
func agentCell(rate float64, conns int) CellSpec {
	c := echoCell(rate)
	c.ID = "agents"
	c.Load.Connections, c.Load.Warmup, c.Load.Duration = conns, 100*time.Millisecond, 600*time.Millisecond
	return c
}

// runAgents runs n agents of cell in this process against addr, all from
// one T0, and returns their outputs.
func runAgents(ctx context.Context, cell CellSpec, n int, addr string) ([]*AgentOutput, error) {
	return runJob(ctx, cell, AgentJob{Agents: n, Addr: addr})
}

// runJob runs the job's agents on cell in this process, as runAgents does.
func runJob(ctx context.Context, cell CellSpec, job AgentJob) ([]*AgentOutput, error) {
	n, addr := job.Agents, job.Addr
	t0 := time.Now().Add(time.Second)
	outs := make([]*AgentOutput, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each agent streams its output as it goes, as it would to a
			// pod's log, and the output is what parsing the stream gives.
			var stream bytes.Buffer
			_, errs[i] = RunAgent(ctx, AgentSpec{Cell: cell, Index: i, Count: n, T0: t0, Addr: addr, Wait: "block", Host: fmt.Sprintf("a%d", i),
				PairedAddr: job.PairedAddr, Seed: job.Seed}, &stream)
			if errs[i] == nil {
				outs[i], errs[i] = ParseAgentStream(&stream)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return outs, nil
}

// N agents send every request of the schedule once between them, and the
// merge counts each of them once.
func TestAgentsShareTheSchedule(t *testing.T) {
	addr := startEcho(t)
	cell := agentCell(3000, 3)
	outs, err := runAgents(context.Background(), cell, 3, addr)
	if err != nil {
		t.Fatal(err)
	}
	var fellDue, requests int64
	for i, o := range outs {
		st := o.Cell.Stats
		if st.FellDue != 600 || o.Agent.Index != i || o.Agent.Count != 3 {
			t.Errorf("agent %d: %d requests fell due, index %d of %d; want 600 (its third of 1800), %d of 3", i, st.FellDue, o.Agent.Index, o.Agent.Count, i)
		}
		if o.Agent.ReadyBeforeNs <= 0 {
			t.Errorf("agent %d: ready %v before T0, want > 0", i, time.Duration(o.Agent.ReadyBeforeNs))
		}
		fellDue += st.FellDue
		requests += st.Requests
	}
	merged, err := MergeAgents(outs)
	if err != nil {
		t.Fatal(err)
	}
	if merged.Stats.FellDue != 1800 || fellDue != 1800 || merged.Stats.Requests != requests || requests+merged.Stats.ErrorsTotal+merged.Stats.Unsent != 1800 {
		t.Errorf("merged: %d fell due (agents %d), %d requests (agents %d), %d errors, %d unsent; want the schedule's 1800 and the agents' sum",
			merged.Stats.FellDue, fellDue, merged.Stats.Requests, requests, merged.Stats.ErrorsTotal, merged.Stats.Unsent)
	}
	if len(merged.Agents) != 3 || merged.Agents[2].Host != "a2" || merged.Agents[0].Requests != outs[0].Cell.Stats.Requests {
		t.Errorf("merged agents %+v, want the three agents' own figures", merged.Agents)
	}
}

// An agent that is not ready by T0 refuses to run: its share would start
// late and every latency in it would be wrong.
func TestAgentNotReadyByT0Fails(t *testing.T) {
	addr := startEcho(t)
	_, err := RunAgent(context.Background(), AgentSpec{Cell: agentCell(100, 1), Count: 1, T0: time.Now().Add(-time.Second), Addr: addr}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "after T0") {
		t.Fatalf("RunAgent with a past T0 = %v, want an error saying it was ready after T0", err)
	}
}

// Bad agent specs are refused before anything is sent.
func TestAgentSpecChecks(t *testing.T) {
	ok := AgentSpec{Cell: agentCell(100, 2), Count: 2, T0: time.Now().Add(time.Minute), Addr: "127.0.0.1:1"}
	tests := []struct {
		name    string
		spoil   func(s *AgentSpec)
		wantErr string
	}{
		{name: "index past the count", spoil: func(s *AgentSpec) { s.Index = 2 }, wantErr: "runs from 0"},
		{name: "no count", spoil: func(s *AgentSpec) { s.Count = 0 }, wantErr: "runs from 0"},
		{name: "no address", spoil: func(s *AgentSpec) { s.Addr = "" }, wantErr: "no target address"},
		{name: "no T0", spoil: func(s *AgentSpec) { s.T0 = time.Time{} }, wantErr: "no start time"},
		{name: "no window", spoil: func(s *AgentSpec) { s.Cell.Load.Duration = 0 }, wantErr: "measured window"},
		{name: "a paired cell without the reference's address", spoil: func(s *AgentSpec) { s.Cell.Paired = "ref" }, wantErr: "--paired-addr"},
		{name: "a reference's address for a cell of one arm", spoil: func(s *AgentSpec) { s.PairedAddr = "127.0.0.1:2" }, wantErr: "not paired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok
			tt.spoil(&s)
			if _, err := RunAgent(context.Background(), s, io.Discard); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("RunAgent = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// An agent's auto wait: the target is remote, so CPUs given to the agent
// are its own and it spins (open loop) or is hybrid (closed); without
// CPUs it shares whatever runs there and blocks. An explicit wait wins.
func TestAgentWait(t *testing.T) {
	open, closed := agentCell(100, 2), agentCell(100, 2)
	closed.Load.Rate = 0
	tests := []struct {
		name string
		spec AgentSpec
		want engine.Wait
	}{
		{name: "open loop on its CPUs", spec: AgentSpec{Cell: open, Addr: "10.0.0.5:80", CPUs: []int{2, 3}}, want: engine.WaitSpin},
		{name: "closed loop on its CPUs", spec: AgentSpec{Cell: closed, Addr: "10.0.0.5:80", CPUs: []int{2}}, want: engine.WaitHybrid},
		{name: "no CPUs", spec: AgentSpec{Cell: open, Addr: "10.0.0.5:80"}, want: engine.WaitBlock},
		{name: "auto spelled out", spec: AgentSpec{Cell: open, Addr: "10.0.0.5:80", Wait: WaitAuto}, want: engine.WaitBlock},
		{name: "explicit block on its CPUs", spec: AgentSpec{Cell: open, Addr: "10.0.0.5:80", CPUs: []int{2}, Wait: "block"}, want: engine.WaitBlock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := tt.spec.wait()
			if err != nil || got != tt.want {
				t.Errorf("wait() = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// fakeOutput is agent index of count with a one-value histogram.
func fakeOutput(t *testing.T, index, count int) *AgentOutput {
	t.Helper()
	h := engine.NewHistogram()
	if err := h.RecordValue(int64(1000 * (index + 1))); err != nil {
		t.Fatal(err)
	}
	enc, err := results.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	cell := results.Cell{ID: "c", Status: results.StatusOK, Histograms: results.Histograms{Latency: enc},
		Stats: results.CellStats{Requests: 1, Counts: engine.Counts{FellDue: 1}}}
	return &AgentOutput{Schema: AgentSchema, ConfigHash: "abc", Cell: cell,
		Agent: AgentInfo{Index: index, Count: count, T0UnixNs: 42, Host: fmt.Sprintf("h%d", index)}}
}

// MergeAgents refuses outputs that are not all the agents of one cell.
func TestMergeAgentsRefuses(t *testing.T) {
	tests := []struct {
		name    string
		outs    func() []*AgentOutput
		wantErr string
	}{
		{name: "nothing", outs: func() []*AgentOutput { return nil }, wantErr: "no agent outputs"},
		{name: "another configuration", wantErr: "another configuration", outs: func() []*AgentOutput {
			o := fakeOutput(t, 1, 2)
			o.ConfigHash = "def"
			return []*AgentOutput{fakeOutput(t, 0, 2), o}
		}},
		{name: "another T0", wantErr: "another T0", outs: func() []*AgentOutput {
			o := fakeOutput(t, 1, 2)
			o.Agent.T0UnixNs++
			return []*AgentOutput{fakeOutput(t, 0, 2), o}
		}},
		{name: "another agent count", wantErr: "one of 3", outs: func() []*AgentOutput {
			return []*AgentOutput{fakeOutput(t, 0, 2), fakeOutput(t, 1, 3)}
		}},
		{name: "an agent twice", wantErr: "agent 1 is there twice", outs: func() []*AgentOutput {
			return []*AgentOutput{fakeOutput(t, 1, 2), fakeOutput(t, 1, 2)}
		}},
		{name: "agents missing", wantErr: "agents 1, 3 of 4 are missing", outs: func() []*AgentOutput {
			return []*AgentOutput{fakeOutput(t, 0, 4), fakeOutput(t, 2, 4)}
		}},
		{name: "lost values", wantErr: "an exact merge needs every value", outs: func() []*AgentOutput {
			o := fakeOutput(t, 1, 2)
			o.Cell.Stats.OutOfRange = 1
			return []*AgentOutput{fakeOutput(t, 0, 2), o}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := MergeAgents(tt.outs()); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("MergeAgents = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// An agent's output survives the interval log it is written as, from a
// stream (a pod's log, with other lines around it) and from a folder.
func TestAgentOutputRoundTrip(t *testing.T) {
	addr := startEcho(t)
	outs, err := runAgents(context.Background(), agentCell(500, 1), 1, addr)
	if err != nil {
		t.Fatal(err)
	}
	want := outs[0]
	var stream bytes.Buffer
	stream.WriteString("pod starting\n")
	if err := want.WriteStream(&stream); err != nil {
		t.Fatal(err)
	}
	stream.WriteString("latbench agent 0 of 1: done\n")
	if !strings.Contains(stream.String(), "#[StartTime:") || !strings.Contains(stream.String(), "Tag=agent=0,") {
		t.Errorf("the stream is not an interval log tagged with the agent:\n%.400s", stream.String())
	}
	got, err := ParseAgentStream(&stream)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := want.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	fromDir, err := ReadAgentOutputs([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	for name, o := range map[string]*AgentOutput{"stream": got, "folder": fromDir[0]} {
		if gotJSON, _ := json.Marshal(o); !bytes.Equal(gotJSON, wantJSON) {
			t.Errorf("%s: the output read back differs from the one written", name)
		}
	}
}

// The suite file handed to agents plans back into the same cell.
func TestSuiteYAMLRoundTrip(t *testing.T) {
	mix := echoCell(0)
	mix.Scenario = catalog.Spec{Name: "http", Mix: "90:/bytes/100,10:/delay/100ms/bytes/100", NoKeepAlive: true}
	conn := echoCell(250)
	conn.Scenario = catalog.Spec{Name: "connect", Size: 64}
	conn.Load.Name = "low"
	for _, tt := range []struct {
		name string
		cell CellSpec
	}{{name: "open echo", cell: agentCell(3000, 3)}, {name: "closed http mix", cell: mix}, {name: "named connect load", cell: conn}} {
		t.Run(tt.name, func(t *testing.T) {
			data, err := SuiteYAML(tt.cell)
			if err != nil {
				t.Fatal(err)
			}
			got, err := AgentCell("cell.yaml", data, "")
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if !reflect.DeepEqual(got.Scenario, tt.cell.Scenario) || !reflect.DeepEqual(got.Load, tt.cell.Load) {
				t.Errorf("planned back:\n%+v\n%+v\nwant\n%+v\n%+v\nfrom\n%s", got.Scenario, got.Load, tt.cell.Scenario, tt.cell.Load, data)
			}
		})
	}
}

// inProcessAgents is an AgentLauncher running the agents in this process.
type inProcessAgents struct{ calls int }

func (l *inProcessAgents) Run(ctx context.Context, job AgentJob) ([]*AgentOutput, error) {
	l.calls++
	cell, err := AgentCell("cell.yaml", job.CellYAML, "")
	if err != nil {
		return nil, err
	}
	if cell.ID != job.CellID {
		return nil, fmt.Errorf("cell id %s, the file's is %s", job.CellID, cell.ID)
	}
	return runJob(ctx, cell, job)
}

// An executor with agents measures each cell through the launcher and
// keeps the merged figures with the agents' own.
func TestExecuteWithAgents(t *testing.T) {
	addr := startEcho(t)
	launcher := &inProcessAgents{}
	e := &Executor{TargetAddr: addr, Agents: 3, Launcher: launcher}
	run := &results.Run{}
	if err := e.Execute(context.Background(), NewPlan("t", []CellSpec{agentCell(3000, 3)}), run); err != nil {
		t.Fatal(err)
	}
	c := run.Cells[0]
	if launcher.calls != 1 || c.Status != results.StatusOK || len(c.Agents) != 3 || c.Stats.FellDue != 1800 || c.Load.Connections != 3 {
		t.Fatalf("%d launches, status %s (%s), %d agents, %d fell due, %d connections; want 1, ok, 3, 1800, 3",
			launcher.calls, c.Status, c.Failure, len(c.Agents), c.Stats.FellDue, c.Load.Connections)
	}
}

// ParseAgentStream never panics, and what it accepts is an agent output
// of this schema.
func FuzzParseAgentStream(f *testing.F) {
	var b bytes.Buffer
	o := &AgentOutput{Schema: AgentSchema, ConfigHash: "abc", Agent: AgentInfo{Index: 1, Count: 2}}
	if err := o.WriteStream(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.String())
	f.Add("#latbench-agent {\"schema\":1}\n")
	f.Add("#latbench-agent {\"schema\":2}")
	f.Add("noise\n#latbench-agent {")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseAgentStream(strings.NewReader(s))
		if err == nil && got.Schema != AgentSchema {
			t.Fatalf("accepted schema %d", got.Schema)
		}
	})
}

// Agents of a paired cell each send their share of both arms; the merge
// keeps the arms apart: each arm gets the schedule's count, its own
// intervals, and the difference is computed again from the merged
// intervals of both.
func TestAgentsKeepPairedArmsApart(t *testing.T) {
	target, reference := startEcho(t), startEcho(t)
	cell := agentCell(1000, 4)
	cell.Paired = "echo-ref"
	cell.Load.Duration = time.Second
	outs, err := runJob(context.Background(), cell, AgentJob{Agents: 2, Addr: target, PairedAddr: reference, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outs {
		p := o.Cell.Paired
		if p == nil || len(p.Reference.Intervals) == 0 || len(o.Cell.Intervals) == 0 {
			t.Fatalf("agent %d: paired %v, its intervals %d; want a reference arm with intervals of its own", i, p != nil, len(o.Cell.Intervals))
		}
		if o.Cell.Stats.FellDue != p.Reference.Stats.FellDue {
			t.Errorf("agent %d: %d fell due on the target, %d on the reference; want the same (whole pairs)", i, o.Cell.Stats.FellDue, p.Reference.Stats.FellDue)
		}
	}
	merged, err := MergeAgents(outs)
	if err != nil {
		t.Fatal(err)
	}
	p := merged.Paired
	if p == nil || merged.Stats.FellDue != 1000 || p.Reference.Stats.FellDue != 1000 {
		t.Fatalf("merged: paired %v, %d fell due on the target; want 1000 on each arm (the schedule's)", p != nil, merged.Stats.FellDue)
	}
	if p.Blocks < 2 || p.Seed != 11 || p.Arms != [2]string{"echo-ref", cell.Target} || len(p.Reference.Intervals) == 0 {
		t.Errorf("merged difference: %d blocks, seed %d, arms %q, %d reference intervals; want it computed from both merged arms",
			p.Blocks, p.Seed, p.Arms, len(p.Reference.Intervals))
	}
}

// An executor with agents measures a paired cell through the launcher:
// the job carries the reference's address and the run's seed, and the
// cell gets the merged reference arm and the difference.
func TestExecutePairedWithAgents(t *testing.T) {
	target, reference := startEcho(t), startEcho(t)
	launcher := &inProcessAgents{}
	e := &Executor{TargetAddr: target, PairedAddr: reference, Seed: 5, Agents: 2, Launcher: launcher}
	cell := agentCell(1000, 2)
	cell.Paired, cell.Load.Duration = "ref", time.Second
	run := &results.Run{}
	if err := e.Execute(context.Background(), NewPlan("t", []CellSpec{cell}), run); err != nil {
		t.Fatal(err)
	}
	c := run.Cells[0]
	if c.Status != results.StatusOK || c.Paired == nil || c.Paired.Reference.Stats.FellDue != 1000 || c.Paired.Seed != 5 {
		t.Fatalf("status %s (%s), paired %v; want ok with a reference arm of 1000 requests and the run's seed", c.Status, c.Failure, c.Paired != nil)
	}
	if c.Paired.Reference.Addr != reference {
		t.Errorf("reference at %s, want %s", c.Paired.Reference.Addr, reference)
	}
}
