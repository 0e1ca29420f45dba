package servers

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadDefaultManifest(t *testing.T) {
	path := DefaultManifestPath(repoRoot(t))
	m, err := LoadManifest(path)
	if err != nil {
		t.Fatalf("LoadManifest(%s): %v", path, err)
	}
	if len(m.Targets) == 0 {
		t.Fatal("the default manifest has no targets")
	}
	for _, tgt := range m.Targets {
		if tgt.Source != path || tgt.Line <= 0 {
			t.Errorf("target %s: Source, Line = %q, %d; want %q and a line", tgt.Name, tgt.Source, tgt.Line, path)
		}
		if tgt.Language == "" {
			t.Errorf("target %s has no language", tgt.Name)
		}
	}
	goT, err := m.Lookup("go")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(goT.Modes, Modes()) || goT.External() || goT.Binary == "" || goT.Build == "" {
		t.Errorf("target go = %+v; want all modes, a binary and a build command", goT)
	}
	got := goT.Expand(Vars{Root: "/r", Mode: ModeEcho, Listen: "127.0.0.1:9"})
	want := []string{"/r/bin/latbench-server-go", "--mode", "echo", "--listen", "127.0.0.1:9"}
	if !slices.Equal(got, want) {
		t.Errorf("go target expands to %q, want %q", got, want)
	}
}

