package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/latbench/latbench/results"
)

// renderMarkdown renders the document as Markdown: the result tables as
// results.RenderTable prints them, the other tables aligned, and each
// chart as a link to its PNG with its finding, if it has one, and its
// caption.
func renderMarkdown(doc *document) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n", results.MarkdownText(doc.title))
	for _, sec := range doc.sections {
		fmt.Fprintf(&b, "\n## %s\n", results.MarkdownText(sec.title))
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
		fmt.Fprintf(b, "### %s\n", results.MarkdownText(v.text))
	case *paragraph:
		fmt.Fprintf(b, "%s\n", results.MarkdownText(v.text))
	case *codeLine:
		fence := strings.Repeat("`", max(3, longestRun(v.text, '`')+1))
		fmt.Fprintf(b, "%ssh\n%s\n%s\n", fence, oneLine(v.text), fence)
	case *list:
		if v.heading != "" {
			fmt.Fprintf(b, "%s\n\n", results.MarkdownText(v.heading))
		}
		for _, item := range v.items {
			fmt.Fprintf(b, "- %s\n", results.MarkdownText(item))
		}
	case *table:
		_ = v.WriteMarkdown(b) // tablewriter fails only on a failing writer; b is a buffer
		b.Truncate(len(bytes.TrimRight(b.Bytes(), "\n")))
		b.WriteString("\n")
	case *chartBlock:
		fmt.Fprintf(b, "### %s\n\n![%s](%s)\n\n", results.MarkdownText(v.chart.Title), results.MarkdownText(v.chart.Title), v.pngRel)
		if v.chart.Finding != "" {
			fmt.Fprintf(b, "**Finding:** %s\n\n", results.MarkdownText(v.chart.Finding))
		}
		fmt.Fprintf(b, "%s\n", results.MarkdownText(v.chart.Caption))
	}
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
