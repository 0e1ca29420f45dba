package servers

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Bounds of Target.Version.
const (
	// versionTimeout bounds a version command.
	versionTimeout = 2 * time.Second
	// versionWaitDelay bounds the wait for a version command's output
	// once it has exited or been killed while a child still holds it.
	versionWaitDelay = 100 * time.Millisecond
	// maxVersionBytes is how much of a version command's output or of a
	// version file is read.
	maxVersionBytes = 64 << 10
	// maxVersionLen cuts a long version line.
	maxVersionLen = 200
)

// versionPlaceholders are the placeholders version and version_file may
// use: nothing of a launch is known when the version is read.
var versionPlaceholders = []string{"{root}"}

// versionProblems checks version and version_file.
func (t *Target) versionProblems(who string) []problem {
	var ps []problem
	add := func(key, format string, args ...any) {
		ps = append(ps, problem{key, who + fmt.Sprintf(format, args...)})
	}
	if len(t.VersionCommand) > 0 && t.VersionFile != "" {
		add("version_file", " has both `version` and `version_file`; keep the command that prints the version or the file that holds it")
	}
	if len(t.VersionCommand) > 0 && strings.TrimSpace(t.VersionCommand[0]) == "" {
		add("version", ": the first element of version (the executable) is empty")
	}
	fields := []struct {
		key    string
		values []string
	}{{"version", t.VersionCommand}, {"version_file", []string{t.VersionFile}}}
	for _, f := range fields {
		for _, v := range f.values {
			for _, ph := range unknownPlaceholders(v, versionPlaceholders) {
				add(f.key, ": placeholder %s in %s; only {root} is known there", ph, f.key)
			}
		}
	}
	return ps
}

// Version returns the target's version, best effort: the first line of
// VersionFile, or the first non-empty line VersionCommand prints (stdout,
// then stderr; run from the repository root with a 2 s limit). A target
// whose config latbench writes (nginx, HAProxy) and that declares neither
// is asked with `<executable> -v`. It returns "" when the target declares
// no version, or the file or command fails.
func (t *Target) Version(root string) string {
	expand := strings.NewReplacer("{root}", root).Replace
	switch {
	case t.VersionFile == "" && len(t.VersionCommand) == 0 && t.Config != "" && len(t.Command) > 0:
		return versionFromCommand([]string{expand(t.Command[0]), "-v"}, root)
	case t.VersionFile != "":
		return versionFromFile(resolvePath(expand(t.VersionFile), root))
	case len(t.VersionCommand) > 0:
		argv := make([]string, len(t.VersionCommand))
		for i, a := range t.VersionCommand {
			argv[i] = expand(a)
		}
		return versionFromCommand(argv, root)
	}
	return ""
}

// versionFromFile returns the first line of the file at path, or "".
func versionFromFile(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxVersionBytes))
	if err != nil {
		return ""
	}
	return firstLine(data)
}

// versionFromCommand runs argv from dir and returns the first non-empty
// line of its stdout, else of its stderr, or "" when it fails.
func versionFromCommand(argv []string, dir string) string {
	exe, err := findExecutable(argv[0], dir)
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), versionTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, argv[1:]...)
	cmd.Dir = dir
	stdout, stderr := &cappedBuffer{max: maxVersionBytes}, &cappedBuffer{max: maxVersionBytes}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// The command runs in a group of its own: a timeout kills it with its
	// children, and children it left behind are killed once it is done.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = versionWaitDelay
	err = cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	// ErrWaitDelay: it exited 0, but a child still held its output.
	if err != nil && !errors.Is(err, exec.ErrWaitDelay) {
		return ""
	}
	if v := firstLine(stdout.Bytes()); v != "" {
		return v
	}
	return firstLine(stderr.Bytes())
}

// firstLine returns the first non-empty line of data, trimmed and cut to
// maxVersionLen bytes.
func firstLine(data []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxVersionBytes)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			if len(line) > maxVersionLen {
				line = line[:maxVersionLen]
			}
			return line
		}
	}
	return ""
}

// cappedBuffer is an io.Writer that keeps the first max bytes written to
// it and discards the rest without failing.
type cappedBuffer struct {
	buf bytes.Buffer
	max int
}

// Write keeps what fits; it never fails.
func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// Bytes returns what was kept.
func (b *cappedBuffer) Bytes() []byte { return b.buf.Bytes() }
