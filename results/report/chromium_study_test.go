//go:build unix

package report

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestChromiumDumpDOMStudy renders the study fixture's report in
// headless Chromium and checks the study section in the parsed page.
func TestChromiumDumpDOMStudy(t *testing.T) {
	bin := chromiumPath(t)
	dir, _, _ := writeOnce(t, "study", studyRun)
	dom := string(runChromium(t, bin, filepath.Join(dir, HTMLFile), "--dump-dom"))
	start, end := strings.Index(dom, `<section id="study">`), strings.Index(dom, `<section id="warnings">`)
	if start < 0 || end < start {
		t.Fatalf("the study section is missing or not before the warnings (%d, %d)", start, end)
	}
	sec := dom[start:end]
	// Per shape a latency and an overhead table, throughput at max, then
	// the ranking, omission, intervals, resources and Nagle tables.
	if got := strings.Count(sec, "<table>"); got != 12 {
		t.Errorf("the study section has %d tables, want 12", got)
	}
	for _, want := range []string{
		"<h3>Max load: throughput</h3>", `<th class="num">pub. +p99</th>`, `<td class="num">60,400</td>`,
		"<td>overhead at p99, moderate load</td>", "<h3>Unseen by the study: Nagle's algorithm</h3>",
		`<td class="num">15.0%</td>`, "Machine: 2 CPUs: client on CPU 0",
	} {
		if !strings.Contains(sec, want) {
			t.Errorf("the study section lacks %q", want)
		}
	}
}
