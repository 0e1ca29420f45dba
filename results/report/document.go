package report

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/plot"
)

// document is a report before it is rendered as Markdown or HTML. All its
// text is plain: the renderers escape it.
type document struct {
	title    string
	sections []section
}

// section is a titled part of the report; id is its HTML anchor.
type section struct {
	id, title string
	blocks    []block
}

// block is one element of a section: *heading, *paragraph, *table,
// *list, *codeLine or *chartBlock.
type block interface{ isBlock() }

// heading is a sub-heading inside a section.
type heading struct{ text string }

// paragraph is a line of text.
type paragraph struct{ text string }

// table is a results.Table in a section: the one table model, rendered
// by results in Markdown and here in HTML.
type table struct{ results.Table }

// newTable returns a table with the given headers, numeric where numeric
// says.
func newTable(headers []string, numeric []bool) *table {
	t := &table{}
	for i, h := range headers {
		t.Columns = append(t.Columns, results.Column{Header: h, Numeric: numeric[i]})
	}
	return t
}

// add appends columns with the given headers.
func (t *table) add(numeric bool, headers ...string) {
	for _, h := range headers {
		t.Columns = append(t.Columns, results.Column{Header: h, Numeric: numeric})
	}
}

// list is a bulleted list, under an optional heading.
type list struct {
	heading string
	items   []string
}

// codeLine is a command line.
type codeLine struct{ text string }

// chartBlock is one chart: its PNG path relative to the report and its
// SVG text. A chart with a finding is followed by it.
type chartBlock struct {
	chart  plot.Chart
	pngRel string
	svg    []byte
}

func (*heading) isBlock()    {}
func (*paragraph) isBlock()  {}
func (*table) isBlock()      {}
func (*list) isBlock()       {}
func (*codeLine) isBlock()   {}
func (*chartBlock) isBlock() {}

// build assembles the report of run, whose charts were written under dir.
func build(run *results.Run, dir string, charts []plot.Chart) (*document, error) {
	blocks, err := chartBlocks(dir, charts)
	if err != nil {
		return nil, err
	}
	compared, err := studyBlocks(run)
	if err != nil {
		return nil, err
	}
	doc := &document{title: "latbench report: " + run.Suite}
	doc.sections = append(doc.sections, section{id: "results", title: "Results", blocks: resultBlocks(run)})
	if len(compared) > 0 {
		doc.sections = append(doc.sections, section{id: studySectionID, title: studySectionTitle, blocks: compared})
	}
	doc.sections = append(doc.sections, section{id: "warnings", title: "Warnings", blocks: warningBlocks(run)})
	if dep := dependencyBlocks(blocks); len(dep) > 0 {
		doc.sections = append(doc.sections, section{id: "slow-dependency", title: "Slow dependency", blocks: dep})
	}
	if faults := faultBlocks(run); len(faults) > 0 {
		doc.sections = append(doc.sections, section{id: "faults", title: "Faults", blocks: faults})
	}
	chartSec := section{id: "charts", title: "Charts"}
	for _, b := range blocks {
		if !isDependencyChart(b.chart) {
			chartSec.blocks = append(chartSec.blocks, b)
		}
	}
	if len(chartSec.blocks) == 0 {
		chartSec.blocks = append(chartSec.blocks, &paragraph{text: "The run has no data to chart."})
	}
	doc.sections = append(doc.sections,
		chartSec,
		section{id: "environment", title: "Environment", blocks: environmentBlocks(run)},
		section{id: "configuration", title: "Configuration", blocks: configurationBlocks(run)},
	)
	return doc, nil
}

// resultBlocks are the run's summary tables, as latbench run prints
// them, between the line that names the run and the note on what the
// latencies measure. Failures and warnings have a section of their own.
func resultBlocks(run *results.Run) []block {
	blocks := []block{&paragraph{text: results.RunLine(run)}}
	for _, t := range results.Tables(run, true) {
		blocks = append(blocks, &table{t})
	}
	return append(blocks, &paragraph{text: results.LatencyNote})
}

// chartBlocks reads each chart's SVG and finds its PNG's path relative
// to dir.
func chartBlocks(dir string, charts []plot.Chart) ([]*chartBlock, error) {
	var out []*chartBlock
	for _, c := range charts {
		svg, err := os.ReadFile(c.SVG)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(dir, c.PNG)
		if err != nil {
			return nil, err
		}
		out = append(out, &chartBlock{chart: c, pngRel: filepath.ToSlash(rel), svg: svg})
	}
	return out, nil
}

// plural returns "1 cell" or "2 cells".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
