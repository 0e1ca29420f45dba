package servers

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// echoCopies returns a target that runs n copies of the Go reference
// server bin in echo mode.
func echoCopies(bin string, n int) *Target {
	tgt := goTarget(bin)
	tgt.Name, tgt.Instances = "copies", n
	return tgt
}

func TestLaunchInstances(t *testing.T) {
	bin := goServer(t)
	free, err := FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		instances int
		listen    string
		wantFirst string // Addr, when fixed
		wantTail  string // last element of Argv
	}{
		{name: "default is one copy", instances: 0, wantTail: "{last}"},
		{name: "two copies", instances: 2, wantTail: "×2"},
		{name: "three copies after a fixed port", instances: 3, listen: free, wantFirst: free, wantTail: "×3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := launch(t, StartSpec{Target: echoCopies(bin, tt.instances), Mode: ModeEcho, Listen: tt.listen})
			n := max(tt.instances, 1)
			addrs, pids := p.Addrs(), p.Pids()
			if len(addrs) != n || len(pids) != n || p.Instances() != n || addrs[0] != p.Addr() || pids[0] != p.Pid() {
				t.Fatalf("Addrs %v, Pids %v, Instances %d, Addr %s, Pid %d; want %d copies, the first being Addr and Pid",
					addrs, pids, p.Instances(), p.Addr(), p.Pid(), n)
			}
			if tt.wantFirst != "" && p.Addr() != tt.wantFirst {
				t.Errorf("Addr() = %s, want the given %s", p.Addr(), tt.wantFirst)
			}
			if len(slices.Compact(slices.Sorted(slices.Values(addrs)))) != n || len(slices.Compact(slices.Sorted(slices.Values(pids)))) != n {
				t.Errorf("copies share an address or a pid: %v, %v", addrs, pids)
			}
			for _, addr := range addrs {
				if got := roundTrip(t, addr, "copy at "+addr); got != "copy at "+addr {
					t.Errorf("echo at %s returned %q", addr, got)
				}
			}
			argv := p.Argv()
			if want := strings.ReplaceAll(tt.wantTail, "{last}", argv[len(argv)-1]); argv[len(argv)-1] != want || !slices.Contains(argv, p.Addr()) {
				t.Errorf("Argv() = %q; want the first copy's command ending in %q", argv, want)
			}
			if n > 1 {
				waitFor(t, "every copy logged its start, labelled", func() bool {
					lines := strings.Join(p.Stderr(), "\n")
					for i := 1; i <= n; i++ {
						if !strings.Contains(lines, "[copy "+string(rune('0'+i))+"] ") {
							return false
						}
					}
					return true
				})
			}
			if err := p.Stop(testGrace); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			for _, pid := range pids {
				if pidAlive(pid) {
					t.Errorf("copy %d still alive after Stop", pid)
				}
			}
			if err := p.ExitError(); err != nil {
				t.Errorf("ExitError() after Stop = %v", err)
			}
		})
	}
}

func TestInstancesOneCopyDies(t *testing.T) {
	p := launch(t, StartSpec{Target: echoCopies(goServer(t), 2), Mode: ModeEcho})
	killPid(t, p.Pids()[1])
	select {
	case <-p.Exited():
	case <-time.After(testWait):
		t.Fatalf("Exited() not closed %v after a copy was killed", testWait)
	}
	if err := p.ExitError(); err == nil || !strings.Contains(err.Error(), "target copies exited unexpectedly (copy 2 of 2: killed by signal 9 (killed))") {
		t.Fatalf("ExitError() = %v; want the kill of copy 2", err)
	}
	if code := p.ExitCode(); code != -1 {
		t.Errorf("ExitCode() = %d, want -1 (a signal)", code)
	}
	if err := p.Stop(testGrace); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if pidAlive(p.Pids()[0]) {
		t.Error("the copy that still ran survived Stop")
	}
}

