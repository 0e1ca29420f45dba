package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
)

// significanceLevel is the p-value below which a Mann-Whitney test calls
// a change significant.
const significanceLevel = 0.05

// Comparison is the change from run A to run B, per matching cell.
type Comparison struct {
	Rows []CompareRow
	// Refused lists cells that match by name but not by configuration,
	// each with the differences.
	Refused []string
	// OnlyA and OnlyB list cells without a counterpart.
	OnlyA, OnlyB []string
}

// CompareRow is the change of one figure of one cell.
type CompareRow struct {
	Cell   string // target, scenario and load, for humans
	Metric string // p50, p90, p99, p99.9 (latency, µs) or rps
	A, B   Estimate
	// ChangePct is (B - A) / A in percent; for a Difference row, the
	// change of the difference itself, B − A, in ns.
	ChangePct float64
	// Difference marks the row of a paired cell's difference (target
	// minus its reference), whose change is in µs, not percent.
	Difference bool `json:"difference,omitempty"`
	// Significant is set when the rounds show the change is real: the
	// 95% confidence intervals do not overlap, or a Mann-Whitney test
	// gives p < 0.05. Without rounds it is never set.
	Significant bool
	// Test says how significance was judged.
	Test string
}

// figureNames are the figures compared, in row order: latency
// percentiles (ns) and the achieved rate.
func figureNames() []string { return []string{"p50", "p90", "p99", "p99.9", "rps"} }

// figureValue returns how to read the named figure from a cell.
func figureValue(name string) func(*Cell) float64 {
	lat := func(pick func(Summary) int64) func(*Cell) float64 {
		return func(c *Cell) float64 { return float64(pick(c.Stats.Latency)) }
	}
	switch name {
	case "p50":
		return lat(func(s Summary) int64 { return s.P50 })
	case "p90":
		return lat(func(s Summary) int64 { return s.P90 })
	case "p99":
		return lat(func(s Summary) int64 { return s.P99 })
	case "p99.9":
		return lat(func(s Summary) int64 { return s.P999 })
	}
	return func(c *Cell) float64 { return c.Stats.AchievedRPS }
}

// Compare matches the cells of a and b by target, scenario and load, and
// reports the change of each figure. Cells that match but whose
// configuration differs are refused with the reason.
func Compare(a, b *Run) Comparison {
	var cmp Comparison
	ga, gb := groupsByIdentity(a), groupsByIdentity(b)
	for _, id := range sortedKeys(ga) {
		x, ok := gb[id]
		if !ok {
			cmp.OnlyA = append(cmp.OnlyA, id)
			continue
		}
		y := ga[id]
		if diff := configDiff(y.First, x.First); diff != "" {
			cmp.Refused = append(cmp.Refused, id+": "+diff)
			continue
		}
		if len(y.Cells) == 0 || len(x.Cells) == 0 {
			cmp.Refused = append(cmp.Refused, id+": no successful cell in one of the runs")
			continue
		}
		for _, name := range figureNames() {
			cmp.Rows = append(cmp.Rows, compareRow(id, name, y, x, figureValue(name)))
		}
		cmp.Rows = append(cmp.Rows, pairedRows(id, y, x)...)
	}
	for _, id := range sortedKeys(gb) {
		if _, ok := ga[id]; !ok {
			cmp.OnlyB = append(cmp.OnlyB, id)
		}
	}
	return cmp
}

// compareRow compares one figure of two groups.
func compareRow(id, metric string, a, b Group, value func(*Cell) float64) CompareRow {
	va, vb := values(a, value), values(b, value)
	r := CompareRow{Cell: id, Metric: metric, A: EstimateMedian(va), B: EstimateMedian(vb)}
	if r.A.Median != 0 {
		r.ChangePct = 100 * (r.B.Median - r.A.Median) / r.A.Median
	}
	if len(va) < 2 || len(vb) < 2 {
		r.Test = "one round: not tested (use --rounds)"
		return r
	}
	p := MannWhitney(va, vb)
	apart := r.A.High < r.B.Low || r.B.High < r.A.Low
	r.Significant = apart || p < significanceLevel
	overlap := "overlap"
	if apart {
		overlap = "apart"
	}
	r.Test = fmt.Sprintf("Mann-Whitney p=%.3g, CIs %s", p, overlap)
	return r
}

// values returns the figure of every successful cell of g.
func values(g Group, value func(*Cell) float64) []float64 {
	vs := make([]float64, len(g.Cells))
	for i, c := range g.Cells {
		vs[i] = value(c)
	}
	return vs
}

// groupsByIdentity groups a run's cells over rounds, keyed by identity;
// a second configuration with the same identity in one run gets " #2".
func groupsByIdentity(r *Run) map[string]Group {
	byID := map[string]Group{}
	for _, g := range GroupRounds(r.Cells) {
		id := identity(g.First)
		for n := 2; ; n++ {
			if _, dup := byID[id]; !dup {
				break
			}
			id = fmt.Sprintf("%s #%d", identity(g.First), n)
		}
		byID[id] = g
	}
	return byID
}

