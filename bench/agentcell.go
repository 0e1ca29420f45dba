package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios/catalog"
	"github.com/latbench/latbench/scenarios/suite"
	"github.com/latbench/latbench/servers"
	"gopkg.in/yaml.v3"
)

// AgentLauncher starts the agents of one cell on an engine that already
// exists (processes here, Kubernetes, Slurm), hands them T0 through that
// engine, and returns their outputs.
type AgentLauncher interface {
	Run(ctx context.Context, job AgentJob) ([]*AgentOutput, error)
}

// AgentJob is one cell's work for its agents.
type AgentJob struct {
	// CellYAML is a suite file holding the one cell CellID (SuiteYAML).
	CellYAML []byte
	CellID   string
	// Agents is how many agents share the cell's schedule.
	Agents int
	// Addr is the target's address; PairedAddr, for a paired cell, its
	// reference arm's.
	Addr, PairedAddr string
	// Seed draws the order of a paired cell's arms and Poisson arrivals:
	// every agent gets the same, so that they split one sequence.
	Seed uint64
	// TLS are the agents' client TLS settings for a cell that speaks TLS;
	// its CAFile must be at the same path where the agents run.
	TLS TLSOptions
}

// AgentArgs returns the flags of `latbench-agent run` that say where the
// job's agents send their load, and with which seed.
func (j AgentJob) AgentArgs() []string {
	args := []string{"--target-addr", j.Addr, "--seed", strconv.FormatUint(j.Seed, 10)}
	if j.PairedAddr != "" {
		args = append(args, "--paired-addr", j.PairedAddr)
	}
	if j.TLS.CAFile != "" {
		args = append(args, "--tls-ca", j.TLS.CAFile)
	}
	if j.TLS.Insecure {
		args = append(args, "--tls-insecure")
	}
	if j.TLS.Resume {
		args = append(args, "--tls-resume")
	}
	return args
}

// TargetHoster is an AgentLauncher whose agents reach a started target on
// an address of their own network (local agents in namespaces): the
// target must listen there.
type TargetHoster interface {
	TargetHost() string
}

// SuiteYAML writes the cell as a suite file of one cell, the format
// agents read, with the suite reader's own codec: the same scenario and
// load, so that PlanSuite of it gives back spec's configuration
// (ConfigHash).
func SuiteYAML(spec CellSpec) ([]byte, error) {
	l := spec.Load
	s := suite.Suite{
		Name:    spec.ID,
		Targets: []string{spec.Target},
		Defaults: suite.Load{Warmup: suite.Duration(l.Warmup), Duration: suite.Duration(l.Duration),
			Connections: l.Connections, Timeout: suite.Duration(l.Timeout), Arrival: firstString(l.Arrival, "uniform"), Wait: l.Wait},
		Scenarios: []suite.Scenario{scenarioEntry(spec.Scenario)},
		Loads:     []suite.Load{{Name: l.Name, Rate: suite.Rate{PerSecond: l.Rate, Set: true}}},
	}
	if spec.Paired != "" { // the agents measure both arms; a proxy's backend is the reference's name
		e := &s.Scenarios[0]
		e.Paired, e.Proxy = spec.Paired, spec.Proxy
		if spec.Backend != "" {
			e.Backend = suite.Names{spec.Backend}
		}
	}
	b, err := yaml.Marshal(&s)
	if err != nil {
		return nil, fmt.Errorf("the agents' cell file: %w", err)
	}
	return append([]byte("# one cell of a latbench run, for its agents\n"), b...), nil
}

// scenarioEntry is the suite entry of a scenario spec.
func scenarioEntry(sc catalog.Spec) suite.Scenario {
	e := suite.Scenario{Name: sc.Name, Size: sc.Size, Path: sc.Path, ReconnectEvery: sc.ReconnectEvery,
		Protocol: sc.Protocol, Mix: sc.Mix, TLS: sc.TLS, Streams: sc.Streams, GRPCMethod: sc.GRPCMethod}
	if sc.NoKeepAlive {
		off := false
		e.KeepAlive = &off
	}
	return e
}

// AgentCell plans a suite file's text as an agent does and returns its
// cell id, or its only cell when id is "". source names the file in
// errors. A file without that cell gives a *CellNotFoundError.
func AgentCell(source string, yaml []byte, id string) (CellSpec, error) {
	s, err := suite.Parse(source, "cell", yaml)
	if err != nil {
		return CellSpec{}, err
	}
	if err := CheckSuite(s); err != nil {
		return CellSpec{}, err
	}
	plan := PlanSuite(s, nil)
	var ids []string
	for _, c := range plan.Cells {
		if c.ID == id || (id == "" && len(plan.Cells) == 1) {
			return c, nil
		}
		ids = append(ids, c.ID)
	}
	return CellSpec{}, &CellNotFoundError{ID: id, Cells: ids}
}

// CellNotFoundError says that a suite file lacks the cell ID, or, with
// no ID, holds other than one cell.
type CellNotFoundError struct {
	ID    string
	Cells []string // the file's cells
}