func TestInstancesFailedLaunch(t *testing.T) {
	pidDir := t.TempDir()
	// Copy 1 serves; copy 2 (whose port differs) fails once copy 1 has
	// written its pid (at most 10 s later), so that both pids are known.
	script := `echo $$ > "$PIDDIR/$1"; [ "$1" = "$FIRST" ] && exec "$BIN" --mode echo --listen "$1"
i=0; while [ ! -s "$PIDDIR/$FIRST" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done
echo "copy cannot start" >&2; exit 4`
	tgt := shTarget("half", script)
	tgt.Instances = 2
	first, err := FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = launchErr(t, StartSpec{Target: tgt, Listen: first, Env: []string{"PIDDIR=" + pidDir, "FIRST=" + first, "BIN=" + goServer(t)}})
	if err == nil || !strings.Contains(err.Error(), "target half exited before it was ready (copy 2 of 2: exit status 4)") ||
		!strings.Contains(err.Error(), "[copy 2] copy cannot start") {
		t.Fatalf("Launch = %v; want the exit of copy 2 with its labelled output", err)
	}
	entries, err := os.ReadDir(pidDir)
	if err != nil || len(entries) != 2 {
		t.Fatalf("pid files %v, %v; want one per copy", entries, err)
	}
	for _, e := range entries {
		pid := readPidFile(t, filepath.Join(pidDir, e.Name()))
		if left := livePids(readGroup(pid)); len(left) > 0 {
			t.Errorf("processes %v of copy %s still run after the failed launch", left, e.Name())
		}
	}
}

