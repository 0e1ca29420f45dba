package servers

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadDefault(t *testing.T) {
	root := repoRoot(t)
	m, err := LoadDefault(root)
	if err != nil {
		t.Fatalf("LoadDefault(%s): %v", root, err)
	}
	names := m.Names()
	for _, want := range []string{"go", "rust", "java", "python", "nginx", "haproxy",
		"draft-http-tunnel", "http-tunnel", "go-tcp-proxy", "netcrusher", "pproxy"} {
		if n := countOf(names, want); n != 1 {
			t.Errorf("target %s appears %d times in %v, want once", want, n, names)
		}
	}
	tests := []struct {
		name       string
		wantSource string
		wantGoal   string
	}{
		{name: "go", wantSource: DefaultManifestPath(root), wantGoal: "servers"},
		{name: "haproxy", wantSource: DefaultManifestPath(root), wantGoal: "servers"},
		{name: "pproxy", wantSource: StudyManifestPath(root), wantGoal: "study-targets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt, err := m.Lookup(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if tgt.Source != tt.wantSource || tgt.makeGoal != tt.wantGoal {
				t.Errorf("target %s from %s, make goal %q; want %s and %q", tt.name, tgt.Source, tgt.makeGoal, tt.wantSource, tt.wantGoal)
			}
		})
	}
}

// countOf returns how often s occurs in list.
func countOf(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}

func TestLoadDefaultFiles(t *testing.T) {
	const base = "targets:\n  - {name: a, modes: [echo], command: [a, \"{listen}\"]}\n"
	tests := []struct {
		name      string
		study     string // "" for no study.yaml
		noTargets bool   // no targets.yaml
		wantNames []string
		wantErr   []string
	}{
		{name: "both files", study: "targets:\n  - {name: b, modes: [proxy], command: [b, \"{listen}\", \"{backend}\"]}\n",
			wantNames: []string{"a", "b"}},
		{name: "no study.yaml", wantNames: []string{"a"}},
		{name: "a name in both files", study: "targets:\n  - {name: c, modes: [echo], command: [c, \"{listen}\"]}\n  - {name: a, modes: [echo], command: [b, \"{listen}\"]}\n",
			wantErr: []string{"study.yaml:3: target \"a\" is already defined in ", "targets.yaml:2; the default manifests must not overlap"}},
		{name: "bad study.yaml", study: "targets:\n  - {name: b, modes: [echo], comand: [b]}\n",
			wantErr: []string{"study.yaml:2: unknown key \"comand\""}},
		{name: "no targets.yaml", noTargets: true, study: base, wantErr: []string{"read manifest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.MkdirAll(filepath.Join(root, "servers"), 0o755); err != nil {
				t.Fatal(err)
			}
			if !tt.noTargets {
				writeText(t, DefaultManifestPath(root), base)
			}
			if tt.study != "" {
				writeText(t, StudyManifestPath(root), tt.study)
			}
			m, err := LoadDefault(root)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("LoadDefault = %v; want an error", m.Names())
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error\n%v\ndoes not contain\n%s", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Names(); !slices.Equal(got, tt.wantNames) {
				t.Errorf("Names() = %v, want %v", got, tt.wantNames)
			}
		})
	}
}

