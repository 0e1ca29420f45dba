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

// latencyNote explains what the latency columns measure.
const latencyNote = "Latency is measured from each request's due time (open loop, so stalls count); " +
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

// renderText renders the latency and cost tables and the notes under
// them, as text or Markdown.
func renderText(run *Run, markdown bool) ([]byte, error) {
	var b bytes.Buffer
	writeRunLine(&b, run, markdown)
	for _, sec := range []struct {
		title string
		cols  []column
	}{
		{"Latency (µs)", latencyColumns()},
		{"Cost", costColumns(statusWidthFor(run.Cells, markdown))},
	} {
		grid, err := renderGrid(run.Cells, sec.cols, markdown)
		if err != nil {
			return nil, err
		}
		writeHeading(&b, sec.title, markdown)
		b.WriteString(grid)
		b.WriteString("\n")
	}
	if hasAgents(run.Cells) {
		if err := writeAgents(&b, run.Cells, markdown); err != nil {
			return nil, err
		}
	}
	if hasClasses(run.Cells) {
		if err := writeClasses(&b, run.Cells, markdown); err != nil {
			return nil, err
		}
	}
	if hasOverhead(run.Cells) {
		grid, err := renderGrid(overheadCells(run.Cells), overheadColumns(run.Cells), markdown)
		if err != nil {
			return nil, err
		}
		writeHeading(&b, "Overhead over the baseline (latency growth, µs)", markdown)
		b.WriteString(grid)
		b.WriteString("\n")
	}
	if hasRounds(run.Cells) {
		if err := writeRounds(&b, run.Cells, markdown); err != nil {
			return nil, err
		}
	}
	writeSearches(&b, run.Searches, markdown)
	writeNotes(&b, run.Cells, markdown)
	return b.Bytes(), nil
}

// writeRunLine writes which run the tables describe, and flags a run that
// did not complete.
func writeRunLine(b *bytes.Buffer, run *Run, markdown bool) {
	fmt.Fprintf(b, "Suite %s, started %s, %d cells.", oneLine(run.Suite),
		run.StartedAt.UTC().Format(time.DateTime+" MST"), len(run.Cells))
	if !run.Complete {
		b.WriteString(" INCOMPLETE: the run did not finish; cells may be missing.")
	}
	b.WriteString("\n\n")
}

// writeHeading writes a table title.
func writeHeading(b *bytes.Buffer, title string, markdown bool) {
	if markdown {
		fmt.Fprintf(b, "### %s\n\n", title)
		return
	}
	fmt.Fprintf(b, "%s\n", title)
}

// writeNotes writes the latency note, then every failure and warning, one
// line each, prefixed by the cell ID.
func writeNotes(b *bytes.Buffer, cells []Cell, markdown bool) {
	b.WriteString(latencyNote + "\n")
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
