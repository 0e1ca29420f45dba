// Package golden compares test output with golden files, the way the
// results packages test their tables, charts and reports.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Assert compares got with the golden file at path, or rewrites the file
// when update is set (each package's -update flag).
func Assert(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (rerun the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s at byte %d (rerun with -update if intended):\n--- got\n%s\n--- want\n%s",
			path, firstDiff(got, want), clip(got), clip(want))
	}
}

// firstDiff returns the index of the first byte where a and b differ.
func firstDiff(a, b []byte) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// clip keeps a failure message readable for large outputs (SVG).
func clip(b []byte) []byte {
	if len(b) > 4000 {
		return append(b[:4000:4000], "…"...)
	}
	return b
}
