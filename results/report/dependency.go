package report

import (
	"slices"

	"github.com/latbench/latbench/results/plot"
)

// dependencyNote introduces the Slow dependency section.
const dependencyNote = "These cells step a slow dependency's delay: a share of the requests waits for it, the others (the fast class) never do. " +
	"A server whose threads block on the dependency runs out of them, and then the fast requests queue too; " +
	"a non-blocking one keeps serving them. Each chart is followed by what its data say under the rule its caption states; " +
	"the Request classes table under Results has every class's figures."

// isDependencyChart reports whether a chart belongs in the Slow
// dependency section.
func isDependencyChart(c plot.Chart) bool {
	return c.Kind == plot.KindDependencyP99 || c.Kind == plot.KindDependencyAvailability
}

// dependencyBlocks lay out the dependency charts, each with its finding,
// under a heading per scenario and load when there are several; nothing
// when there are none.
func dependencyBlocks(charts []*chartBlock) []block {
	var groups []string
	for _, c := range charts {
		if isDependencyChart(c.chart) && !slices.Contains(groups, c.chart.Group) {
			groups = append(groups, c.chart.Group)
		}
	}
	if len(groups) == 0 {
		return nil
	}
	blocks := []block{&paragraph{text: dependencyNote}}
	for _, g := range groups {
		if len(groups) > 1 {
			blocks = append(blocks, &heading{text: g})
		}
		for _, c := range charts {
			if isDependencyChart(c.chart) && c.chart.Group == g {
				blocks = append(blocks, c)
			}
		}
	}
	return blocks
}
