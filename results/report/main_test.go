package report

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/latbench/latbench/results"
)

// TestMain gives the fixture reports a folder, removes it at the end, and
// checks that no test leaked a goroutine.
func TestMain(m *testing.M) {
	root, err := os.MkdirTemp("", "latbench-report-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	written.root = root
	code := m.Run()
	os.RemoveAll(root)
	if err := goleak.Find(); code == 0 && err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// report is a report written into dir, with its report.md and report.html.
type report struct{ dir, md, page string }

// written holds the reports of the fixtures, each written once (charts
// and all, the slow part of these tests, much slower under the race
// detector) for the tests that only read them.
var written struct {
	sync.Mutex
	root   string
	byName map[string]report
}

// writeOnce returns the report of fixture name, made by run, writing it
// the first time it is asked for. Tests must not change its folder.
func writeOnce(t *testing.T, name string, run func(*testing.T) *results.Run) (dir, md, page string) {
	t.Helper()
	written.Lock()
	defer written.Unlock()
	if r, ok := written.byName[name]; ok {
		return r.dir, r.md, r.page
	}
	dir = filepath.Join(written.root, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	md, page = writeInto(t, dir, run(t))
	if written.byName == nil {
		written.byName = map[string]report{}
	}
	written.byName[name] = report{dir: dir, md: md, page: page}
	return dir, md, page
}
