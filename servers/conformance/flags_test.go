package conformance

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/latbench/latbench/servers"
)

// testProtocolFlags checks the flag combinations of part 2 of the
// contract that must exit 2 at once, and that the message says why: some
// line of the output holds every word of wantLine (case-insensitive).
func (s *suite) testProtocolFlags(t *testing.T) {
	certs := newTestCerts(t)
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct {
		name     string
		mode     string
		args     []string // after the manifest's command
		wantLine []string
	}{
		{name: "proxy with TLS", mode: "proxy", args: certs.args(), wantLine: []string{"proxy", "tls"}},
		{name: "only --tls-cert", mode: "echo", args: []string{"--tls-cert", certs.certFile}, wantLine: []string{"tls-key"}},
		{name: "only --tls-key", mode: "http", args: []string{"--tls-key", certs.keyFile}, wantLine: []string{"tls-cert"}},
		{name: "unreadable certificate", mode: "echo", args: []string{"--tls-cert", missing, "--tls-key", certs.keyFile},
			wantLine: []string{missing}},
		{name: "key of another certificate", mode: "http", args: []string{"--tls-cert", certs.certFile, "--tls-key", certs.otherKey},
			wantLine: []string{certs.otherKey}},
		{name: "--io blocking with TLS", mode: "http", args: append([]string{"--io", "blocking"}, certs.args()...),
			wantLine: []string{"blocking", "tls"}},
		{name: "--io blocking with grpc", mode: "grpc", args: []string{"--io", "blocking"}, wantLine: []string{"blocking", "grpc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := s.runArgs(t, tt.mode, tt.args)
			if code != 2 {
				t.Fatalf("exit code %d, want 2; output:\n%s", code, out)
			}
			if !hasLineWith(out, tt.wantLine) {
				t.Errorf("no line of the output names %q; output:\n%s", tt.wantLine, out)
			}
		})
	}
}

// runArgs runs the server's command in mode, on a free port, with args
// appended, waits at most ioTimeout for it to exit, and returns its exit
// code (-1 when it had to be killed) and output.
func (s *suite) runArgs(t *testing.T, mode string, args []string) (int, string) {
	t.Helper()
	listen, err := servers.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	vars := servers.Vars{Root: s.root, Mode: mode, Listen: listen, Workers: s.target.WorkersFor(s.workers)}
	if mode == servers.ModeProxy {
		vars.Backend = "127.0.0.1:9" // Never dialed: the flags are refused first.
	}
	argv := append(s.target.Expand(vars), args...)
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = s.root
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case ctx.Err() != nil:
		t.Errorf("%s did not exit within %v", strings.Join(argv, " "), ioTimeout)
		return -1, string(out)
	case errors.As(err, &exitErr):
		return exitErr.ExitCode(), string(out)
	}
	t.Fatalf("run %s: %v", strings.Join(argv, " "), err)
	return -1, ""
}

// hasLineWith reports whether a line of out contains every word,
// ignoring case.
func hasLineWith(out string, words []string) bool {
	for line := range strings.Lines(strings.ToLower(out)) {
		all := true
		for _, w := range words {
			all = all && strings.Contains(line, strings.ToLower(w))
		}
		if all {
			return true
		}
	}
	return false
}
