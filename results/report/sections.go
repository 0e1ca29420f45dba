package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/latbench/latbench/results"
)

// environmentBlocks describe the machine and software of the run.
func environmentBlocks(run *results.Run) []block {
	e := run.Env
	kv := newTable([]string{"item", "value"}, []bool{false, false})
	add := func(k, v string) {
		if v != "" {
			kv.Rows = append(kv.Rows, []string{k, v})
		}
	}
	add("host", e.Hostname)
	cpu := e.CPUModel
	if e.CPUCount > 0 {
		cpu = fmt.Sprintf("%s (%s)", cmp.Or(cpu, "unknown"), plural(e.CPUCount, "CPU"))
	}
	add("CPU", cpu)
	add("kernel", e.Kernel)
	add("Go", e.GoVersion)
	for _, name := range slices.Sorted(maps.Keys(e.Toolchains)) {
		add(name, e.Toolchains[name])
	}
	add("git revision", e.GitRevision)
	add("client CPUs", e.ClientCPUs)
	add("target CPUs", e.TargetCPUs)
	add("backend CPUs", e.BackendCPUs)
	if !run.StartedAt.IsZero() {
		add("started", run.StartedAt.UTC().Format(time.DateTime+" MST"))
	}
	if !run.EndedAt.IsZero() && run.EndedAt.After(run.StartedAt) {
		add("ended", fmt.Sprintf("%s (%s)", run.EndedAt.UTC().Format(time.DateTime+" MST"), run.EndedAt.Sub(run.StartedAt).Round(time.Second)))
	}
	if !run.Complete {
		add("complete", "no: the run did not finish; cells may be missing")
	}
	return []block{kv}
}

// configurationBlocks describe how the run was invoked and, compactly, the
// load of its cells: one row per distinct load, with the targets that ran
// it.
func configurationBlocks(run *results.Run) []block {
	cmdline := run.Config.Command
	if len(run.Config.Args) > 0 {
		quoted := make([]string, len(run.Config.Args))
		for i, a := range run.Config.Args {
			quoted[i] = shellQuote(a)
		}
		cmdline = strings.Join(quoted, " ")
	}
	blocks := []block{&codeLine{text: "latbench " + cmdline}}
	if len(run.Config.Options) > 0 {
		var items []string
		for _, k := range slices.Sorted(maps.Keys(run.Config.Options)) {
			items = append(items, k+" = "+run.Config.Options[k])
		}
		blocks = append(blocks, &list{heading: "Options:", items: items})
	}
	blocks = append(blocks, &paragraph{text: "Load of the cells, one row per distinct load (warm-up and duration are per cell; rate \"max\" is closed loop):"}, loadTable(run.Cells))
	return blocks
}

// loadTable groups cells by their load and lists each group's targets.
func loadTable(cells []results.Cell) *table {
	t := newTable([]string{"scenario", "load", "loop", "conns", "rate rps", "arrival", "wait", "warm-up", "duration", "timeout", "options", "cpus c/t/b", "targets", "cells"}, []bool{false, false, false, true, true, false, false, true, true, true, false, false, false, true})
	type group struct {
		row     []string
		targets []string
		cells   int
	}
	var groups []*group
	index := map[string]*group{}
	for i := range cells {
		c := &cells[i]
		l := c.Load
		row := []string{
			c.Scenario, results.LoadLabel(l) + stepText(l), orDash(l.Loop), fmt.Sprint(l.Connections), rateText(l.TargetRPS),
			orDash(l.Arrival), orDash(l.Wait), l.Warmup.String(), l.Duration.String(), l.Timeout.String(),
			options(l.Scenario), strings.Join([]string{orDash(l.ClientCPUs), orDash(l.TargetCPUs), orDash(l.BackendCPUs)}, " / "),
		}
		key := strings.Join(row, "\x00")
		g, ok := index[key]
		if !ok {
			g = &group{row: row}
			index[key] = g
			groups = append(groups, g)
		}
		if label := results.TargetLabel(c); !slices.Contains(g.targets, label) {
			g.targets = append(g.targets, label)
		}
		g.cells++
	}
	for _, g := range groups {
		t.Rows = append(t.Rows, append(g.row, strings.Join(g.targets, ", "), fmt.Sprint(g.cells)))
	}
	return t
}