// writeText writes content to path.
func writeText(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStudyManifest(t *testing.T) {
	root := repoRoot(t)
	m, err := LoadManifest(StudyManifestPath(root))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		language  string
		instances int
		wantArgs  []string // consecutive elements of the expanded command
		wantDir   string   // expanded dir, "" for the root
	}{
		{name: "draft-http-tunnel", language: "C++", instances: 1, wantArgs: []string{"--bind", "127.0.0.1:9", "tcp", "--destination", "127.0.0.1:80"}},
		{name: "http-tunnel", language: "Rust", instances: 1, wantArgs: []string{"--bind", "127.0.0.1:9", "tcp", "--destination", "127.0.0.1:80"},
			wantDir: "/r/bin/study/http-tunnel"},
		{name: "go-tcp-proxy", language: "Go", instances: 1, wantArgs: []string{"-l", "127.0.0.1:9", "-r", "127.0.0.1:80"}},
		{name: "netcrusher", language: "Java", instances: 2, wantArgs: []string{"org.netcrusher.tcp.main.TcpCrusherMain", "127.0.0.1:9", "127.0.0.1:80"}},
		{name: "pproxy", language: "Python", instances: 2, wantArgs: []string{"-l", "tunnel://127.0.0.1:9", "-r", "tunnel://127.0.0.1:80"}},
	}
	if got, want := len(m.Targets), len(tests); got != want {
		t.Errorf("study.yaml has %d targets %v, want %d", got, m.Names(), want)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt, err := m.Lookup(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if tgt.Language != tt.language || !slices.Equal(tgt.Modes, []string{ModeProxy}) || tgt.Copies() != tt.instances {
				t.Errorf("language %s, modes %v, %d copies; want %s, [proxy], %d", tgt.Language, tgt.Modes, tgt.Copies(), tt.language, tt.instances)
			}
			script := "scripts/study/install-" + tt.name + ".sh"
			if tgt.Build != script {
				t.Errorf("build = %q, want %s", tgt.Build, script)
			}
			if info, err := os.Stat(filepath.Join(root, script)); err != nil || info.Mode().Perm()&0o111 == 0 {
				t.Errorf("install script %s is missing or not executable: %v", script, err)
			}
			if !strings.HasPrefix(tgt.Binary, "bin/study/"+tt.name+"/") {
				t.Errorf("binary = %q; want it under bin/study/%s/", tgt.Binary, tt.name)
			}
			if want := "{root}/bin/study/" + tt.name + "/VERSION"; tgt.VersionFile != want {
				t.Errorf("version_file = %q, want %q", tgt.VersionFile, want)
			}
			vars := Vars{Root: "/r", Mode: ModeProxy, Listen: "127.0.0.1:9", Backend: "127.0.0.1:80"}
			argv := strings.Join(tgt.Expand(vars), " ")
			if want := strings.Join(tt.wantArgs, " "); !strings.Contains(argv, want) {
				t.Errorf("command %q does not contain %q", argv, want)
			}
			if dir := vars.replacer().Replace(tgt.Dir); dir != tt.wantDir {
				t.Errorf("dir expands to %q, want %q", dir, tt.wantDir)
			}
		})
	}
}

// TestStudyTargetsInstalled launches every study proxy that `make
// study-targets` installed in front of the Go reference server in echo
// mode and relays through each copy.
func TestStudyTargetsInstalled(t *testing.T) {
	root := repoRoot(t)
	m, err := LoadManifest(StudyManifestPath(root))
	if err != nil {
		t.Fatal(err)
	}
	backend := launch(t, StartSpec{Target: goTarget(goServer(t)), Mode: ModeEcho})
	for _, tgt := range m.Targets {
		t.Run(tgt.Name, func(t *testing.T) {
			if st := tgt.Check(root); !st.Runnable {
				t.Skipf("not installed (%s): %s", strings.Join(st.Missing, ", "), st.Fix)
			}
			if v := tgt.Version(root); !strings.HasPrefix(v, tgt.Name) {
				t.Errorf("Version() = %q; want the installed version", v)
			}
			p := launch(t, StartSpec{Target: tgt, Mode: ModeProxy, Root: root, Backend: backend.Addr()})
			if got := len(p.Addrs()); got != tgt.Copies() {
				t.Errorf("%d addresses, want %d", got, tgt.Copies())
			}
			for _, addr := range p.Addrs() {
				if got := roundTrip(t, addr, "through "+tgt.Name); got != "through "+tgt.Name {
					t.Errorf("relay through %s returned %q", addr, got)
				}
			}
			if err := p.Stop(testGrace); err != nil {
				t.Errorf("Stop: %v", err)
			}
			if err := p.ExitError(); err != nil {
				t.Errorf("ExitError after Stop: %v", err)
			}
		})
	}
}
