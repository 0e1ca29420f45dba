package bench

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/latbench/latbench/bench/engine"
	"github.com/latbench/latbench/bench/host"
	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios"
	"github.com/latbench/latbench/scenarios/catalog"
	"github.com/latbench/latbench/servers"
)

// Load from several machines: N agents, one schedule. Agent i of N sends
// exactly the requests k of the cell's global schedule with k mod N = i
// (Split.Part, the same split the loops of one agent use among
// themselves), all from one start time T0 that the engine that started
// them hands out. Each writes its own cell; MergeAgents adds their
// histograms exactly. latbench has no cluster protocol of its own: the
// engine (Kubernetes, Slurm, local processes) starts the agents and
// carries T0.

// AgentSchema is the version of an agent's output.
const AgentSchema = 1

// AgentSpec is one agent's share of a cell.
type AgentSpec struct {
	// Cell is the cell of the plan every agent runs (the same for all).
	Cell CellSpec
	// Index and Count place the agent: it sends requests k with
	// k mod Count = Index.
	Index, Count int
	// T0 is when the cell's schedule starts (its warm-up begins then), on
	// every agent's wall clock.
	T0 time.Time
	// Addr is the target's address (agents never start targets).
	Addr string
	// CPUs are the agent's client CPUs, one loop each; empty: one loop.
	CPUs []int
	// Wait is the loops' wait strategy; "" or auto: on CPUs given, spin
	// for an open loop and hybrid for the closed loop; without, block.
	Wait string
	// Host names the agent in the merged cell ("": the hostname).
	Host string
	// PairedAddr is a paired cell's reference arm's address: the agent
	// sends its share of both arms, each request to an arm by the order
	// Seed draws, the same on every agent.
	PairedAddr string
	Seed       uint64
	// TLS are the client's TLS settings for a cell that speaks TLS.
	TLS TLSOptions
}

// AgentOutput is what one agent measured, for MergeAgents.
type AgentOutput struct {
	Schema int       `json:"schema"`
	Agent  AgentInfo `json:"agent"`
	// ConfigHash identifies the cell's configuration: agents of one run
	// have the same, and MergeAgents refuses to mix others.
	ConfigHash string `json:"config_hash"`
	// Cell is the agent's own cell, with its histograms and intervals.
	Cell results.Cell `json:"cell"`
}

// AgentInfo says which agent wrote an output and how it started.
type AgentInfo struct {
	Index    int    `json:"index"`
	Count    int    `json:"count"`
	T0UnixNs int64  `json:"t0_unix_ns"`
	Host     string `json:"host"`
	// ReadyBeforeNs is how long before T0 the agent was ready; StartSkewNs
	// how late its first request went out after it was due.
	ReadyBeforeNs int64 `json:"ready_before_t0_ns"`
	StartSkewNs   int64 `json:"start_skew_ns"`
}

