package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/scenarios/suite"
	"github.com/latbench/latbench/servers"
)

// AgentLauncher starts the agents of one cell on an engine that already
// exists (processes here, Kubernetes, Slurm), hands them T0 through that
// engine, and returns their outputs. cellYAML is a suite file holding the
// one cell cellID (SuiteYAML).
type AgentLauncher interface {
	Run(ctx context.Context, cellYAML []byte, cellID string, n int, targetAddr string) ([]*AgentOutput, error)
}

// TargetHoster is an AgentLauncher whose agents reach a launched target on
// an address of their own network (local agents in namespaces): the
// target must listen there.
type TargetHoster interface {
	TargetHost() string
}

// SuiteYAML writes the cell as a suite file of one cell, the format
// agents read: the same scenario and load, so that PlanSuite of it gives
// back spec's configuration (ConfigHash).
func SuiteYAML(spec CellSpec) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# one cell of a latbench run, for its agents\nname: %s\ntargets: [%s]\n", quote(spec.ID), quote(spec.Target))
	l := spec.Load
	fmt.Fprintf(&b, "defaults:\n  warmup: %s\n  duration: %s\n  connections: %d\n  timeout: %s\n  arrival: %s\n",
		l.Warmup, l.Duration, l.Connections, l.Timeout, quote(firstString(l.Arrival, "uniform")))
	if l.Wait != "" {
		fmt.Fprintf(&b, "  wait: %s\n", quote(l.Wait))
	}
	b.WriteString("scenarios:\n")
	writeScenarioYAML(&b, spec)
	rate := "max"
	if l.Rate > 0 {
		rate = strconv.FormatFloat(l.Rate, 'f', -1, 64)
	}
	fmt.Fprintf(&b, "loads:\n  - rate: %s\n", rate)
	if l.Name != "" {
		fmt.Fprintf(&b, "    name: %s\n", quote(l.Name))
	}
	return []byte(b.String())
}

// writeScenarioYAML writes the cell's scenario entry.
func writeScenarioYAML(b *strings.Builder, spec CellSpec) {
	sc := spec.Scenario
	fmt.Fprintf(b, "  - scenario: %s\n", sc.Name)
	field := func(key, value string) { fmt.Fprintf(b, "    %s: %s\n", key, value) }
	if sc.Size != 0 {
		field("size", strconv.Itoa(sc.Size))
	}
	if sc.Path != "" {
		field("path", quote(sc.Path))
	}
	if sc.NoKeepAlive {
		field("keepalive", "false")
	}
	if sc.ReconnectEvery != 0 {
		field("reconnect_every", strconv.Itoa(sc.ReconnectEvery))
	}
	if sc.Protocol != "" {
		field("protocol", sc.Protocol)
	}
	if sc.Mix != "" {
		field("mix", quote(sc.Mix))
	}
}

// quote writes s as a YAML double-quoted string.
func quote(s string) string { return strconv.Quote(s) }

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
// launcher, against the launched target, and returns the merged cell.
// The target's CPU and memory are sampled over the agents' whole run;
// its CPU share is of the warm-up and the window.
func (e *Executor) measureWithAgents(ctx context.Context, spec CellSpec, t *cellTargets) (results.Cell, servers.Usage, error) {
	yaml := SuiteYAML(spec)
	cell, err := AgentCell("cell.yaml", yaml, "")
	if err != nil {
		return results.Cell{}, servers.Usage{}, fmt.Errorf("the agents' cell: %w", err)
	}
	sampler := t.target.StartSampling(sampleEvery)
	outs, err := e.Launcher.Run(ctx, yaml, cell.ID, e.Agents, t.target.Addr())
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
	if cell.Status != results.StatusOK {
		return cell
	}
	if err := noneCompleted(&cell.Stats); err != nil {
		return failed(cell, err)
	}
	return cell
}

// withAgents reports whether cells are measured by agents.
func (e *Executor) withAgents() bool { return e.Launcher != nil && e.Agents >= 1 }