func (e *CellNotFoundError) Error() string {
	switch {
	case len(e.Cells) == 0:
		return "no cell in it"
	case e.ID == "":
		return fmt.Sprintf("it holds %d cells; name one: %s", len(e.Cells), strings.Join(e.Cells, ", "))
	}
	return fmt.Sprintf("no cell %q in it; its cells: %s", e.ID, strings.Join(e.Cells, ", "))
}

// measureWithAgents measures a cell with Agents agents through the
// launcher, against the started target, and returns the merged cell.
// The target's CPU and memory are sampled over the agents' whole run;
// its CPU share is of the warm-up and the window.
func (e *Executor) measureWithAgents(ctx context.Context, spec CellSpec, t *cellTargets) (results.Cell, servers.Usage, error) {
	cellYAML, err := SuiteYAML(spec)
	if err != nil {
		return results.Cell{}, servers.Usage{}, err
	}
	cell, err := AgentCell("cell.yaml", cellYAML, "")
	if err != nil {
		return results.Cell{}, servers.Usage{}, fmt.Errorf("the agents' cell: %w", err)
	}
	sampler := t.target.StartSampling(sampleEvery)
	job := AgentJob{CellYAML: cellYAML, CellID: cell.ID, Agents: e.Agents, Addr: t.target.Addr(), Seed: e.Seed, TLS: e.TLS}
	if spec.Scenario.TLS && e.ca != nil && job.TLS.CAFile == "" {
		job.TLS.CAFile = e.ca.CertFile // the run's: the agents trust the targets latbench started
	}
	if spec.Paired != "" {
		job.PairedAddr = t.referenceAddrs()[0]
	}
	outs, err := e.Launcher.Run(ctx, job)
	usage := sampler.Stop()
	if loaded := spec.Load.Warmup + spec.Load.Duration; loaded > 0 {
		// The target idles while the agents start and wait for T0: its
		// CPU share is over the span it carried load, warm-up included.
		usage.CPUPercent = 100 * usage.CPUSeconds / loaded.Seconds()
	}
	if err != nil {
		return results.Cell{}, usage, err
	}
	merged, err := MergeAgents(outs)
	return merged, usage, err
}

// adoptMerged puts a merged cell's measurements into cell, which keeps
// its identity and configuration.
func adoptMerged(cell *results.Cell, merged results.Cell, usage servers.Usage) {
	cell.Stats, cell.Histograms, cell.Intervals, cell.Classes = merged.Stats, merged.Histograms, merged.Intervals, merged.Classes
	cell.Paired, cell.Noise = merged.Paired, merged.Noise
	cell.Agents, cell.Warnings = merged.Agents, append(cell.Warnings, merged.Warnings...)
	cell.Load.Loop, cell.Load.Wait, cell.Load.Loops = merged.Load.Loop, merged.Load.Wait, merged.Load.Loops
	cell.Stats.ServerCPUPct, cell.Stats.ServerPeakRSS = usage.CPUPercent, usage.PeakRSSBytes
	if merged.Status != results.StatusOK {
		cell.Status, cell.Failure = merged.Status, merged.Failure
	}
}

// finishWithAgents measures a cell whose targets are running with the
// agents, stops the targets and returns the cell.
func (e *Executor) finishWithAgents(ctx context.Context, spec CellSpec, cell results.Cell, t *cellTargets) results.Cell {
	merged, usage, err := e.measureWithAgents(ctx, spec, t)
	cell.Warnings = append(cell.Warnings, t.stop(e.StopGrace)...)
	if err != nil {
		if ctx.Err() != nil {
			err = ErrInterrupted
		}
		return failed(cell, err)
	}
	adoptMerged(&cell, merged, usage)
	if err := e.writeIntervals(&cell); err != nil {
		cell.Warnings = append(cell.Warnings, "interval log not saved: "+err.Error())
	}
	if cell.Status != results.StatusOK {
		return cell
	}
	if err := noneCompleted(&cell.Stats); err != nil {
		return failed(cell, err)
	}
	return cell
}

// writeIntervals writes a merged cell's intervals to its interval log,
// and a paired cell's reference arm's to its own, as a cell measured here
// streams them, and drops them from memory.
func (e *Executor) writeIntervals(cell *results.Cell) error {
	err := e.writeLog(results.IntervalLogName(cell.ID), "latbench cell "+cell.ID, &cell.Intervals)
	if cell.Paired != nil {
		err = errors.Join(err, e.writeLog(results.PairedLogName(cell.ID),
			"latbench cell "+cell.ID+", paired arm "+cell.Paired.Reference.Target, &cell.Paired.Reference.Intervals))
	}
	return err
}

// writeLog writes intervals to the interval log name and empties them.
func (e *Executor) writeLog(name, comment string, ivs *[]results.Interval) error {
	all := *ivs
	*ivs = nil
	if e.IntervalLog == nil || len(all) == 0 {
		return nil
	}
	file, err := e.IntervalLog(name)
	if err != nil {
		return err
	}
	log, err := results.NewIntervalLog(file, results.IntervalLogHeader{Comment: comment + ": latency from due time, ns"})
	for i := 0; err == nil && i < len(all); i++ {
		err = log.Add(all[i])
	}
	return closeLog(file, err)
}

// withAgents reports whether cells are measured by agents.
func (e *Executor) withAgents() bool { return e.Launcher != nil && e.Agents >= 1 }
