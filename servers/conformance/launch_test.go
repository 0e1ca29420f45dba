package conformance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latbench/latbench/servers"
	"go.uber.org/goleak"
)

// TestMain checks that no test leaks a goroutine.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Generous bounds for a noisy 2-core machine running with -race.
const (
	// ioTimeout bounds every read or write of a test.
	ioTimeout = 20 * time.Second
	// readyTimeout bounds a server's start (a JVM start included).
	readyTimeout = 60 * time.Second
	// sigtermBound is how long a server may take to exit after SIGTERM,
	// as the contract says.
	sigtermBound = 2 * time.Second
	// closeBound is how long a proxy may take to close one side after
	// the other closed.
	closeBound = 2 * time.Second
)

// form is one reference server in one I/O form.
type form struct {
	name string // its manifest target
	// blocking serves each connection on one thread of a fixed pool: a
	// slow dependency starves it.
	blocking bool
	// optional forms need what not every machine has (a JDK 21+): they
	// skip, even under CI=true, when they are not built.
	optional bool
	// protocols forms follow part 2 of the contract too
	// (servers/PROTOCOLS.md): TLS, HTTP/2 and gRPC, which only the async
	// form of each language serves.
	protocols bool
}

// referenceForms returns every reference server in every I/O form: all
// must follow the contract.
func referenceForms() []form {
	return []form{
		{name: "go", protocols: true}, {name: "rust", protocols: true},
		{name: "java", protocols: true}, {name: "python", protocols: true},
		{name: "go-blocking", blocking: true}, {name: "rust-blocking", blocking: true},
		{name: "java-blocking", blocking: true}, {name: "python-blocking", blocking: true},
		{name: "java-virtual", optional: true},
	}
}

// contractWorkers is the thread pool of blocking forms under the
// contract tests, which hold 1,000 connections open at once: each holds a
// thread.
const contractWorkers = 1100

// suite is what the tests of one server need.
type suite struct {
	root    string
	target  *servers.Target
	form    form
	workers int // the blocking form's pool; 0: the server's own default
}

// newSuite finds the repository, looks name up in its manifest and makes
// sure the server is built; it skips (or, under CI=true, fails) when the
// server cannot be built here.
func newSuite(t *testing.T, f form) *suite {
	t.Helper()
	root := repoRoot(t)
	m, err := servers.LoadManifest(servers.DefaultManifestPath(root))
	if err != nil {
		t.Fatal(err)
	}
	target, err := m.Lookup(f.name)
	if err != nil {
		t.Fatal(err)
	}
	if f.optional && !target.Check(root).Runnable {
		skipOrFail(t, fmt.Sprintf("%s is not built here (%s); it needs what this machine may not have", f.name, target.Build))
	}
	ensureBuilt(t, root, target)
	s := &suite{root: root, target: target, form: f}
	if f.blocking {
		s.workers = contractWorkers
	}
	return s
}

// repoRoot returns the repository root: two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// ensureBuilt builds target with its manifest command when its binary is
// missing and its toolchains are there.
func ensureBuilt(t *testing.T, root string, target *servers.Target) {
	t.Helper()
	st := target.Check(root)
	if st.Runnable {
		return
	}
	if st.Built || hasMissingToolchain(st) {
		skipOrFail(t, fmt.Sprintf("server %s cannot run here: missing %s; %s",
			target.Name, strings.Join(st.Missing, ", "), st.Fix))
	}
	t.Logf("building %s: %s", target.Name, target.Build)
	cmd := exec.Command("sh", "-c", target.Build)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s with `%s` failed: %v\n%s", target.Name, target.Build, err, out)
	}
	if st := target.Check(root); !st.Runnable {
		t.Fatalf("server %s still cannot run after its build: missing %s", target.Name, strings.Join(st.Missing, ", "))
	}
}

// hasMissingToolchain reports whether st lacks a toolchain.
func hasMissingToolchain(st servers.Status) bool {
	for _, m := range st.Missing {
		if strings.HasPrefix(m, "toolchain ") {
			return true
		}
	}
	return false
}

// skipOrFail skips the test with why, or fails it when CI=true.
func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: every reference server must be built and tested)", why)
	}
	t.Skip(why)
}

// start launches the server in mode on a free 127.0.0.1 port, with
// backend for proxy mode, and stops it when the test ends. Stopping must
// not need SIGKILL, and the server must not have died on its own (an exit
// with status 0 is the SIGTERM test's own doing).
func (s *suite) start(t *testing.T, mode, backend string) *servers.Process {
	t.Helper()
	return s.launch(t, s.target, mode, backend)
}

// startWith is start with extra arguments after the manifest's command,
// such as --tls-cert FILE --tls-key FILE, in a mode that the manifest
// may not list yet (grpc): part 2 of the contract has flags and a mode
// that servers.StartSpec and servers/targets.yaml do not know yet.
func (s *suite) startWith(t *testing.T, mode string, extra ...string) *servers.Process {
	t.Helper()
	target := *s.target
	if !target.Supports(mode) {
		target.Modes = append(slices.Clone(target.Modes), mode)
	}
	target.Command = append(slices.Clone(target.Command), extra...)
	return s.launch(t, &target, mode, "")
}

// launch starts target in mode as start says.
func (s *suite) launch(t *testing.T, target *servers.Target, mode, backend string) *servers.Process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	p, err := servers.Start(ctx, servers.StartSpec{
		Target: target, Mode: mode, Root: s.root, Backend: backend, ReadyTimeout: readyTimeout, Workers: s.workers,
	})
	if err != nil {
		t.Fatalf("launch %s %s: %v", s.target.Name, mode, err)
	}
	t.Cleanup(func() {
		if err := p.Stop(5 * time.Second); err != nil && !errors.Is(err, servers.ErrForceKilled) {
			t.Errorf("stop %s: %v", s.target.Name, err)
		} else if err != nil {
			t.Errorf("stop %s needed SIGKILL: %v", s.target.Name, err)
		}
		if err := p.ExitError(); err != nil && p.ExitCode() != 0 {
			t.Errorf("%s %s: %v", s.target.Name, mode, err)
		}
	})
	return p
}

// TestConformance runs the contract tests against every reference
// server in every I/O form, one subtest per form and per property.
func TestConformance(t *testing.T) {
	for _, f := range referenceForms() {
		t.Run(f.name, func(t *testing.T) {
			s := newSuite(t, f)
			t.Run("echo", s.testEcho)
			t.Run("http", s.testHTTP)
			t.Run("slow dependency", s.testDelay)
			t.Run("proxy", s.testProxy)
			t.Run("sigterm", s.testSigterm)
			if f.protocols {
				s.runProtocols(t)
			}
		})
	}
}

// runProtocols runs the tests of part 2 of the contract
// (servers/PROTOCOLS.md), one subtest per protocol and transport, so that
// a failure names both.
func (s *suite) runProtocols(t *testing.T) {
	t.Run("tls echo", s.testTLSEcho)
	t.Run("https http1.1", func(t *testing.T) { s.testHTTPS(t, alpnHTTP1) })
	t.Run("https h2", func(t *testing.T) { s.testHTTPS(t, alpnH2) })
	t.Run("https no alpn", s.testHTTPSNoALPN)
	t.Run("h2c", s.testH2C)
	t.Run("grpc h2c", func(t *testing.T) { s.testGRPC(t, false) })
	t.Run("grpc tls", func(t *testing.T) { s.testGRPC(t, true) })
	t.Run("tls and grpc flags", s.testProtocolFlags)
	t.Run("sigterm tls h2 grpc", s.testSigtermProtocols)
}