// identity names what a cell measured, without how: target, scenario and
// load. Cells of two runs with the same identity are compared.
func identity(c *Cell) string {
	rate := "max"
	if c.Load.TargetRPS > 0 {
		rate = fmt.Sprintf("%grps", c.Load.TargetRPS)
	}
	parts := []string{c.Target, c.Scenario}
	if c.Baseline {
		parts = append(parts, "baseline")
	}
	if c.Paired != nil {
		parts = append(parts, "vs", c.Paired.Reference.Target)
	}
	if c.Load.Name != "" {
		parts = append(parts, c.Load.Name)
	}
	if c.Load.Step > 0 {
		parts = append(parts, fmt.Sprintf("step %d", c.Load.Step))
	}
	return strings.Join(append(parts, rate), " ")
}

// configDiff names the configuration differences that make two cells not
// comparable, or returns "".
func configDiff(a, b *Cell) string {
	var diffs []string
	add := func(name string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			diffs = append(diffs, fmt.Sprintf("%s %v vs %v", name, x, y))
		}
	}
	la, lb := a.Load, b.Load
	add("loop", la.Loop, lb.Loop)
	add("connections", la.Connections, lb.Connections)
	add("backend", a.Backend, b.Backend)
	add("arrival", la.Arrival, lb.Arrival)
	add("duration", la.Duration, lb.Duration)
	add("timeout", la.Timeout, lb.Timeout)
	add("client cpus", la.ClientCPUs, lb.ClientCPUs)
	add("target cpus", la.TargetCPUs, lb.TargetCPUs)
	for _, k := range sortedKeys(mergeKeys(la.Scenario, lb.Scenario)) {
		add(k, la.Scenario[k], lb.Scenario[k])
	}
	return strings.Join(diffs, "; ")
}

// mergeKeys returns a map with the keys of both maps.
func mergeKeys(a, b map[string]string) map[string]bool {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// fmtChange formats a compare row's change for a table.
func fmtChange(r CompareRow) string {
	if math.IsNaN(r.ChangePct) || math.IsInf(r.ChangePct, 0) {
		return noValue
	}
	if r.Difference {
		return signedMicros(r.ChangePct/nsPerMicro) + " µs"
	}
	return fmt.Sprintf("%+.1f%%", r.ChangePct)
}

// RenderComparison writes cmp in format: table, markdown, csv or json.
func RenderComparison(w io.Writer, cmp Comparison, format string) error {
	t := Table{Title: "Change from A to B (latency in µs, median [95% CI] over rounds)",
		Columns: columns("cell", "figure", "#A", "#B", "#change", "significant", "test")}
	for _, r := range cmp.Rows {
		significant := "no"
		if r.Significant {
			significant = "yes"
		}
		a, b := fmtEstimate(r.Metric, r.A), fmtEstimate(r.Metric, r.B)
		if r.Difference {
			a, b = fmtDiffEstimate(r.A), fmtDiffEstimate(r.B)
		}
		t.Rows = append(t.Rows, []string{r.Cell, r.Metric, a, b, fmtChange(r), significant, r.Test})
	}
	var b bytes.Buffer
	var err error
	switch format {
	case FormatJSON:
		var out []byte
		out, err = json.MarshalIndent(cmp, "", "  ")
		b.Write(append(out, '\n'))
	case FormatCSV:
		err = t.WriteCSV(&b)
	case FormatTable, FormatMarkdown:
		err = compareText(&b, cmp, t, format == FormatMarkdown)
	default:
		err = fmt.Errorf("unknown format %q (valid: %s)", format, strings.Join(Formats(), ", "))
	}
	if err != nil {
		return fmt.Errorf("render comparison: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

// compareText writes the comparison table and the refused and unmatched
// cells.
func compareText(b *bytes.Buffer, cmp Comparison, t Table, markdown bool) error {
	if len(t.Rows) > 0 {
		write := t.WriteText
		if markdown {
			write = t.WriteMarkdown
		}
		if err := write(b); err != nil {
			return err
		}
	}
	writeList(b, "Refused (configuration differs)", cmp.Refused, markdown)
	writeList(b, "Only in A", cmp.OnlyA, markdown)
	writeList(b, "Only in B", cmp.OnlyB, markdown)
	return nil
}

// fmtEstimate formats an estimate of a figure, with its interval only
// when there are rounds.
func fmtEstimate(figure string, e Estimate) string {
	if e.N < 2 {
		return fmtFigure(figure, e.Median)
	}
	return fmtInterval(figure, e)
}

// fmtInterval formats an estimate of a figure as "median [low–high]":
// µs for latencies, rps for the rate.
func fmtInterval(figure string, e Estimate) string {
	return fmt.Sprintf("%s [%s–%s]", fmtFigure(figure, e.Median), fmtFigure(figure, e.Low), fmtFigure(figure, e.High))
}

// fmtFigure formats one value of a figure.
func fmtFigure(figure string, v float64) string {
	if figure == "rps" {
		return fmtRate(v)
	}
	return fmtMicros(v)
}
