// Package report renders the report of a latbench run: report.md, the
// tables as Markdown with links to the chart PNGs, and report.html, one
// self-contained page (inline SVG charts, inline CSS, no scripts and no
// network references) with the tables, the run beside the reference
// study's published figures (when the run asks for it with the option
// published=study), the warnings, what a slow dependency did to each
// server and what each fault did (when the run has them), the charts, the
// environment and the configuration. The package only reads the run.
package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/latbench/latbench/results"
	"github.com/latbench/latbench/results/plot"
)

// File and folder names inside a run folder.
const (
	// MarkdownFile is the Markdown report.
	MarkdownFile = "report.md"
	// HTMLFile is the self-contained HTML report.
	HTMLFile = "report.html"
	// ChartsDir is the folder of the chart files, PNG and SVG.
	ChartsDir = "charts"
)

// Write renders report.md (tables + links to the chart PNGs) and
// report.html (one self-contained file: inline SVG charts, inline CSS, no
// scripts or network access needed) into dir, plus the chart files under
// dir/charts/. Files are written atomically. It returns an error, never
// panics, on a nil run or a failed write.
func Write(dir string, run *results.Run) (err error) {
	if run == nil {
		return errors.New("report: nil run")
	}
	if dir == "" {
		return errors.New("report: empty output directory")
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("report: %v", r)
		}
	}()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	charts, err := plot.WriteAll(run, filepath.Join(dir, ChartsDir))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	doc, err := build(run, dir, charts)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, MarkdownFile), renderMarkdown(doc)); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	page, err := renderHTML(doc)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := results.WriteFileAtomic(filepath.Join(dir, HTMLFile), page); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
