package servers

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	goCmd := []string{"{root}/bin/srv", "--mode", "{mode}", "--listen", "{listen}", "--backend", "{backend}", "--threads", "{threads}"}
	full := Vars{Root: "/r", Mode: ModeProxy, Listen: "127.0.0.1:1", Backend: "127.0.0.1:2", Threads: 4}
	bare := Vars{Root: "/r", Mode: ModeEcho, Listen: "127.0.0.1:1"}
	tests := []struct {
		name    string
		command []string
		tls     []string // the target's TLS arguments
		vars    Vars
		want    []string
	}{
		{name: "every placeholder set", command: goCmd, vars: full,
			want: []string{"/r/bin/srv", "--mode", "proxy", "--listen", "127.0.0.1:1", "--backend", "127.0.0.1:2", "--threads", "4"}},
		{name: "empty backend and threads drop their flags", command: goCmd, vars: bare,
			want: []string{"/r/bin/srv", "--mode", "echo", "--listen", "127.0.0.1:1"}},
		{name: "empty backend only", command: goCmd, vars: Vars{Root: "/r", Mode: ModeEcho, Listen: "h:1", Threads: 2},
			want: []string{"/r/bin/srv", "--mode", "echo", "--listen", "h:1", "--threads", "2"}},
		{name: "flag=placeholder set", command: []string{"srv", "--threads={threads}", "--backend={backend}"}, vars: full,
			want: []string{"srv", "--threads=4", "--backend=127.0.0.1:2"}},
		{name: "flag=placeholder empty", command: []string{"srv", "--threads={threads}", "-b={backend}", "--listen={listen}"}, vars: bare,
			want: []string{"srv", "--listen=127.0.0.1:1"}},
		{name: "empty placeholder after a non-flag", command: []string{"srv", "serve", "{backend}"}, vars: bare,
			want: []string{"srv", "serve"}},
		{name: "empty placeholders in a row", command: []string{"srv", "--b", "{backend}", "{threads}", "x"}, vars: bare,
			want: []string{"srv", "x"}},
		{name: "executable is never dropped as a flag", command: []string{"-srv", "{backend}"}, vars: bare,
			want: []string{"-srv"}},
		{name: "empty placeholder inside an element", command: []string{"srv", "--peer=x{backend}y", "a{threads}"}, vars: bare,
			want: []string{"srv", "--peer=xy", "a"}},
		{name: "several placeholders in one element", command: []string{"srv", "{mode}@{listen}/{threads}"}, vars: full,
			want: []string{"srv", "proxy@127.0.0.1:1/4"}},
		{name: "values are not expanded again", command: []string{"srv", "{listen}"}, vars: Vars{Listen: "{mode}", Mode: ModeEcho},
			want: []string{"srv", "{mode}"}},
		{name: "unknown braces are kept", command: []string{"srv", "{port}", "--x={port}"}, vars: bare,
			want: []string{"srv", "{port}", "--x={port}"}},
		{name: "empty command", command: nil, vars: full, want: []string{}},
		{name: "host and port parts", command: []string{"socat", "TCP-LISTEN:{listen_port},bind={listen_host},fork", "TCP:{backend_host}:{backend_port}"}, vars: full,
			want: []string{"socat", "TCP-LISTEN:1,bind=127.0.0.1,fork", "TCP:127.0.0.1:2"}},
		{name: "IPv6 host part", command: []string{"srv", "{listen_host}", "{listen_port}"}, vars: Vars{Listen: "[::1]:8080"},
			want: []string{"srv", "::1", "8080"}},
		{name: "config and workdir", command: []string{"nginx", "-p", "{workdir}", "-c", "{config}"}, vars: Vars{Config: "/t/n.conf", Workdir: "/t"},
			want: []string{"nginx", "-p", "/t", "-c", "/t/n.conf"}},
		{name: "TLS arguments follow the command with TLS on", command: goCmd, tls: []string{"--tls-cert", "{tls_cert}", "--tls-key", "{tls_key}"},
			vars: Vars{Root: "/r", Mode: ModeHTTP, Listen: "h:1", TLSCert: "/c.pem", TLSKey: "/k.pem"},
			want: []string{"/r/bin/srv", "--mode", "http", "--listen", "h:1", "--tls-cert", "/c.pem", "--tls-key", "/k.pem"}},
		{name: "no TLS arguments with TLS off", command: goCmd, tls: []string{"--tls-cert", "{tls_cert}", "--tls-key", "{tls_key}"}, vars: bare,
			want: []string{"/r/bin/srv", "--mode", "echo", "--listen", "127.0.0.1:1"}},
		{name: "TLS arguments take every placeholder", command: []string{"srv"}, tls: []string{"--tls={tls_cert}+{tls_key}", "--for={mode}", "--peer", "{backend}"},
			vars: Vars{Mode: ModeGRPC, TLSCert: "c", TLSKey: "k"},
			want: []string{"srv", "--tls=c+k", "--for=grpc"}},
		{name: "TLS placeholders in a command are kept", command: []string{"srv", "{tls_cert}"}, vars: Vars{TLSCert: "c"},
			want: []string{"srv", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt := &Target{Name: "t", Command: slices.Clone(tt.command), TLS: tt.tls}
			got := tgt.Expand(tt.vars)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Expand(%q) = %q, want %q", tt.command, got, tt.want)
			}
			if !slices.Equal(tgt.Command, tt.command) {
				t.Errorf("Expand changed the command to %q", tgt.Command)
			}
		})
	}
}

