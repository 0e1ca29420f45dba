package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A kernel without sch_netem (many cloud VM kernels) cannot impair a
// link, so the netem tests re-run themselves inside User-mode Linux:
// Debian's user-mode-linux, a Linux kernel with sch_netem that runs as a
// process, booted by scripts/uml/run.sh with the host's files as its root
// (scripts/uml/install.sh installs it; make test-deps runs that).

// inUMLEnv tells a test binary that scripts/uml/run.sh started it inside
// UML, where a netem test must pass or fail, never skip.
const inUMLEnv = "LATBENCH_IN_UML"

// umlTimeout bounds one run inside UML, boot included; it takes about
// 30 s, and minutes on a busy host where a test needs its later tries.
const umlTimeout = 300 * time.Second

// inUML reports whether this test binary runs inside UML.
func inUML() bool {
	return os.Getenv(inUMLEnv) == "1"
}

// hostLacksNetem says why this machine's kernel cannot impair a link,
// or "" when it can or when that cannot be told (latbench itself then
// says). It tries a netem qdisc on lo in a throwaway network namespace,
// which is gone with the process that made it.
func hostLacksNetem(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("unshare"); err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "unshare", "--net", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms").CombinedOutput()
	if err != nil && strings.Contains(string(out), "qdisc kind is unknown") {
		release, _ := os.ReadFile("/proc/sys/kernel/osrelease")
		return fmt.Sprintf("this kernel (%s) has no netem qdisc", strings.TrimSpace(string(release)))
	}
	return ""
}

// runInUML runs the test named name of this test binary inside UML and
// passes when it passed there. It skips, saying why, where UML cannot be
// had; with CI=true it fails instead.
func runInUML(t *testing.T, name, why string) {
	if _, err := exec.LookPath("linux.uml"); err != nil {
		msg := why + ", and User-mode Linux is not installed to run the test in one that has: run scripts/uml/install.sh as root (make test-deps does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true expects it")
		}
		t.Skip(msg)
	}
	t.Logf("%s: running %s inside User-mode Linux", why, name)
	dir := t.TempDir()
	bin := umlTestBinary(t, dir)
	goPath, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	// Linking inside UML takes a minute: the go its TestMain calls hands
	// it the binaries this TestMain built from the same tree instead.
	writeFile(t, dir, "go", fmt.Sprintf(`#!/bin/sh
# go as the test binary sees it inside UML (written by uml_test.go): the
# builds TestMain asks for are the binaries built outside; anything else
# is the real go.
if [ "$#" -eq 4 ] && [ "$1" = build ] && [ "$2" = -o ]; then
	case "$4" in
	.) exec cp %s "$3" ;;
	../../servers/go) exec cp %s "$3" ;;
	../latbench-agent) exec cp %s "$3" ;;
	esac
fi
exec %s "$@"
`, shellQuote(bins.latbench), shellQuote(bins.server), shellQuote(filepath.Join(bins.dir, "latbench-agent")), shellQuote(goPath)))
	if err := os.Chmod(filepath.Join(dir, "go"), 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), umlTimeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(repoRoot(t), "scripts", "uml", "run.sh"),
		"--timeout", fmt.Sprint(int(umlTimeout.Seconds())), "--realtime", "--share", bins.dir, "--share", dir,
		"--share", repoRoot(t), "--", // latbench looks for the repository above its working directory
		bin, "-test.run", "^"+name+"$", "-test.v", "-test.count=1", "-test.timeout", (umlTimeout - 10*time.Second).String())
	// run.sh kills UML and removes its files on SIGTERM, not on SIGKILL.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 20 * time.Second
	cmd.Env = append(os.Environ(), inUMLEnv+"=1", "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("inside UML (%s):\n%s", time.Since(start).Round(time.Second), out)
	if err != nil {
		t.Fatalf("scripts/uml/run.sh: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+name+" ") || strings.Contains(string(out), "--- SKIP") {
		t.Fatalf("%s did not pass inside UML", name)
	}
}

// umlTestBinary returns this test binary, or, when it was built with the
// race detector (whose shadow memory does not fit in UML's address
// space), the same tests built without it into dir.
func umlTestBinary(t *testing.T, dir string) string {
	t.Helper()
	race := false
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			race = race || (s.Key == "-race" && s.Value == "true")
		}
	}
	if !race {
		bin, err := filepath.Abs(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		return bin
	}
	bin := filepath.Join(dir, "latbench.test")
	if out, err := exec.Command("go", "test", "-c", "-race=false", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build the tests without -race for UML: %v\n%s", err, out)
	}
	return bin
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
