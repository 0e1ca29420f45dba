package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// beforeConns are the connection counts of the before/after comparison.
var beforeConns = []int{1, 10}

// The tools of the before/after comparison.
const (
	toolBefore = "before"
	toolAfter  = "after"
)

// beforeLoad names the before/after workload with conns connections.
func beforeLoad(conns int) string {
	return "echo 64 B, closed loop, " + thousands(conns) + " connection" + plural(conns)
}

// compareBefore runs the "before" latbench (built from --before) and
// bin/latbench in a closed loop on the Go echo server, interleaved. It
// does nothing when the before build is missing (noted already).
func (e *env) compareBefore(ctx context.Context, r *report) error {
	if e.before.bin == "" {
		return nil
	}
	d := e.cfg.duration
	var jobs []job
	for _, c := range beforeConns {
		args := []string{"--scenario", "echo", "--size", "64", "--rate", "max", "-c", strconv.Itoa(c)}
		jobs = append(jobs,
			e.before.job(toolBefore, beforeLoad(c), e.echo.Addr(), d, 0, args...),
			e.latbench.job(toolAfter, beforeLoad(c), e.echo.Addr(), d, 0, args...))
	}
	samples, err := e.rounds(ctx, jobs)
	r.before = samples
	return err
}

// buildBefore builds latbench at git revision rev of the repository at
// root without touching its work tree or git state: `git archive` into a
// folder under scratch, then `go build` there. It returns the binary and
// that folder, which the binary gets as --root (it holds
// servers/targets.yaml); the caller removes scratch.
func buildBefore(ctx context.Context, root, rev, scratch string) (bin, tree string, err error) {
	tree = filepath.Join(scratch, "before")
	if err := os.MkdirAll(tree, 0o755); err != nil {
		return "", "", err
	}
	if err := extract(ctx, root, rev, tree); err != nil {
		return "", "", err
	}
	bin = filepath.Join(scratch, "latbench-before")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/latbench")
	build.Dir = tree
	build.Env = append(os.Environ(), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build: %v\n%s", err, tail(string(out)))
	}
	return bin, tree, nil
}

// extract writes the tree of rev into dir: git archive piped into tar.
func extract(ctx context.Context, root, rev, dir string) error {
	archive := exec.CommandContext(ctx, "git", "-C", root, "archive", "--format=tar", rev)
	untar := exec.CommandContext(ctx, "tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return err
	}
	var archiveErr, untarErr bytes.Buffer
	archive.Stderr, untar.Stderr, untar.Stdin = &archiveErr, &untarErr, pipe
	if err := archive.Start(); err != nil {
		return fmt.Errorf("git archive: %w", err)
	}
	untarRun := untar.Run()
	if err := archive.Wait(); err != nil {
		return fmt.Errorf("git archive %s: %v: %s", rev, err, strings.TrimSpace(archiveErr.String()))
	}
	if untarRun != nil {
		return fmt.Errorf("tar: %v: %s", untarRun, strings.TrimSpace(untarErr.String()))
	}
	return nil
}

// plural returns "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
