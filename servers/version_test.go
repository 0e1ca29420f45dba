package servers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestVersion(t *testing.T) {
	root := t.TempDir()
	writeText(t, filepath.Join(root, "VERSION"), "\nrelay 1.2.3 (built with cc 12)\nsecond line\n")
	writeText(t, filepath.Join(root, "EMPTY"), "")
	writeText(t, filepath.Join(root, "LONG"), strings.Repeat("v", 300)+"\n")
	// A fake server that answers -v like nginx (on stderr) and fails
	// otherwise.
	fakeNginx := filepath.Join(root, "fake-nginx")
	if err := os.WriteFile(fakeNginx, []byte("#!/bin/sh\n[ \"$1\" = -v ] || exit 1\necho 'nginx version: nginx/9.9' >&2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		target   Target
		want     string
		maxDelay time.Duration // 0: no bound checked
		child    bool          // the command leaves a child whose pid is in root/child
	}{
		{name: "none", target: Target{Command: []string{"x"}}, want: ""},
		{name: "file with {root}, first non-empty line", target: Target{VersionFile: "{root}/VERSION"}, want: "relay 1.2.3 (built with cc 12)"},
		{name: "file relative to the root", target: Target{VersionFile: "VERSION"}, want: "relay 1.2.3 (built with cc 12)"},
		{name: "missing file", target: Target{VersionFile: "{root}/NONE"}, want: ""},
		{name: "empty file", target: Target{VersionFile: "EMPTY"}, want: ""},
		{name: "long line is cut", target: Target{VersionFile: "LONG"}, want: strings.Repeat("v", maxVersionLen)},
		{name: "command on stdout", target: Target{VersionCommand: []string{"sh", "-c", "echo; echo 'relay 4.5'; echo more"}}, want: "relay 4.5"},
		{name: "command on stderr", target: Target{VersionCommand: []string{"sh", "-c", "echo 'relay 6' >&2"}}, want: "relay 6"},
		{name: "command runs from the root", target: Target{VersionCommand: []string{"sh", "-c", "head -n 2 VERSION"}}, want: "relay 1.2.3 (built with cc 12)"},
		{name: "command with {root}", target: Target{VersionCommand: []string{"{root}/fake-nginx", "-v"}}, want: "nginx version: nginx/9.9"},
		{name: "command fails", target: Target{VersionCommand: []string{"sh", "-c", "echo 'relay 7'; exit 2"}}, want: ""},
		{name: "command missing", target: Target{VersionCommand: []string{"latbench-no-such-command", "-v"}}, want: ""},
		{name: "command hangs", target: Target{VersionCommand: []string{"sh", "-c", "echo 'relay 8'; exec sleep 30"}}, want: "",
			maxDelay: versionTimeout + 5*time.Second},
		{name: "child holds the output open", target: Target{VersionCommand: []string{"sh", "-c", `sleep 30 & echo $! > "$0/child"; echo 'relay 9'`, "{root}"}},
			want: "relay 9", maxDelay: versionTimeout + 5*time.Second, child: true},
		{name: "written config asks -v", target: Target{Config: ConfigNginx, Command: []string{"{root}/fake-nginx", "-c", "{config}"}},
			want: "nginx version: nginx/9.9"},
		{name: "declared version wins over -v", target: Target{Config: ConfigNginx, VersionFile: "VERSION", Command: []string{"{root}/fake-nginx"}},
			want: "relay 1.2.3 (built with cc 12)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			got := tt.target.Version(root)
			if got != tt.want {
				t.Errorf("Version() = %q, want %q", got, tt.want)
			}
			if took := time.Since(start); tt.maxDelay > 0 && took > tt.maxDelay {
				t.Errorf("Version() took %v, want at most %v", took, tt.maxDelay)
			}
			if tt.child {
				pid := readPidFile(t, filepath.Join(root, "child"))
				waitFor(t, "the version command's child is gone", func() bool { return !pidAlive(pid) })
			}
		})
	}
}

func TestCappedBuffer(t *testing.T) {
	b := &cappedBuffer{max: 5}
	for _, s := range []string{"abc", "defg", "h"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := string(b.Bytes()); got != "abcde" {
		t.Errorf("kept %q, want %q", got, "abcde")
	}
}
