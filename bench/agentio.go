package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/latbench/latbench/results"
)

// An agent's output is an HdrHistogram interval log, aligned to T0 and
// tagged with the agent, whose one comment line starting with
// AgentMarker holds the whole AgentOutput as JSON: it can go to a file or
// to stdout (a pod's log), and HdrHistogram's tools read it as a log.

// AgentMarker starts the line of an agent's output that holds its JSON.
const AgentMarker = "#latbench-agent "

// AgentFileName returns the file an agent writes into a folder.
func AgentFileName(index int) string { return fmt.Sprintf("agent-%d.hlog", index) }

// WriteStream writes the output as an interval log with the JSON line:
// what RunAgent streams as it goes, from an output held in memory.
func (o *AgentOutput) WriteStream(w io.Writer) error {
	spec := AgentSpec{Index: o.Agent.Index, Count: o.Agent.Count, T0: time.Unix(0, o.Agent.T0UnixNs)}
	spec.Cell.ID, spec.Cell.Load.Warmup = o.Cell.ID, o.Cell.Load.Warmup
	log, err := results.NewIntervalLog(w, spec.logHeader())
	if err != nil {
		return err
	}
	ivs := o.Cell.Intervals
	if o.Cell.Paired != nil {
		for _, iv := range o.Cell.Paired.Reference.Intervals {
			iv.Arm = 1
			ivs = append(ivs[:len(ivs):len(ivs)], iv)
		}
	}
	for _, iv := range ivs {
		if err := log.Add(iv); err != nil {
			return err
		}
	}
	return o.writeCellLine(w)
}

// writeCellLine writes the line that holds the agent's cell as JSON.
func (o *AgentOutput) writeCellLine(w io.Writer) error {
	doc, err := json.Marshal(o)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s%s\n", AgentMarker, doc)
	return err
}

// WriteDir writes the output into dir as AgentFileName(index).
func (o *AgentOutput) WriteDir(dir string) error {
	var buf bytes.Buffer
	if err := o.WriteStream(&buf); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return results.WriteFileAtomic(filepath.Join(dir, AgentFileName(o.Agent.Index)), buf.Bytes())
}

// ParseAgentStream reads an agent's output from r: an interval log, or
// any text (a pod's log) holding the agent's JSON line, with the
// intervals before it.
func ParseAgentStream(r io.Reader) (*AgentOutput, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	line, logText, found := cutAgentLine(string(data))
	if !found {
		return nil, errors.New("no agent output in it (no line starting with " + strings.TrimSpace(AgentMarker) + ")")
	}
	var o AgentOutput
	if err := json.Unmarshal([]byte(line), &o); err != nil {
		return nil, fmt.Errorf("agent output: %w", err)
	}
	if o.Schema != AgentSchema {
		return nil, fmt.Errorf("agent output of schema %d; this latbench reads %d", o.Schema, AgentSchema)
	}
	ivs, err := results.ReadIntervalLog(strings.NewReader(logText))
	if err != nil {
		return nil, fmt.Errorf("agent output's intervals: %w", err)
	}
	if err := o.takeIntervals(ivs); err != nil {
		return nil, err
	}
	return &o, nil
}

// takeIntervals puts each arm's intervals in its place: arm 0's in the
// cell, arm 1's in its paired reference.
func (o *AgentOutput) takeIntervals(ivs []results.Interval) error {
	o.Cell.Intervals = nil
	for _, iv := range ivs {
		switch {
		case iv.Arm == 0:
			o.Cell.Intervals = append(o.Cell.Intervals, iv)
		case o.Cell.Paired == nil:
			return fmt.Errorf("agent output: an interval of arm %d in a cell that is not paired", iv.Arm)
		default:
			iv.Arm = 0
			o.Cell.Paired.Reference.Intervals = append(o.Cell.Paired.Reference.Intervals, iv)
		}
	}
	return nil
}

// cutAgentLine finds the agent's JSON line in text and returns its JSON,
// and the interval log before it. A pod's log mixes the agent's stdout
// with its stderr, so only the log's own lines are kept: comments, the
// legend and the interval lines, which an agent always tags.
func cutAgentLine(text string) (doc, logText string, found bool) {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, AgentMarker); i >= 0 {
			return line[i+len(AgentMarker):], b.String(), true
		}
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, `"`) || strings.HasPrefix(line, "Tag=") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return "", "", false
}