// ConfigHash returns the hash of what makes two agents' cells one cell:
// everything of the spec but its id and round.
func ConfigHash(spec CellSpec) string {
	spec.ID, spec.Round = "", 0
	b, _ := json.Marshal(spec) // a CellSpec always encodes
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// RunAgent runs one agent's share: it checks that the target answers, is
// ready before T0 or fails loudly, then sends its share of the schedule
// from T0. Its output streams to w as it goes: the interval log's header,
// each interval as it closes, and at the end the line with the agent's
// cell (WriteStream's format). A failed agent writes no cell line.
func RunAgent(ctx context.Context, spec AgentSpec, w io.Writer) (*AgentOutput, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	sc, err := catalog.New(spec.Cell.Scenario)
	if err != nil {
		return nil, err
	}
	cfg, err := spec.tlsConfig()
	if err != nil {
		return nil, err
	}
	if err := spec.ProbeTargets(ctx, sc, cfg); err != nil {
		return nil, err
	}
	ready := time.Until(spec.T0)
	if ready <= 0 {
		return nil, fmt.Errorf("agent %d of %d was ready %v after T0 (%s): it started late or the target was slow to answer; "+
			"start the agents again with a later T0", spec.Index, spec.Count, -ready, spec.T0.UTC().Format(time.RFC3339Nano))
	}
	log, err := results.NewIntervalLog(w, spec.logHeader())
	if err != nil {
		return nil, err
	}
	sink := &intervalSink{log: log, warmup: spec.Cell.Load.Warmup, every: intervalFor(spec.Cell)}
	if spec.Cell.Paired != "" { // the reference arm's intervals go to the same stream, marked arm=1
		sink.paired = &pairedSink{window: spec.Cell.Load.Duration, log: log, blocks: newPairedBlocks(spec.Cell, sink.every)}
	}
	if sink.noise, err = host.StartNoise(nil, ""); err != nil { // steal and the agent's run-queue wait
		return nil, err
	}
	res, err := spec.run(ctx, sc, sink, cfg)
	sink.noise.Stop()
	if err == nil {
		err = sink.err
	}
	if err == nil && sink.paired != nil {
		err = sink.paired.err
	}
	if err != nil {
		return nil, err
	}
	out := spec.output(sc, res, ready, sink)
	return out, out.writeCellLine(w)
}

// logHeader is the header of the agent's interval log: times from T0,
// every interval tagged with the agent.
func (s AgentSpec) logHeader() results.IntervalLogHeader {
	return results.IntervalLogHeader{
		Comment:   fmt.Sprintf("latbench agent %d of %d, cell %s: latency from due time, ns; times from T0", s.Index, s.Count, s.Cell.ID),
		StartTime: s.T0, Offset: s.Cell.Load.Warmup, Tag: fmt.Sprintf("agent=%d", s.Index),
	}
}

// check rejects a spec that cannot run.
func (s AgentSpec) check() error {
	switch {
	case s.Count < 1 || s.Index < 0 || s.Index >= s.Count:
		return fmt.Errorf("agent index %d of %d: the index runs from 0 to the agent count - 1", s.Index, s.Count)
	case s.Addr == "":
		return fmt.Errorf("agent %d: no target address", s.Index)
	case s.T0.IsZero():
		return fmt.Errorf("agent %d: no start time T0", s.Index)
	case s.Cell.Load.Duration == 0:
		return fmt.Errorf("agent %d: agents need a measured window (a duration), not only a request count", s.Index)
	case s.Cell.Paired != "" && s.PairedAddr == "":
		return fmt.Errorf("agent %d: the cell is paired with %s: give its address (--paired-addr)", s.Index, s.Cell.Paired)
	case s.Cell.Paired == "" && s.PairedAddr != "":
		return fmt.Errorf("agent %d: a paired address (%s) for a cell that is not paired", s.Index, s.PairedAddr)
	}
	return nil
}

// ProbeTargets checks that every address the agent sends to answers one
// request of the scenario sc, over TLS with cfg when it is set.
func (s AgentSpec) ProbeTargets(ctx context.Context, sc scenarios.Scenario, cfg *tls.Config) error {
	for _, addr := range s.addrs() {
		if err := Probe(ctx, sc, addr, engine.DefaultTimeout, cfg); err != nil {
			return fmt.Errorf("agent %d of %d: the target at %s does not answer: %w", s.Index, s.Count, addr, err)
		}
	}
	return nil
}

// TLSConfig returns the agent's client TLS configuration; nil when the
// cell speaks plain TCP.
func (s AgentSpec) TLSConfig() (*tls.Config, error) { return s.tlsConfig() }

// tlsConfig returns the agent's client TLS configuration; nil when the
// cell speaks plain TCP.
func (s AgentSpec) tlsConfig() (*tls.Config, error) {
	e := &Executor{TLS: s.TLS, TargetAddr: s.Addr}
	return e.clientTLS(s.Cell)
}

// addrs returns the addresses the agent sends to: the target's and, for
// a paired cell, its reference's.
func (s AgentSpec) addrs() []string {
	if s.PairedAddr == "" {
		return []string{s.Addr}
	}
	return []string{s.Addr, s.PairedAddr}
}

// run sends the agent's share.
func (s AgentSpec) run(ctx context.Context, sc scenarios.Scenario, sink *intervalSink, cfg *tls.Config) (*engine.Result, error) {
	pacer, err := engine.NewPacer(s.Cell.Load.Arrival, s.Cell.Load.Rate*float64(armCount(s.Cell)), 1)
	if err != nil {
		return nil, err
	}
	wait, window, err := s.wait()
	if err != nil {
		return nil, err
	}
	arms := []engine.Arm{{Name: s.Cell.Target, Addrs: []string{s.Addr}, Connections: s.Cell.Load.Connections, TLS: cfg}}
	if s.PairedAddr != "" {
		ref := engine.Arm{Name: s.Cell.Paired, Addrs: []string{s.PairedAddr}, Connections: s.Cell.Load.Connections, TLS: cfg}
		if s.Cell.Paired == PairedBackend {
			ref.TLS = nil // a proxy's backend speaks plain TCP behind it
		}
		arms = append(arms, ref)
	}
	return engine.Run(ctx, engine.Options{
		Scenario: sc, Arms: arms, Seed: s.Seed, Pacer: pacer,
		Wait: wait, SpinWindow: window, Warmup: s.Cell.Load.Warmup, Duration: s.Cell.Load.Duration,
		Timeout: s.Cell.Load.Timeout, CPUs: s.CPUs, Start: s.T0,
		Split: engine.Whole().Part(uint64(s.Index), uint64(s.Count)),
		Every: sink.every, OnInterval: sink.take,
	})
}

// wait returns the agent's wait strategy and spin window, chosen as the
// executor chooses for a target it did not start: CPUs of the agent's
// own are CPUs the target does not run on.
func (s AgentSpec) wait() (engine.Wait, time.Duration, error) {
	e := &Executor{TargetAddr: s.Addr}
	if len(s.CPUs) > 0 {
		e.CPUs.Client = host.FormatCPUSet(s.CPUs)
	}
	spec := s.Cell
	spec.Load.Wait = s.Wait
	return e.waitFor(spec)
}

// output wraps the agent's result in its cell.
func (s AgentSpec) output(sc scenarios.Scenario, res *engine.Result, ready time.Duration, sink *intervalSink) *AgentOutput {
	e := &Executor{}
	cell := e.newCell(s.Cell)
	cell.Load.TargetAddr = s.Addr
	cell.Load.Scenario = describe(s.Cell.Scenario, sc)
	fillCell(&cell, s.share(), res, servers.Usage{})
	cell.Noise = sink.summer.Summary()
	if sink.paired != nil {
		fillPairedArm(&cell, s.share(), res, servers.Usage{}, sink.paired.blocks, s.Seed, s.PairedAddr)
	}
	if err := noneCompleted(&cell.Stats); err != nil {
		cell = failed(cell, err)
	}
	host := s.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	return &AgentOutput{
		Schema: AgentSchema, ConfigHash: ConfigHash(s.Cell), Cell: cell,
		Agent: AgentInfo{Index: s.Index, Count: s.Count, T0UnixNs: s.T0.UnixNano(), Host: host,
			ReadyBeforeNs: int64(ready), StartSkewNs: int64(res.StartSkew)},
	}
}

// share returns the cell as this agent sees it, for its own warnings:
// its share of the rate and of the connections.
func (s AgentSpec) share() CellSpec {
	spec := s.Cell
	part := engine.Whole().Part(uint64(s.Index), uint64(s.Count))
	spec.Load.Rate /= float64(s.Count)
	spec.Load.Connections = int(part.Count(uint64(spec.Load.Connections)))
	return spec
}
