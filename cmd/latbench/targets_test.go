package main

import (
	"bytes"
	"strings"
	"testing"
)

// targetRow returns the line of the targets table that starts with name.
func targetRow(t *testing.T, table, name string) string {
	t.Helper()
	for line := range strings.SplitSeq(table, "\n") {
		fields := strings.Fields(strings.Trim(line, "│| "))
		if len(fields) > 0 && fields[0] == name {
			return line
		}
	}
	t.Fatalf("no row for target %s in:\n%s", name, table)
	return ""
}

func TestRenderTargets(t *testing.T) {
	root := repoRoot(t)
	user := writeFile(t, t.TempDir(), "user.yaml", `targets:
  - name: mine
    language: C
    modes: [proxy]
    build: cc -o /nonexistent/mine mine.c
    binary: /nonexistent/mine
    command: ["/nonexistent/mine", "{listen}", "{backend}"]
  - name: nobuild
    language: C
    modes: [echo]
    binary: /nonexistent/nobuild
    command: ["/nonexistent/nobuild", "{listen}"]
  - name: needs-tool
    language: C
    modes: [echo]
    requires: [latbench-no-such-tool]
    binary: /nonexistent/needs-tool
    build: ./build-needs-tool
    command: ["/nonexistent/needs-tool", "{listen}"]
  - name: rust
    language: Rust
    modes: [echo]
    binary: /nonexistent/my-rust
    build: cargo build --my-way
    command: ["/nonexistent/my-rust", "{listen}"]
`)
	m, err := loadManifest(root, user)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := renderTargets(&out, m, root); err != nil {
		t.Fatal(err)
	}
	table := out.String()
	if header := strings.SplitN(table, "\n", 3)[1]; !strings.Contains(header, "version") || !strings.Contains(header, "build / install") {
		t.Errorf("header %q lacks the version and build / install columns", header)
	}
	tests := []struct {
		name     string
		contains []string
		lacks    []string
	}{
		// A study proxy: its install script, built or not.
		{name: "pproxy", contains: []string{"Python", "proxy", "scripts/study/install-pproxy.sh"}},
		{name: "netcrusher", contains: []string{"Java", "scripts/study/install-netcrusher.sh"}},
		{name: "draft-http-tunnel", contains: []string{"C++", "scripts/study/install-draft-http-tunnel.sh"}},
		// User targets: their own build, never a make goal of latbench.
		{name: "mine", contains: []string{"cc -o /nonexistent/mine mine.c", "binary /nonexistent/mine: build it with `cc -o /nonexistent/mine mine.c`"},
			lacks: []string{"make"}},
		{name: "nobuild", contains: []string{"build it yourself (the target in " + user + ":8 has no `build` command"}, lacks: []string{"`make"}},
		{name: "needs-tool", contains: []string{"toolchain latbench-no-such-tool", "install latbench-no-such-tool and put it on PATH"}, lacks: []string{"`make"}},
		// A user target that replaces a default one by name is the user's.
		{name: "rust", contains: []string{"cargo build --my-way"}, lacks: []string{"make servers", "build-rust.sh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := targetRow(t, table, tt.name)
			for _, want := range tt.contains {
				if !strings.Contains(row, want) {
					t.Errorf("row %q lacks %q", row, want)
				}
			}
			for _, bad := range tt.lacks {
				if strings.Contains(row, bad) {
					t.Errorf("row %q contains %q", row, bad)
				}
			}
		})
	}
	if n := strings.Count(table, "│ haproxy "); n > 1 {
		t.Errorf("haproxy listed %d times", n)
	}
}