// LogTail returns the last k lines of an agent's log (its stderr, or a
// pod's log) that say something about it, joined with sep: without its
// interval log and its output line. none when there is no such line.
func LogTail(log string, k int, sep, none string) string {
	var lines []string
	for _, line := range strings.Split(log, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.Contains(line, AgentMarker) || strings.HasPrefix(line, "#") ||
			strings.HasPrefix(line, `"`) || strings.HasPrefix(line, "Tag=") {
			continue
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return none
	}
	return strings.Join(lines[max(0, len(lines)-k):], sep)
}

// ReadAgentOutputs reads every agent output in the given files and
// folders (a folder: its *.hlog and *.log files).
func ReadAgentOutputs(paths []string) ([]*AgentOutput, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		for _, pattern := range []string{"*.hlog", "*.log"} {
			found, _ := filepath.Glob(filepath.Join(p, pattern))
			files = append(files, found...)
		}
	}
	var outs []*AgentOutput
	for _, f := range files {
		o, err := readAgentFile(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		outs = append(outs, o)
	}
	if len(outs) == 0 {
		return nil, fmt.Errorf("no agent outputs in %s", strings.Join(paths, ", "))
	}
	return outs, nil
}

// readAgentFile reads one agent output file.
func readAgentFile(path string) (*AgentOutput, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseAgentStream(f)
}

// MergeAgents adds the agents' cells into one, exactly, and lists each
// agent's own figures beside the total. It refuses outputs that are not
// one cell (another configuration, T0 or agent count), outputs that lost
// values, and an incomplete set: every index from 0 to N-1 once.
func MergeAgents(outs []*AgentOutput) (results.Cell, error) {
	if err := checkAgents(outs); err != nil {
		return results.Cell{}, err
	}
	slices.SortFunc(outs, func(a, b *AgentOutput) int { return a.Agent.Index - b.Agent.Index })
	cells := make([]results.Cell, len(outs))
	for i, o := range outs {
		cells[i] = o.Cell
		cells[i].Warnings = nil
		for _, w := range o.Cell.Warnings {
			cells[i].Warnings = append(cells[i].Warnings, fmt.Sprintf("agent %d (%s): %s", o.Agent.Index, o.Agent.Host, w))
		}
	}
	merged, err := results.MergeCells(cells)
	if err != nil {
		return results.Cell{}, err
	}
	for _, o := range outs {
		merged.Agents = append(merged.Agents, agentStats(o))
	}
	merged.Warnings = append(merged.Warnings, skewWarnings(merged.Agents)...)
	return merged, nil
}

// checkAgents checks that the outputs are the agents of one cell, all of
// them, each once.
func checkAgents(outs []*AgentOutput) error {
	if len(outs) == 0 {
		return errors.New("no agent outputs to merge")
	}
	first := outs[0]
	seen := map[int]bool{}
	for _, o := range outs {
		switch {
		case o.ConfigHash != first.ConfigHash:
			return fmt.Errorf("agent %d ran another configuration (%s) than agent %d (%s): not one cell", o.Agent.Index, o.ConfigHash, first.Agent.Index, first.ConfigHash)
		case o.Agent.T0UnixNs != first.Agent.T0UnixNs:
			return fmt.Errorf("agent %d started at another T0 than agent %d: not one run", o.Agent.Index, first.Agent.Index)
		case o.Agent.Count != first.Agent.Count:
			return fmt.Errorf("agent %d was one of %d, agent %d one of %d: not one run", o.Agent.Index, o.Agent.Count, first.Agent.Index, first.Agent.Count)
		case seen[o.Agent.Index]:
			return fmt.Errorf("agent %d is there twice", o.Agent.Index)
		}
		seen[o.Agent.Index] = true
	}
	var missing []string
	for i := range first.Agent.Count {
		if !seen[i] {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("agents %s of %d are missing: their share of the schedule was not measured; find their outputs, or run again",
			strings.Join(missing, ", "), first.Agent.Count)
	}
	return nil
}

// agentStats returns one agent's own figures.
func agentStats(o *AgentOutput) results.AgentStats {
	st := o.Cell.Stats
	return results.AgentStats{Index: o.Agent.Index, Host: o.Agent.Host, Requests: st.Requests, Errors: st.ErrorsTotal,
		AchievedRPS: st.AchievedRPS, LatencyP50: st.Latency.P50, LatencyP99: st.Latency.P99,
		StartSkew: time.Duration(o.Agent.StartSkewNs), ReadyBefore: time.Duration(o.Agent.ReadyBeforeNs)}
}

// maxStartSkew is how late an agent may start before the merged cell
// warns: its first requests then queued behind a late start.
const maxStartSkew = 10 * time.Millisecond

// skewWarnings names the agents that started visibly late.
func skewWarnings(agents []results.AgentStats) []string {
	var w []string
	for _, a := range agents {
		if a.StartSkew > maxStartSkew {
			w = append(w, fmt.Sprintf("agent %d (%s) sent its first request %v after it was due: it started late, or its clock is off", a.Index, a.Host, a.StartSkew))
		}
	}
	return w
}
