package launch

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/latbench/latbench/bench"
)

// readOutputs reads the outputs the agents of a launch wrote into dir and
// checks that each of the n wrote one; hint says what to check when some
// are missing.
func readOutputs(dir string, n int, hint string) ([]*bench.AgentOutput, error) {
	var outs []*bench.AgentOutput
	if found, _ := filepath.Glob(filepath.Join(dir, "*.hlog")); len(found) > 0 {
		var err error
		if outs, err = bench.ReadAgentOutputs([]string{dir}); err != nil {
			return nil, fmt.Errorf("its outputs do not read: %w", err)
		}
	}
	seen := make([]bool, n)
	for _, o := range outs {
		if o.Agent.Count != n || o.Agent.Index < 0 || o.Agent.Index >= n {
			return nil, fmt.Errorf("an output in %s is agent %d of %d, not one of the step's %d", dir, o.Agent.Index, o.Agent.Count, n)
		}
		seen[o.Agent.Index] = true
	}
	var missing []string
	for i, ok := range seen {
		if !ok {
			missing = append(missing, strconv.Itoa(i))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("agents %s of %d wrote no output into %s: %s", strings.Join(missing, ", "), n, dir, hint)
	}
	slices.SortFunc(outs, func(a, b *bench.AgentOutput) int { return a.Agent.Index - b.Agent.Index })
	return outs, nil
}
