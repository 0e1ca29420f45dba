package results

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Output formats accepted by RenderTable.
const (
	FormatTable    = "table"
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
	FormatCSV      = "csv"
)

// Formats returns the output formats RenderTable accepts.
func Formats() []string {
	return []string{FormatTable, FormatMarkdown, FormatJSON, FormatCSV}
}

// LatencyNote explains what the latency columns measure.
const LatencyNote = "Latency is measured from each request's due time (open loop, so stalls count); " +
	`rows marked "closed" are closed-loop and report service time.`

// RenderTable writes a summary of run to w in the given format: "table"
// (box-drawn text), "markdown" or "json". Text formats print a latency
// table and a cost table, then failures and warnings, one line per item
// prefixed by the cell ID. RenderTable only reads run.
func RenderTable(w io.Writer, run *Run, format string) error {
	if run == nil {
		return errors.New("render: nil run")
	}
	var (
		out []byte
		err error
	)
	switch format {
	case FormatTable:
		out, err = renderText(run, false)
	case FormatMarkdown:
		out, err = renderText(run, true)
	case FormatJSON:
		out, err = renderJSON(run)
	case FormatCSV:
		out, err = renderCSV(run)
	default:
		return fmt.Errorf("render: unknown format %q (valid: %s)", format, strings.Join(Formats(), ", "))
	}
	if err != nil {
		return fmt.Errorf("render %s: %w", format, err)
	}
	_, err = w.Write(out)
	return err
}

// renderText renders the run line, the tables and the notes under them,
// as text or Markdown.
func renderText(run *Run, markdown bool) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(RunLine(run) + "\n\n")
	for _, t := range Tables(run, markdown) {
		write := t.WriteText
		if markdown {
			write = t.WriteMarkdown
		}
		if err := write(&b); err != nil {
			return nil, err
		}
	}
	writeNotes(&b, run.Cells, markdown)
	return b.Bytes(), nil
}

// Tables returns the tables of a run's summary, in the order they are
// shown: latency, cost, the agents of merged cells, the request classes
// of mixes, the overhead over baselines, the medians over rounds, and
// each max-throughput search. markdown says where the tables go: the
// cost table's status column is cut to keep a table within 160
// columns, which Markdown's escapes widen.
func Tables(run *Run, markdown bool) []Table {
	cells := run.Cells
	tables := []Table{
		cellTable("Latency (µs)", cells, latencyColumns()),
		cellTable("Cost", cells, costColumns(statusWidthFor(cells, markdown))),
	}
	if hasProtocols(cells) {
		tables = append(tables, protocolsTable(cells))
	}
	if hasConnections(cells) {
		tables = append(tables, connectionsTable(cells))
	}
	if hasAgents(cells) {
		tables = append(tables, agentsTable(cells))
	}
	if hasClasses(cells) {
		tables = append(tables, classesTable(cells))
	}
	if hasPaired(cells) {
		tables = append(tables, pairedTables(cells)...)
	}
	if hasOverhead(cells) {
		tables = append(tables, cellTable("Overhead over the baseline (latency growth, µs; cells measured one after the other)", overheadCells(cells), overheadColumns(cells)))
	}
	if hasRounds(cells) {
		tables = append(tables, roundsTable(cells))
	}
	if hasNoise(cells) {
		tables = append(tables, noiseTable(cells))
	}
	if hasAttempts(cells) {
		tables = append(tables, attemptsTable(cells))
	}
	for _, s := range run.Searches {
		tables = append(tables, searchTable(s))
	}
	return tables
}

// RunLine says which run the tables describe, and flags a run that did
// not complete.
func RunLine(run *Run) string {
	line := fmt.Sprintf("Suite %s, started %s, %d cells.", oneLine(run.Suite),
		run.StartedAt.UTC().Format(time.DateTime+" MST"), len(run.Cells))
	if !run.Complete {
		line += " INCOMPLETE: the run did not finish; cells may be missing."
	}
	return line
}

// writeNotes writes the latency note, then every failure and warning, one
// line each, prefixed by the cell ID.
func writeNotes(b *bytes.Buffer, cells []Cell, markdown bool) {
	b.WriteString(LatencyNote + "\n")
	var failures, warnings []string
	for i := range cells {
		c := &cells[i]
		if c.Status != StatusOK {
			failures = append(failures, cellNote(c.ID, statusText(c)))
		}
		for _, w := range c.Warnings {
			warnings = append(warnings, cellNote(c.ID, w))
		}
	}
	writeList(b, "Failures", failures, markdown)
	writeList(b, "Warnings", warnings, markdown)
}

// cellNote formats one note about a cell on a single line.
func cellNote(id, text string) string {
	return oneLine(id) + ": " + oneLine(text)
}

// writeList writes a titled list of lines, or nothing when it is empty.
func writeList(b *bytes.Buffer, title string, lines []string, markdown bool) {
	if len(lines) == 0 {
		return
	}
	if markdown {
		fmt.Fprintf(b, "\n%s:\n\n", title)
		for _, l := range lines {
			fmt.Fprintf(b, "- %s\n", l)
		}
		return
	}
	fmt.Fprintf(b, "\n%s:\n", title)
	for _, l := range lines {
		fmt.Fprintf(b, "  %s\n", l)
	}
}
