package report

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// renderMarkdown renders the document as Markdown: the result tables as
// results.RenderTable prints them, the other tables aligned, and each
// chart as a link to its PNG with its finding, if it has one, and its
// caption.
func renderMarkdown(doc *document) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n", mdText(doc.title))
	for _, sec := range doc.sections {
		fmt.Fprintf(&b, "\n## %s\n", mdText(sec.title))
		for _, blk := range sec.blocks {
			b.WriteString("\n")
			writeMarkdownBlock(&b, blk)
		}
	}
	return b.Bytes()
}

// writeMarkdownBlock writes one block, ending in a newline.
func writeMarkdownBlock(b *bytes.Buffer, blk block) {
	switch v := blk.(type) {
	case *heading:
		fmt.Fprintf(b, "### %s\n", mdText(v.text))
	case *paragraph:
		fmt.Fprintf(b, "%s\n", mdText(v.text))
	case *codeLine:
		fence := strings.Repeat("`", max(3, longestRun(v.text, '`')+1))
		fmt.Fprintf(b, "%ssh\n%s\n%s\n", fence, oneLine(v.text), fence)
	case *list:
		if v.heading != "" {
			fmt.Fprintf(b, "%s\n\n", mdText(v.heading))
		}
		for _, item := range v.items {
			fmt.Fprintf(b, "- %s\n", mdText(item))
		}
	case *table:
		writeMarkdownTable(b, v)
	case *resultTables:
		b.WriteString(strings.TrimRight(v.markdown, "\n") + "\n")
	case *chartBlock:
		fmt.Fprintf(b, "### %s\n\n![%s](%s)\n\n", mdText(v.chart.Title), mdText(v.chart.Title), v.pngRel)
		if v.chart.Finding != "" {
			fmt.Fprintf(b, "**Finding:** %s\n\n", mdText(v.chart.Finding))
		}
		fmt.Fprintf(b, "%s\n", mdText(v.chart.Caption))
	}
}

// writeMarkdownTable writes a table with its columns padded to one width.
func writeMarkdownTable(b *bytes.Buffer, t *table) {
	cells := make([][]string, 0, len(t.rows)+1)
	cells = append(cells, t.headers)
	cells = append(cells, t.rows...)
	widths := make([]int, len(t.headers))
	for _, row := range cells {
		for i := range widths {
			if i < len(row) {
				widths[i] = max(widths[i], utf8.RuneCountInString(mdCell(row[i])), 3)
			}
		}
	}
	line := func(row []string) {
		b.WriteString("|")
		for i, w := range widths {
			s := ""
			if i < len(row) {
				s = mdCell(row[i])
			}
			pad := strings.Repeat(" ", w-utf8.RuneCountInString(s))
			if t.numeric[i] {
				fmt.Fprintf(b, " %s%s |", pad, s)
			} else {
				fmt.Fprintf(b, " %s%s |", s, pad)
			}
		}
		b.WriteString("\n")
	}
	line(t.headers)
	b.WriteString("|")
	for i, w := range widths {
		if t.numeric[i] {
			fmt.Fprintf(b, "%s:|", strings.Repeat("-", w+1))
		} else {
			fmt.Fprintf(b, ":%s|", strings.Repeat("-", w+1))
		}
	}
	b.WriteString("\n")
	for _, row := range t.rows {
		line(row)
	}
}

// mdText escapes the Markdown punctuation of one line of text, so that
// text from the run cannot format, link or inject HTML.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range oneLine(s) {
		if strings.ContainsRune("\\`*_[]<>|#!&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCell is mdText for a table cell, never empty.
func mdCell(s string) string {
	if s = mdText(s); s == "" {
		return noValue
	}
	return s
}

// longestRun returns the length of the longest run of r in s.
func longestRun(s string, r rune) int {
	best, cur := 0, 0
	for _, c := range s {
		if c == r {
			cur++
			best = max(best, cur)
		} else {
			cur = 0
		}
	}
	return best
}