func TestParseManifestGood(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		wantNames []string
		wantLines []int
		check     func(t *testing.T, m *Manifest)
	}{
		{
			name: "command and external",
			yaml: `# comment
targets:
  - name: a
    language: C
    modes: [echo, http]
    command: [./a, --listen, "{listen}"]
  - name: ext
    modes: [http]
    address: 10.0.0.1:8080
`,
			wantNames: []string{"a", "ext"},
			wantLines: []int{3, 7},
			check: func(t *testing.T, m *Manifest) {
				if m.Targets[0].External() || !m.Targets[1].External() {
					t.Errorf("External() = %v, %v; want false, true", m.Targets[0].External(), m.Targets[1].External())
				}
				if !m.Targets[0].Supports(ModeHTTP) || m.Targets[0].Supports(ModeProxy) {
					t.Errorf("target a modes %v", m.Targets[0].Modes)
				}
			},
		},
		{
			name: "proxy with backend inside an element, explicit tcp probe",
			yaml: `targets:
- name: p.1_x-y
  modes: [proxy]
  command: [relay, "--to={backend}", "{listen}"]
  probe: tcp
`,
			wantNames: []string{"p.1_x-y"},
			wantLines: []int{2},
		},
		{
			name:      "flow style",
			yaml:      `{targets: [{name: f, modes: [echo], command: [x, "{listen}"]}]}`,
			wantNames: []string{"f"},
			wantLines: []int{1},
		},
		{
			name:      "no targets",
			yaml:      "targets: []\n",
			wantNames: []string{},
		},
		{
			name: "tls arguments and grpc mode",
			yaml: `targets:
  - name: srv
    modes: [http, grpc]
    command: [srv, --listen, "{listen}"]
    tls: [--tls, "{tls_cert}", "--tls-key={tls_key}", --for, "{mode}"]
`,
			wantNames: []string{"srv"},
			wantLines: []int{2},
			check: func(t *testing.T, m *Manifest) {
				srv := m.Targets[0]
				if !srv.Supports(ModeGRPC) || len(srv.TLS) != 5 || srv.tlsRefusal(ModeGRPC) != nil {
					t.Errorf("srv = modes %v, tls %q; want grpc and TLS", srv.Modes, srv.TLS)
				}
			},
		},
		{
			name: "dir, instances, version command and version file",
			yaml: `targets:
  - name: relay
    modes: [proxy]
    dir: "{root}/bin/relay"
    instances: 2
    version: ["{root}/bin/relay/relay", --version]
    command: [relay, "{listen}", "{backend}"]
  - name: other
    modes: [echo]
    instances: 16
    version_file: "{root}/bin/other/VERSION"
    command: [other, "{listen}"]
`,
			wantNames: []string{"relay", "other"},
			wantLines: []int{2, 8},
			check: func(t *testing.T, m *Manifest) {
				relay, other := m.Targets[0], m.Targets[1]
				if relay.Dir != "{root}/bin/relay" || relay.Copies() != 2 || !slices.Equal(relay.VersionCommand, []string{"{root}/bin/relay/relay", "--version"}) {
					t.Errorf("relay = dir %q, %d copies, version %q", relay.Dir, relay.Copies(), relay.VersionCommand)
				}
				if other.Copies() != 16 || other.VersionFile != "{root}/bin/other/VERSION" || other.Dir != "" {
					t.Errorf("other = %d copies, version file %q, dir %q", other.Copies(), other.VersionFile, other.Dir)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest("t.yaml", []byte(tt.yaml))
			if err != nil {
				t.Fatalf("ParseManifest: %v", err)
			}
			if got := m.Names(); !slices.Equal(got, tt.wantNames) {
				t.Errorf("Names() = %v, want %v", got, tt.wantNames)
			}
			for i, line := range tt.wantLines {
				if got := m.Targets[i]; got.Line != line || got.Source != "t.yaml" {
					t.Errorf("target %d at %s:%d, want t.yaml:%d", i, got.Source, got.Line, line)
				}
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

func TestParseManifestErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		// wantErrs are substrings the error must contain, in any order.
		wantErrs []string
	}{
		{name: "unknown key", yaml: "targets:\n  - name: a\n    modes: [echo]\n    modez: [echo]\n    command: [x]\n",
			wantErrs: []string{`t.yaml:4: unknown key "modez" in target (did you mean "modes"?); valid keys: name, language`}},
		{name: "unknown key far from any", yaml: "targets:\n  - name: a\n    colour: red\n",
			wantErrs: []string{`t.yaml:3: unknown key "colour" in target; valid keys:`}},
		{name: "unknown top-level key", yaml: "target:\n  - name: a\n",
			wantErrs: []string{`t.yaml:1: unknown top-level key "target"; a manifest has a single key, ` + "`targets`"}},
		{name: "missing name", yaml: "targets:\n  - modes: [echo]\n    command: [x]\n",
			wantErrs: []string{"t.yaml:2: target has no name; add `name: <id>`"}},
		{name: "bad name", yaml: "targets:\n  - modes: [echo]\n    name: a b\n    command: [x]\n",
			wantErrs: []string{`t.yaml:3: target name "a b" may only contain`}},
		{name: "duplicate name", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x]\n  - modes: [echo]\n    name: a\n    command: [y]\n",
			wantErrs: []string{`t.yaml:6: duplicate target name "a" (first defined at line 2); rename one of them`}},
		{name: "duplicate through alias", yaml: "targets:\n  - &a {name: a, modes: [echo], command: [x]}\n  - *a\n",
			wantErrs: []string{`t.yaml:3: duplicate target name "a" (first defined at line 2)`}},
		{name: "bad mode", yaml: "targets:\n  - name: a\n    modes: [echo, quic]\n    command: [x]\n",
			wantErrs: []string{`t.yaml:3: target "a": unknown mode "quic"; valid modes: echo, http, proxy, grpc`}},
		{name: "tls of an address", yaml: "targets:\n  - name: a\n    modes: [http]\n    address: 127.0.0.1:1\n    tls: [--cert, \"{tls_cert}\", --key, \"{tls_key}\"]\n",
			wantErrs: []string{`t.yaml:5: target "a" has both ` + "`tls` and `address`"}},
		{name: "tls with a written config", yaml: "targets:\n  - name: n\n    modes: [http]\n    config: nginx\n    command: [nginx, -c, \"{config}\"]\n    tls: [--cert, \"{tls_cert}\", --key, \"{tls_key}\"]\n",
			wantErrs: []string{`t.yaml:6: target "n" has config nginx, whose TLS latbench writes into the config; remove ` + "`tls`"}},
		{name: "tls without its key", yaml: "targets:\n  - name: a\n    modes: [http]\n    command: [x, \"{listen}\"]\n    tls: [--cert, \"{tls_cert}\"]\n",
			wantErrs: []string{`t.yaml:5: target "a": tls has no {tls_key}; latbench passes the certificate and its key as two files`}},
		{name: "unknown placeholder in tls", yaml: "targets:\n  - name: a\n    modes: [http]\n    command: [x, \"{listen}\"]\n    tls: [\"--pem={tls_pem}\", \"{tls_cert}\", \"{tls_key}\"]\n",
			wantErrs: []string{`t.yaml:5: target "a": unknown placeholder {tls_pem} in tls; valid: {root}`, "{tls_cert} {tls_key}"}},
		{name: "tls placeholder in command", yaml: "targets:\n  - name: a\n    modes: [http]\n    command: [x, \"{listen}\", --cert, \"{tls_cert}\"]\n",
			wantErrs: []string{`t.yaml:4: target "a": placeholder {tls_cert} belongs in ` + "`tls`, the arguments latbench appends when the target serves TLS"}},
		{name: "tls not a list", yaml: "targets:\n  - name: a\n    modes: [http]\n    command: [x, \"{listen}\"]\n    tls: --tls\n",
			wantErrs: []string{"t.yaml:5: cannot unmarshal", "command and tls take a list like [a, b]"}},
		{name: "mode twice", yaml: "targets:\n  - name: a\n    modes: [echo, echo]\n    command: [x]\n",
			wantErrs: []string{`t.yaml:3: target "a": mode "echo" is listed twice`}},
		{name: "no modes", yaml: "targets:\n  - name: a\n    command: [x]\n",
			wantErrs: []string{`t.yaml:2: target "a" has no modes`}},
		{name: "modes not a list", yaml: "targets:\n  - name: a\n    modes: echo\n    command: [x]\n",
			wantErrs: []string{"t.yaml:3: cannot unmarshal", "take a list like [a, b]"}},
		{name: "name not a scalar", yaml: "targets:\n  - name: [a]\n",
			wantErrs: []string{"t.yaml:2: cannot unmarshal", "the other keys a single value"}},
		{name: "proxy without backend", yaml: "targets:\n  - name: p\n    modes: [proxy]\n    command: [relay, \"{listen}\"]\n",
			wantErrs: []string{`t.yaml:4: target "p" serves mode proxy but its command has no {backend} (or {backend_port}) placeholder`}},
		{name: "unknown config", yaml: "targets:\n  - name: n\n    modes: [http]\n    config: apache\n    command: [x, \"{config}\"]\n",
			wantErrs: []string{`t.yaml:4: target "n": unknown config "apache"; valid: nginx, haproxy`}},
		{name: "config mode it cannot serve", yaml: "targets:\n  - name: n\n    modes: [echo]\n    config: nginx\n    command: [x, \"{config}\"]\n",
			wantErrs: []string{`t.yaml:3: target "n": a target with config nginx serves only http, not echo`}},
		{name: "config without placeholder", yaml: "targets:\n  - name: h\n    modes: [proxy]\n    config: haproxy\n    command: [haproxy]\n",
			wantErrs: []string{`t.yaml:5: target "h" has config haproxy but no {config} placeholder`}},
		{name: "port placeholder is enough", yaml: "targets:\n  - name: s\n    modes: [proxy]\n    command: [socat, \"TCP-LISTEN:{listen_port}\", \"TCP:{backend_host}\"]\n",
			wantErrs: []string{`target "s" serves mode proxy but its command has no {backend}`}},
		{name: "bad warmup", yaml: "targets:\n  - name: j\n    modes: [echo]\n    warmup: soon\n    command: [x, \"{listen}\"]\n",
			wantErrs: []string{`t.yaml:4: target "j": warmup "soon" is not a duration such as 10s`}},
		{name: "address and command", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x]\n    address: 127.0.0.1:1\n",
			wantErrs: []string{`t.yaml:5: target "a" has both ` + "`command` and `address`"}},
		{name: "neither address nor command", yaml: "targets:\n  - name: a\n    modes: [echo]\n",
			wantErrs: []string{`t.yaml:2: target "a" has neither ` + "`command` nor `address`"}},
		{name: "bad address", yaml: "targets:\n  - name: a\n    modes: [echo]\n    address: localhost\n",
			wantErrs: []string{`t.yaml:4: target "a": address "localhost" is not host:port`}},
		{name: "address without port", yaml: "targets:\n  - name: a\n    modes: [echo]\n    address: \"localhost:\"\n",
			wantErrs: []string{`address "localhost:" is not host:port`}},
		{name: "unknown placeholder", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x, \"--port={port}\"]\n",
			wantErrs: []string{`t.yaml:4: target "a": unknown placeholder {port} in command`}},
		{name: "no listen placeholder", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x, --port, \"9000\"]\n",
			wantErrs: []string{"t.yaml:4", "no {listen} (or {listen_port}) placeholder"}},
		{name: "empty executable", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [\" \", y]\n",
			wantErrs: []string{`t.yaml:4: target "a": the first element of command (the executable) is empty`}},
		{name: "bad probe", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x]\n    probe: http\n",
			wantErrs: []string{`t.yaml:5: target "a": unknown probe "http"; valid probes: tcp`}},
		{name: "targets not a list", yaml: "targets: 3\n",
			wantErrs: []string{"t.yaml:1: cannot unmarshal", "`targets` must be a list"}},
		{name: "entry not a mapping", yaml: "targets:\n  - 3\n",
			wantErrs: []string{"t.yaml:2: cannot unmarshal", "each target must be a mapping"}},
		{name: "top level a list", yaml: "- name: a\n",
			wantErrs: []string{"t.yaml:1: cannot unmarshal", "a manifest is a mapping with a `targets:` list"}},
		{name: "empty entry", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x]\n  -\n",
			wantErrs: []string{"t.yaml:5: empty target entry"}},
		{name: "empty file", yaml: "", wantErrs: []string{"t.yaml:1: empty manifest"}},
		{name: "only a comment", yaml: "# nothing\n", wantErrs: []string{"t.yaml:1: empty manifest"}},
		{name: "second document", yaml: "targets: []\n---\ntargets: []\n",
			wantErrs: []string{"t.yaml:2: a second YAML document (---) is not supported"}},
		{name: "syntax error", yaml: "targets:\n\t- name: a\n", wantErrs: []string{"t.yaml:", "invalid YAML: found character that cannot start any token"}},
		{name: "duplicate key", yaml: "targets:\n  - name: a\n    name: b\n",
			wantErrs: []string{`t.yaml:3: mapping key "name" already defined at line 2; remove one of them`}},
		{name: "key misspelt near a new key", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x, \"{listen}\"]\n    instance: 2\n",
			wantErrs: []string{`t.yaml:5: unknown key "instance" in target (did you mean "instances"?)`, "dir, instances", "version, version_file"}},
		{name: "instances 0", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x, \"{listen}\"]\n    instances: 0\n",
			wantErrs: []string{`t.yaml:5: target "a": instances 0 is outside 1..16; remove the key for one copy`}},
		{name: "instances too many", yaml: "targets:\n  - name: a\n    modes: [echo]\n    instances: 17\n    command: [x, \"{listen}\"]\n",
			wantErrs: []string{`t.yaml:4: target "a": instances 17 is outside 1..16`}},
		{name: "instances negative", yaml: "targets:\n  - name: a\n    modes: [echo]\n    instances: -1\n    command: [x, \"{listen}\"]\n",
			wantErrs: []string{`t.yaml:4: target "a": instances -1 is outside 1..16`}},
		{name: "instances not a number", yaml: "targets:\n  - name: a\n    modes: [echo]\n    instances: two\n    command: [x, \"{listen}\"]\n",
			wantErrs: []string{"t.yaml:4: cannot unmarshal", "the other keys a single value"}},
		{name: "instances of an address", yaml: "targets:\n  - name: a\n    modes: [echo]\n    address: 127.0.0.1:1\n    instances: 2\n",
			wantErrs: []string{`t.yaml:5: target "a" has both ` + "`instances` and `address`"}},
		{name: "instances with a written config", yaml: "targets:\n  - name: h\n    modes: [proxy]\n    config: haproxy\n    instances: 2\n    command: [haproxy, -f, \"{config}\"]\n",
			wantErrs: []string{`t.yaml:5: target "h" has config haproxy, which runs one copy; remove ` + "`instances`"}},
		{name: "dir of an address", yaml: "targets:\n  - name: a\n    modes: [echo]\n    address: 127.0.0.1:1\n    dir: /tmp\n",
			wantErrs: []string{`t.yaml:5: target "a" has both ` + "`dir` and `address`"}},
		{name: "unknown placeholder in dir", yaml: "targets:\n  - name: a\n    modes: [echo]\n    dir: \"{home}/x\"\n    command: [x, \"{listen}\"]\n",
			wantErrs: []string{`t.yaml:4: target "a": unknown placeholder {home} in dir; valid: {root}`}},
		{name: "version and version file", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x, \"{listen}\"]\n    version: [x, -v]\n    version_file: V\n",
			wantErrs: []string{`t.yaml:6: target "a" has both ` + "`version` and `version_file`"}},
		{name: "launch placeholder in version", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x, \"{listen}\"]\n    version: [x, \"{listen}\"]\n",
			wantErrs: []string{`t.yaml:5: target "a": placeholder {listen} in version; only {root} is known there`}},
		{name: "launch placeholder in version file", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x, \"{listen}\"]\n    version_file: \"{workdir}/V\"\n",
			wantErrs: []string{`t.yaml:5: target "a": placeholder {workdir} in version_file; only {root} is known there`}},
		{name: "empty version executable", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x, \"{listen}\"]\n    version: [\"\", -v]\n",
			wantErrs: []string{`t.yaml:5: target "a": the first element of version (the executable) is empty`}},
		{name: "version not a list", yaml: "targets:\n  - name: a\n    modes: [echo]\n    command: [x, \"{listen}\"]\n    version: x -v\n",
			wantErrs: []string{"t.yaml:5: cannot unmarshal", "take a list like [a, b]"}},
		{name: "every problem at once", yaml: "targets:\n  - name: a\n    modes: [x]\n    command: [y]\n  - modes: [echo]\n    command: [\"{nope}\"]\n",
			wantErrs: []string{`t.yaml:3: target "a": unknown mode "x"`, "t.yaml:5: target has no name", "t.yaml:6: target: unknown placeholder {nope}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest("t.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("ParseManifest succeeded with targets %v; want an error", m.Names())
			}
			if m != nil {
				t.Errorf("ParseManifest returned a manifest with its error")
			}
			for _, want := range tt.wantErrs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, want)
				}
			}
			for line := range strings.SplitSeq(err.Error(), "\n") {
				if !strings.HasPrefix(line, "t.yaml:") {
					t.Errorf("error line %q does not start with the source name", line)
				}
			}
		})
	}
}

func TestLoadManifestErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	data := append([]byte("targets: []\n"), make([]byte, maxManifestBytes)...)
	if err := os.WriteFile(big, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		wantErr string
	}{
		{name: "missing file", path: filepath.Join(dir, "none.yaml"), wantErr: "read manifest"},
		{name: "too large", path: big, wantErr: "manifest larger than"},
		{name: "directory", path: dir, wantErr: "read manifest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := LoadManifest(tt.path); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadManifest(%s) error = %v; want one containing %q", tt.path, err, tt.wantErr)
			}
		})
	}
}

// mustParse parses a manifest or fails the test.
func mustParse(t *testing.T, source, data string) *Manifest {
	t.Helper()
	m, err := ParseManifest(source, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMerge(t *testing.T) {
	base := mustParse(t, "base.yaml", `targets:
  - {name: go, modes: [echo], command: [go-server, "{listen}"]}
  - {name: rust, modes: [echo], command: [rust-server, "{listen}"]}
`)
	user := mustParse(t, "user.yaml", `targets:
  - {name: nginx, modes: [http], command: [nginx, "{listen}"]}
  - {name: go, modes: [echo, http], command: [my-go-server, "{listen}"]}
`)
	base.Merge(user)
	base.Merge(nil)
	base.Merge(&Manifest{Targets: []*Target{nil}})
	if got, want := base.Names(), []string{"go", "rust", "nginx"}; !slices.Equal(got, want) {
		t.Fatalf("Names() after Merge = %v, want %v", got, want)
	}
	tests := []struct {
		name       string
		wantCmd    string
		wantSource string
	}{
		{name: "go", wantCmd: "my-go-server", wantSource: "user.yaml"},
		{name: "rust", wantCmd: "rust-server", wantSource: "base.yaml"},
		{name: "nginx", wantCmd: "nginx", wantSource: "user.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt, err := base.Lookup(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if tgt.Command[0] != tt.wantCmd || tgt.Source != tt.wantSource {
				t.Errorf("target %s runs %s from %s; want %s from %s", tt.name, tgt.Command[0], tgt.Source, tt.wantCmd, tt.wantSource)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	m := mustParse(t, "t.yaml", `targets:
  - {name: go, modes: [echo], command: [a, "{listen}"]}
  - {name: rust-tokio, modes: [echo], command: [b, "{listen}"]}
  - {name: java-netty, modes: [echo], command: [c, "{listen}"]}
`)
	tests := []struct {
		name     string
		lookup   string
		wantErr  []string // substrings; nil means found
		wantNone string   // must not appear in the error
	}{
		{name: "found", lookup: "rust-tokio"},
		{name: "typo", lookup: "rust-tokoi", wantErr: []string{`unknown target "rust-tokoi"; did you mean "rust-tokio"?`, "known: go, rust-tokio, java-netty"}},
		{name: "case differs", lookup: "GO", wantErr: []string{`did you mean "go"?`}},
		{name: "far from all", lookup: "haskell-warp", wantErr: []string{`unknown target "haskell-warp"; known: go, rust-tokio, java-netty`}, wantNone: "did you mean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt, err := m.Lookup(tt.lookup)
			if tt.wantErr == nil {
				if err != nil || tgt.Name != tt.lookup {
					t.Fatalf("Lookup(%q) = %v, %v", tt.lookup, tgt, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Lookup(%q) found %s; want an error", tt.lookup, tgt.Name)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if tt.wantNone != "" && strings.Contains(err.Error(), tt.wantNone) {
				t.Errorf("error %q contains %q", err, tt.wantNone)
			}
		})
	}
	t.Run("empty manifest", func(t *testing.T) {
		_, err := (&Manifest{}).Lookup("go")
		if err == nil || !strings.Contains(err.Error(), "the manifest has no targets") {
			t.Fatalf("Lookup on an empty manifest: %v", err)
		}
	})
}

func FuzzParseManifest(f *testing.F) {
	// study.yaml is no seed: a file that large (mostly comments) stalls
	// the fuzzing engine's progress reports; the seeds below cover its keys.
	if data, err := os.ReadFile("targets.yaml"); err == nil {
		f.Add(data)
	}
	for _, seed := range []string{
		"",
		"targets: []\n",
		"targets:\n  - name: a\n    modes: [echo]\n    command: [x, \"{listen}\"]\n",
		"targets:\n  - {name: e, modes: [http], address: \"[::1]:80\"}\n",
		"targets:\n  - &a {name: a, modes: [echo], command: [x]}\n  - *a\n  -\n",
		"targets:\n  - <<: {name: b, modes: [echo]}\n    command: [y]\n",
		"target: 1\n---\n- x\n",
		"targets:\n  - name: a\n    name: b\n\tmodes: 3\n",
		"targets:\n  - name: p\n    modes: [proxy]\n    dir: \"{root}/x\"\n    instances: 2\n    version_file: \"{root}/V\"\n    command: [p, \"{listen}\", \"{backend}\"]\n",
		"targets:\n  - {name: v, modes: [echo], instances: 0, version: [v, -v], command: [v, \"{listen}\"]}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest("f.yaml", data)
		if err != nil {
			if m != nil {
				t.Fatal("ParseManifest returned a manifest with its error")
			}
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error %q does not start with the source name", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, tgt := range m.Targets {
			if tgt == nil || tgt.Name == "" || seen[tgt.Name] || tgt.Source != "f.yaml" || tgt.Line < 1 {
				t.Fatalf("accepted a bad target %+v", tgt)
			}
			seen[tgt.Name] = true
			if ps := tgt.problems(); len(ps) > 0 {
				t.Fatalf("accepted target %s with problems %v", tgt.Name, ps)
			}
			if n := tgt.Copies(); n < 1 || n > MaxInstances {
				t.Fatalf("accepted target %s with %d copies", tgt.Name, n)
			}
			if _, err := m.Lookup(tgt.Name); err != nil {
				t.Fatal(err)
			}
			_ = tgt.Expand(Vars{Mode: ModeEcho})
		}
	})
}