func TestInstancesSampling(t *testing.T) {
	tgt := &Target{Name: "busy", Modes: []string{ModeEcho}, Instances: 2, Command: []string{"sh", "-c", "while :; do :; done", "busy", "{listen}"}}
	p, err := startCopies(StartSpec{Target: tgt, Mode: ModeEcho, Root: t.TempDir(), listens: []string{"127.0.0.1:1", "127.0.0.1:2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(testGrace) })
	group := readGroups(p.Pids())
	for _, pid := range p.Pids() {
		if !slices.ContainsFunc(group, func(ps procStat) bool { return ps.PID == pid }) {
			t.Errorf("readGroups(%v) = %+v; lacks copy %d", p.Pids(), group, pid)
		}
	}
	s := p.StartSampling(50 * time.Millisecond)
	time.Sleep(time.Second)
	u := s.Stop()
	if u.Samples < 2 || u.CPUSeconds <= 0 || u.PeakRSSBytes <= 0 {
		t.Fatalf("usage of two busy copies = %+v; want samples, CPU and RSS", u)
	}
	if err := p.Stop(testGrace); err != nil {
		t.Errorf("Stop: %v", err)
	}
}

func TestStdinOpenUntilStop(t *testing.T) {
	bin := goServer(t)
	tests := []struct {
		name   string
		script string
		// wantStderr is a line the target writes once Stop closed its stdin.
		wantStderr string
		grace      time.Duration
	}{
		{
			// With a closed stdin it would exit 3 at once, before it is ready.
			name:   "exits when stdin closes",
			script: `"$BIN" --mode echo --listen "$1" & cat >/dev/null; exit 3`,
		},
		{
			// It ignores SIGTERM: only the end of its input stops it, so a
			// Stop without SIGKILL shows that Stop closed stdin (halfway
			// through the grace period).
			name:       "stops only when stdin closes",
			script:     `trap "" TERM; "$BIN" --mode echo --listen "$1" & cat >/dev/null; echo "stdin closed" >&2; kill -9 $!; exit 0`,
			wantStderr: "stdin closed",
			grace:      4 * time.Second,
		},
		{
			// It quits on SIGTERM, which comes while its stdin is still open:
			// cat then waits for input until timeout (124), not until EOF (0).
			name:       "SIGTERM comes first",
			script:     `trap 'timeout 0.3 cat >/dev/null; echo "stdin at TERM: $?" >&2; exit 0' TERM; "$BIN" --mode echo --listen "$1" & while :; do sleep 0.05; done`,
			wantStderr: "stdin at TERM: 124",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := launch(t, StartSpec{Target: shTarget("reader", tt.script), Env: []string{"BIN=" + bin}})
			time.Sleep(300 * time.Millisecond)
			select {
			case <-p.Exited():
				t.Fatalf("the target exited while latbench held its stdin: %v", p.ExitError())
			default:
			}
			if got := roundTrip(t, p.Addr(), "still up"); got != "still up" {
				t.Errorf("echo returned %q", got)
			}
			grace := testGrace
			if tt.grace > 0 {
				grace = tt.grace
			}
			if err := p.Stop(grace); err != nil {
				t.Fatalf("Stop = %v; want a clean stop", err)
			}
			if err := p.ExitError(); err != nil {
				t.Errorf("ExitError() after Stop = %v", err)
			}
			if tt.wantStderr != "" && !slices.Contains(p.Stderr(), tt.wantStderr) {
				t.Errorf("Stderr() = %q; want %q", p.Stderr(), tt.wantStderr)
			}
			if left := livePids(readGroup(p.Pid())); len(left) > 0 {
				t.Errorf("processes %v survived Stop", left)
			}
		})
	}
}

func TestLaunchDir(t *testing.T) {
	bin := goServer(t)
	root := t.TempDir()
	for _, sub := range []string{"work", "run/echo"} {
		if err := os.MkdirAll(filepath.Join(root, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeText(t, filepath.Join(root, "file"), "")
	writeText(t, filepath.Join(root, "fil127.0.0.1"), "")
	tests := []struct {
		name    string
		dir     string
		wantPwd string // "" when the launch fails
		wantErr []string
	}{
		{name: "default is the root", dir: "", wantPwd: root},
		{name: "with {root}", dir: "{root}/work", wantPwd: filepath.Join(root, "work")},
		{name: "relative to the root", dir: "work", wantPwd: filepath.Join(root, "work")},
		{name: "with a launch placeholder", dir: "run/{mode}", wantPwd: filepath.Join(root, "run", "echo")},
		{name: "missing", dir: "{root}/gone",
			wantErr: []string{"target pwd cannot run: missing dir " + filepath.Join(root, "gone") + "; create it, or fix `dir` in the target in t.yaml:3"}},
		{name: "missing, known at launch", dir: "{root}/{mode}-gone",
			wantErr: []string{"launch pwd: no working directory " + filepath.Join(root, "echo-gone") + " (`dir` of the target in t.yaml:3): stat ",
				"fix `dir` in the target in t.yaml:3"}},
		{name: "a file", dir: "file", wantErr: []string{"missing dir " + filepath.Join(root, "file")}},
		{name: "a file, known at launch", dir: "fil{listen_host}", wantErr: []string{"no working directory " + filepath.Join(root, "fil127.0.0.1"), "fil127.0.0.1 is not a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tgt := shTarget("pwd", `pwd >&2; exec "$BIN" --mode echo --listen "$1"`)
			tgt.Dir, tgt.Source, tgt.Line = tt.dir, "t.yaml", 3
			p, err := launchErr(t, StartSpec{Target: tgt, Root: root, Env: []string{"BIN=" + bin}})
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("Launch succeeded; want an error")
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
			waitFor(t, "the target printed its working directory", func() bool { return len(p.Stderr()) > 0 })
			if got := p.Stderr()[0]; got != tt.wantPwd {
				t.Errorf("working directory %q, want %q", got, tt.wantPwd)
			}
		})
	}
}

func TestCheckDirAndFixes(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "bin", "built"), 0o755)
	tests := []struct {
		name        string
		target      Target
		wantMissing []string
		wantFix     string
		wantNoFix   string // must not appear in Fix
	}{
		{name: "dir of a built target exists", target: Target{Binary: "bin/built", Dir: "{root}/bin", Command: []string{"{root}/bin/built"}}},
		{name: "dir of a built target missing", target: Target{Binary: "bin/built", Dir: "{root}/gone", Build: "make-it", Command: []string{"{root}/bin/built"}, Source: "u.yaml", Line: 7},
			wantMissing: []string{"dir " + root + "/gone"}, wantFix: "install the target again (build it with `make-it` from the repository root), or fix `dir` in the target in u.yaml:7"},
		{name: "dir with a launch placeholder is checked at launch", target: Target{Binary: "bin/built", Dir: "{root}/{mode}", Command: []string{"{root}/bin/built"}}},
		{name: "dir of a target not built is not checked", target: Target{Binary: "bin/gone", Dir: "gone", Build: "b", Command: []string{"{root}/bin/gone"}},
			wantMissing: []string{"binary bin/gone"}},
		{name: "default target: its make goal", target: Target{Binary: "bin/gone", Build: "scripts/b.sh", makeGoal: "study-targets", Command: []string{"{root}/bin/gone"}},
			wantMissing: []string{"binary bin/gone"}, wantFix: "build it with `scripts/b.sh` from the repository root (or run `make study-targets`)"},
		{name: "user target: its own build only", target: Target{Binary: "bin/gone", Build: "cc -o bin/gone x.c", Command: []string{"{root}/bin/gone"}},
			wantMissing: []string{"binary bin/gone"}, wantFix: "build it with `cc -o bin/gone x.c` from the repository root", wantNoFix: "`make"},
		{name: "user target without build", target: Target{Binary: "bin/gone", Command: []string{"{root}/bin/gone"}, Source: "u.yaml", Line: 2},
			wantMissing: []string{"binary bin/gone"}, wantFix: "build it yourself (the target in u.yaml:2 has no `build` command that makes bin/gone)", wantNoFix: "`make"},
		{name: "user target with a missing requirement", target: Target{Command: []string{"sh"}, Requires: []string{"latbench-no-such-tool"}},
			wantMissing: []string{"toolchain latbench-no-such-tool"}, wantFix: "install latbench-no-such-tool and put it on PATH", wantNoFix: "`make"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.target.Check(root)
			if !slices.Equal(st.Missing, tt.wantMissing) {
				t.Errorf("Missing = %q, want %q", st.Missing, tt.wantMissing)
			}
			if !strings.Contains(st.Fix, tt.wantFix) || tt.wantNoFix != "" && strings.Contains(st.Fix, tt.wantNoFix) {
				t.Errorf("Fix = %q; want it to contain %q and not %q", st.Fix, tt.wantFix, tt.wantNoFix)
			}
		})
	}
}

func TestLineRingSources(t *testing.T) {
	r := newLineRing(4)
	one, two := r.source("[copy 1] "), r.source("[copy 2] ")
	for _, w := range []struct {
		src  *lineSource
		data string
	}{{one, "start"}, {two, "begin\nhalf"}, {one, "ed\n"}, {two, " done\nrest"}} {
		if n, err := w.src.Write([]byte(w.data)); n != len(w.data) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", w.data, n, err)
		}
	}
	want := []string{"[copy 2] begin", "[copy 1] started", "[copy 2] half done", "[copy 2] rest"}
	if got := r.Lines(); !slices.Equal(got, want) {
		t.Errorf("Lines() = %q, want %q", got, want)
	}
	if _, err := r.Write([]byte("plain\n")); err != nil {
		t.Fatal(err)
	}
	if got := r.Lines(); got[len(got)-2] != "plain" || len(got) != 4 {
		t.Errorf("Lines() after an unlabelled line = %q", got)
	}
}

func TestStopInstancesForceKill(t *testing.T) {
	dir := t.TempDir()
	// Copy 2 ignores SIGTERM (and so does its sleep); copy 1 stops.
	script := `[ "$1" = "$FIRST" ] || trap "" TERM; echo $$ > "$DIR/$1"; sleep 60; sleep 60`
	tgt := shTarget("mixed", script)
	tgt.Instances = 2
	listens := []string{"127.0.0.1:1", "127.0.0.1:2"}
	p, err := startCopies(StartSpec{Target: tgt, Mode: ModeEcho, Root: t.TempDir(), listens: listens,
		Env: []string{"DIR=" + dir, "FIRST=" + listens[0]}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(testGrace) })
	for _, l := range listens {
		readPidFile(t, filepath.Join(dir, l))
	}
	err = p.Stop(300 * time.Millisecond)
	if !errors.Is(err, ErrForceKilled) || !strings.Contains(err.Error(), "target mixed copy 2 ignored SIGTERM for 300ms; killed with SIGKILL") ||
		strings.Contains(err.Error(), "copy 1") {
		t.Fatalf("Stop = %v; want only copy 2 force-killed", err)
	}
	for _, pid := range p.Pids() {
		if left := livePids(readGroup(pid)); len(left) > 0 {
			t.Errorf("processes %v of group %d survived Stop", left, pid)
		}
	}
}