func TestModes(t *testing.T) {
	tgt := &Target{Modes: []string{ModeHTTP}}
	tests := []struct {
		name string
		mode string
		want bool
	}{
		{name: "listed", mode: ModeHTTP, want: true},
		{name: "not listed", mode: ModeEcho},
		{name: "empty", mode: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tgt.Supports(tt.mode); got != tt.want {
				t.Errorf("Supports(%q) = %v, want %v", tt.mode, got, tt.want)
			}
		})
	}
	if got := Modes(); !slices.Equal(got, []string{"echo", "http", "proxy", "grpc"}) {
		t.Errorf("Modes() = %v", got)
	}
}

// writeFile creates path (and its directory) with the given mode.
func writeFile(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "bin", "built"), 0o755)
	writeFile(t, filepath.Join(root, "bin", "plain"), 0o644)
	const noTool = "latbench-no-such-toolchain"
	tests := []struct {
		name        string
		target      Target
		want        Status // Fix is checked with wantFix
		wantFix     []string
		wantMissing []string
	}{
		{name: "external", target: Target{Address: "127.0.0.1:1"},
			want: Status{Runnable: true, Built: true, External: true}},
		{name: "command on PATH", target: Target{Command: []string{"sh"}},
			want: Status{Runnable: true, Built: true}},
		{name: "built binary", target: Target{Binary: "bin/built", Requires: []string{noTool}, Command: []string{"{root}/bin/built"}},
			want: Status{Runnable: true, Built: true}},
		{name: "relative executable", target: Target{Command: []string{"bin/built"}},
			want: Status{Runnable: true, Built: true}},
		{name: "absolute binary", target: Target{Binary: filepath.Join(root, "bin", "built"), Command: []string{"{root}/bin/built"}},
			want: Status{Runnable: true, Built: true}},
		{name: "not built", target: Target{Binary: "bin/missing", Build: "make it", Command: []string{"{root}/bin/missing"}},
			wantMissing: []string{"binary bin/missing"}, wantFix: []string{"build it with `make it` from the repository root"}},
		{name: "not built, no build command", target: Target{Binary: "bin/missing", Command: []string{"{root}/bin/missing"}},
			wantMissing: []string{"binary bin/missing"}, wantFix: []string{"build it yourself (the target has no `build` command that makes bin/missing)"}},
		{name: "not built, toolchain missing", target: Target{Binary: "bin/missing", Requires: []string{"sh", noTool}, Command: []string{"{root}/bin/missing"}},
			wantMissing: []string{"toolchain " + noTool, "binary bin/missing"}, wantFix: []string{"install " + noTool + " and put it on PATH; then build it"}},
		{name: "no binary, toolchain missing", target: Target{Requires: []string{noTool}, Command: []string{"sh"}},
			want: Status{Built: true}, wantMissing: []string{"toolchain " + noTool}},
		{name: "command not on PATH", target: Target{Command: []string{"latbench-no-such-command"}},
			want: Status{Built: true}, wantMissing: []string{"command latbench-no-such-command"}, wantFix: []string{"install latbench-no-such-command or put it on PATH"}},
		{name: "command not executable", target: Target{Command: []string{"{root}/bin/plain"}},
			want: Status{Built: true}, wantMissing: []string{"command " + root + "/bin/plain"}, wantFix: []string{"check the path"}},
		{name: "command is a directory", target: Target{Command: []string{"bin"}},
			want: Status{Built: true}, wantMissing: []string{"command bin"}},
		{name: "built, but command elsewhere missing", target: Target{Binary: "bin/built", Command: []string{"bin/gone"}},
			want: Status{Built: true}, wantMissing: []string{"command bin/gone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.target.Check(root)
			if got.Runnable != tt.want.Runnable || got.Built != tt.want.Built || got.External != tt.want.External {
				t.Errorf("Check = %+v; want Runnable %v, Built %v, External %v", got, tt.want.Runnable, tt.want.Built, tt.want.External)
			}
			if !slices.Equal(got.Missing, tt.wantMissing) {
				t.Errorf("Missing = %q, want %q", got.Missing, tt.wantMissing)
			}
			if got.Runnable != (got.Fix == "") {
				t.Errorf("Runnable %v with Fix %q", got.Runnable, got.Fix)
			}
			for _, want := range tt.wantFix {
				if !strings.Contains(got.Fix, want) {
					t.Errorf("Fix %q does not contain %q", got.Fix, want)
				}
			}
		})
	}
}
