package report

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"
)

// renderHTML renders the document as one self-contained HTML page.
func renderHTML(doc *document) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n", esc(doc.title), css())
	fmt.Fprintf(&b, "<header>\n<h1>%s</h1>\n<nav>", esc(doc.title))
	for i, sec := range doc.sections {
		if i > 0 {
			b.WriteString(" · ")
		}
		fmt.Fprintf(&b, "<a href=\"#%s\">%s</a>", sec.id, esc(sec.title))
	}
	b.WriteString("</nav>\n</header>\n")
	for _, sec := range doc.sections {
		fmt.Fprintf(&b, "<section id=\"%s\">\n<h2>%s</h2>\n", sec.id, esc(sec.title))
		for _, blk := range sec.blocks {
			if err := writeHTMLBlock(&b, blk); err != nil {
				return nil, err
			}
		}
		b.WriteString("</section>\n")
	}
	b.WriteString("</body>\n</html>\n")
	return b.Bytes(), nil
}

// writeHTMLBlock writes one block.
func writeHTMLBlock(b *bytes.Buffer, blk block) error {
	switch v := blk.(type) {
	case *heading:
		fmt.Fprintf(b, "<h3>%s</h3>\n", esc(v.text))
	case *paragraph:
		fmt.Fprintf(b, "<p>%s</p>\n", esc(v.text))
	case *codeLine:
		fmt.Fprintf(b, "<pre><code>%s</code></pre>\n", esc(v.text))
	case *list:
		if v.heading != "" {
			fmt.Fprintf(b, "<p class=\"list-heading\">%s</p>\n", esc(v.heading))
		}
		b.WriteString("<ul>\n")
		for _, item := range v.items {
			fmt.Fprintf(b, "<li>%s</li>\n", esc(item))
		}
		b.WriteString("</ul>\n")
	case *table:
		writeHTMLTable(b, v)
	case *resultTables:
		for _, sub := range parseResultTables(v.markdown) {
			if err := writeHTMLBlock(b, sub); err != nil {
				return err
			}
		}
	case *chartBlock:
		svg, err := inlineSVG(v.svg, v.chart.Title)
		if err != nil {
			return fmt.Errorf("chart %s: %w", v.chart.Name, err)
		}
		finding := ""
		if v.chart.Finding != "" {
			finding = fmt.Sprintf("<p class=\"finding\">%s</p>\n", esc(v.chart.Finding))
		}
		fmt.Fprintf(b, "<figure id=\"chart-%s\">\n%s\n%s<figcaption><strong>%s.</strong> %s</figcaption>\n</figure>\n",
			v.chart.Name, svg, finding, esc(v.chart.Title), esc(v.chart.Caption))
	default:
		return fmt.Errorf("unknown block %T", blk)
	}
	return nil
}

// writeHTMLTable writes a table in a horizontally scrolling box.
func writeHTMLTable(b *bytes.Buffer, t *table) {
	b.WriteString("<div class=\"scroll\"><table>\n<thead><tr>")
	for i, h := range t.headers {
		fmt.Fprintf(b, "<th%s>%s</th>", numClass(t.numeric, i), esc(h))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, row := range t.rows {
		b.WriteString("<tr>")
		for i, cell := range row {
			fmt.Fprintf(b, "<td%s>%s</td>", numClass(t.numeric, i), esc(cell))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table></div>\n")
}

// numClass returns the class attribute of a numeric column.
func numClass(numeric []bool, i int) string {
	if i < len(numeric) && numeric[i] {
		return ` class="num"`
	}
	return ""
}

// esc escapes text for HTML. It also breaks up "://", so that a URL in the
// run's data (a toolchain's version string) is shown as text and can
// never read as a reference to the network.
func esc(s string) string {
	return strings.ReplaceAll(html.EscapeString(s), "://", "&#58;//")
}

// parseResultTables converts the Markdown of results.RenderTable into
// blocks: "### " headings, pipe tables (right-aligned where the separator
// says so) and lines of text. The "Failures:" and "Warnings:" lists are
// left out: the report's Warnings section lists them, sorted by kind.
func parseResultTables(md string) []block {
	var out []block
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		switch {
		case line == "":
		case strings.HasPrefix(line, "### "):
			out = append(out, &heading{text: strings.TrimPrefix(line, "### ")})
		case strings.HasPrefix(line, "|"):
			var rows [][]string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				rows = append(rows, splitRow(strings.TrimSpace(lines[i])))
			}
			i--
			if t := tableOf(rows); t != nil {
				out = append(out, t)
			}
		case line == "Failures:" || line == "Warnings:":
			for i+1 < len(lines) && (strings.TrimSpace(lines[i+1]) == "" || strings.HasPrefix(lines[i+1], "- ")) {
				i++
			}
		case strings.HasPrefix(line, "- "):
			out = append(out, &list{items: []string{strings.TrimPrefix(line, "- ")}})
		default:
			out = append(out, &paragraph{text: line})
		}
	}
	return out
}

// splitRow splits a Markdown table row into its cells, unescaping "\|".
func splitRow(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteByte('|')
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// tableOf builds a table from a header row, a separator row and data rows;
// it returns nil when the rows are not a table.
func tableOf(rows [][]string) *table {
	if len(rows) < 2 || !isSeparator(rows[1]) {
		return nil
	}
	t := &table{headers: rows[0], numeric: make([]bool, len(rows[0]))}
	for i, s := range rows[1] {
		if i < len(t.numeric) {
			t.numeric[i] = strings.HasSuffix(s, ":") && !strings.HasPrefix(s, ":")
		}
	}
	t.rows = rows[2:]
	return t
}

// isSeparator reports whether a row is a Markdown table's separator row.
func isSeparator(row []string) bool {
	for _, s := range row {
		if strings.Trim(s, ":-") != "" || !strings.Contains(s, "-") {
			return false
		}
	}
	return len(row) > 0
}

// svgOpenTag matches the opening tag of an SVG document.
const svgOpenTag = `(?s)^<svg\b[^>]*>`

// inlineSVG prepares an SVG file for inlining in HTML: it drops the XML
// prolog and the namespace attributes (an HTML parser puts <svg> in the
// SVG namespace by itself), and makes the chart scale with the page while
// keeping its viewBox.
func inlineSVG(svg []byte, title string) (string, error) {
	s := string(svg)
	start := strings.Index(s, "<svg")
	end := strings.LastIndex(s, "</svg>")
	if start < 0 || end < start {
		return "", errors.New("not an SVG document")
	}
	s = s[start : end+len("</svg>")]
	open := regexp.MustCompile(svgOpenTag).FindString(s)
	viewBox := regexp.MustCompile(`viewBox="[^"]*"`).FindString(open)
	if open == "" || viewBox == "" {
		return "", errors.New("SVG without a viewBox")
	}
	tag := fmt.Sprintf(`<svg %s class="chart" role="img" aria-label="%s">`, viewBox, esc(title))
	return tag + s[len(open):], nil
}
