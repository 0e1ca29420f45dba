package results

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// Table is the one model of a table latbench shows. The command line
// prints it as text, Markdown or CSV (WriteText, WriteMarkdown,
// WriteCSV) and the report renders it in Markdown and HTML; nothing
// parses a rendered table back. Cells hold plain text: each renderer
// makes them one line and escapes them as its format needs.
type Table struct {
	// Title heads the table; "" for none.
	Title   string
	Columns []Column
	Rows    [][]string
	// Note is a line of text under the table; "" for none.
	Note string
}

// Column is one column of a Table: its header, and whether it holds
// numbers (right-aligned).
type Column struct {
	Header  string
	Numeric bool
}

// WriteText writes the table as a box-drawn text table under its title.
func (t *Table) WriteText(b *bytes.Buffer) error {
	return t.write(b, false)
}

// WriteMarkdown writes the table as a Markdown table under a "###"
// heading, its text escaped so that nothing in a run's data can format,
// link or inject HTML.
func (t *Table) WriteMarkdown(b *bytes.Buffer) error {
	return t.write(b, true)
}

// write writes the title, the grid and the note.
func (t *Table) write(b *bytes.Buffer, markdown bool) error {
	if t.Title != "" {
		writeHeading(b, t.Title, markdown)
	}
	var buf bytes.Buffer
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithAlignment(t.alignments()),
	}
	if markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	tbl := tablewriter.NewTable(&buf, opts...)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = cellString(c.Header, markdown)
	}
	tbl.Header(header)
	for _, row := range t.Rows {
		cells := make([]string, len(row))
		for i, s := range row {
			cells[i] = cellString(s, markdown)
		}
		if err := tbl.Append(cells); err != nil {
			return err
		}
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	b.Write(buf.Bytes())
	b.WriteString("\n")
	if t.Note != "" {
		if markdown {
			b.WriteString(MarkdownText(t.Note))
		} else {
			b.WriteString(oneLine(t.Note))
		}
		b.WriteString("\n\n")
	}
	return nil
}

// alignments returns each column's alignment: numbers right, text left.
func (t *Table) alignments() tw.Alignment {
	a := make(tw.Alignment, len(t.Columns))
	for i, c := range t.Columns {
		a[i] = tw.AlignLeft
		if c.Numeric {
			a[i] = tw.AlignRight
		}
	}
	return a
}

// WriteCSV writes the header and the rows as CSV, cells as they are.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Header
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(t.Rows); err != nil {
		return err
	}
	return cw.Error()
}

// cellString makes s fit one table cell: one line, never empty, and
// escaped in Markdown.
func cellString(s string, markdown bool) string {
	s = oneLine(s)
	if s == "" {
		s = noValue
	}
	if markdown {
		s = MarkdownText(s)
	}
	return s
}

// MarkdownText makes one line of plain text safe in Markdown: the
// punctuation that formats, links or opens HTML is escaped, so that text
// from a run (a target's name, an error message) shows as written.
func MarkdownText(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		if strings.ContainsRune("\\`*_[]<>|#!&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// writeHeading writes a table title.
func writeHeading(b *bytes.Buffer, title string, markdown bool) {
	if markdown {
		fmt.Fprintf(b, "### %s\n\n", MarkdownText(title))
		return
	}
	fmt.Fprintf(b, "%s\n", title)
}