// warningBlocks list what the reader should not trust as it is: cells
// whose client was the bottleneck, failed cells, results that are not
// comparable, and every other warning.
func warningBlocks(run *results.Run) []block {
	var client, failed, other []string
	for i := range run.Cells {
		c := &run.Cells[i]
		if c.Status != results.StatusOK {
			failed = append(failed, fmt.Sprintf("%s (%s, %s): %s", c.ID, results.TargetLabel(c), c.Scenario, cmp.Or(oneLine(c.Failure), "no reason given")))
		}
		for _, w := range c.Warnings {
			if clientBound(w) {
				client = append(client, c.ID+": "+oneLine(w))
			} else {
				other = append(other, c.ID+": "+oneLine(w))
			}
		}
	}
	var blocks []block
	for _, l := range []*list{
		{heading: "The client may have been the bottleneck (client CPU or scheduling lag):", items: client},
		{heading: "Failed cells:", items: failed},
		{heading: "Not comparable: cells of the same scenario and load whose connections, keep-alive or payload differ:", items: incomparable(run.Cells)},
		{heading: "Other warnings:", items: other},
	} {
		if len(l.items) > 0 {
			blocks = append(blocks, l)
		}
	}
	if len(blocks) == 0 {
		blocks = append(blocks, &paragraph{text: "No warnings: every cell ran, the client kept up, and cells of one load are comparable."})
	}
	return blocks
}

// clientBound reports whether a warning says the client, not the target,
// may have limited the cell: it mentions client CPU or (scheduling) lag.
func clientBound(warning string) bool {
	w := strings.ToLower(warning)
	if strings.Contains(w, "client cpu") {
		return true
	}
	return slices.Contains(strings.FieldsFunc(w, func(r rune) bool {
		return !(r >= 'a' && r <= 'z')
	}), "lag")
}

// comparedKeys are the load settings that must match for cells of one
// load to be compared, with the words that name them.
func comparedKeys() []struct{ key, what string } {
	return []struct{ key, what string }{
		{key: "size", what: "payload"},
		{key: "keepalive", what: "keep-alive"},
		{key: "reconnect_every", what: "keep-alive (reconnect every)"},
	}
}

// incomparable describes each group of cells (same scenario, load name
// and step) whose connections, keep-alive policy or payload differ,
// naming the cells with each value.
func incomparable(cells []results.Cell) []string {
	type groupKey struct {
		scenario, load string
		step           int
	}
	var keys []groupKey
	groups := map[groupKey][]*results.Cell{}
	for i := range cells {
		c := &cells[i]
		k := groupKey{c.Scenario, results.LoadLabel(c.Load), c.Load.Step}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], c)
	}
	var out []string
	for _, k := range keys {
		var diffs []string
		settings := []struct {
			what  string
			value func(*results.Cell) string
		}{{what: "connections", value: func(c *results.Cell) string { return fmt.Sprint(c.Load.Connections) }}}
		for _, ck := range comparedKeys() {
			settings = append(settings, struct {
				what  string
				value func(*results.Cell) string
			}{what: ck.what, value: func(c *results.Cell) string { return orDash(c.Load.Scenario[ck.key]) }})
		}
		for _, s := range settings {
			if d := differing(groups[k], s.value); d != "" {
				diffs = append(diffs, s.what+" differ ("+d+")")
			}
		}
		if len(diffs) > 0 {
			out = append(out, fmt.Sprintf("scenario %s, load %s: %s", k.scenario, k.load, strings.Join(diffs, "; ")))
		}
	}
	return out
}

// differing returns "" when value is the same for every cell, else each
// value with the cells that have it: "100: go-http-max, rust-http-max; 50:
// java-http-max".
func differing(cells []*results.Cell, value func(*results.Cell) string) string {
	var values []string
	byValue := map[string][]string{}
	for _, c := range cells {
		v := value(c)
		if _, ok := byValue[v]; !ok {
			values = append(values, v)
		}
		byValue[v] = append(byValue[v], c.ID)
	}
	if len(values) < 2 {
		return ""
	}
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = v + ": " + strings.Join(byValue[v], ", ")
	}
	return strings.Join(parts, "; ")
}
