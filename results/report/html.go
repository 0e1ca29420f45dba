package report

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/latbench/latbench/results"
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
		writeHTMLTable(b, &v.Table)
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

// writeHTMLTable writes a table, under its title, in a horizontally
// scrolling box, with its note under it.
func writeHTMLTable(b *bytes.Buffer, t *results.Table) {
	if t.Title != "" {
		fmt.Fprintf(b, "<h3>%s</h3>\n", esc(t.Title))
	}
	b.WriteString("<div class=\"scroll\"><table>\n<thead><tr>")
	for _, c := range t.Columns {
		fmt.Fprintf(b, "<th%s>%s</th>", numClass(c), esc(c.Header))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, row := range t.Rows {
		b.WriteString("<tr>")
		for i, cell := range row {
			var c results.Column
			if i < len(t.Columns) {
				c = t.Columns[i]
			}
			fmt.Fprintf(b, "<td%s>%s</td>", numClass(c), esc(cell))
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table></div>\n")
	if t.Note != "" {
		fmt.Fprintf(b, "<p>%s</p>\n", esc(t.Note))
	}
}

// numClass returns the class attribute of a numeric column's cells.
func numClass(c results.Column) string {
	if c.Numeric {
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
