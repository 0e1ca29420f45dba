//go:build unix

package report

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chromiumTimeout bounds one headless Chromium run.
const chromiumTimeout = 60 * time.Second

// chromiumPath returns the Chromium binary, skipping the test when there
// is none, or failing it under CI=true, where the browser must be
// installed (Debian: apt-get install chromium).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "chromium not found on PATH: install Debian's chromium package to run the headless report tests"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// runChromium renders page headless with the Chromium at bin and extra flags and returns its
// stdout. It runs Chromium in its own process group, with its profile and
// home in a temporary folder, and kills the whole group when the run takes
// longer than chromiumTimeout or ends.
func runChromium(t *testing.T, bin, page string, flags ...string) []byte {
	t.Helper()
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	args := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(tmp, "profile"),
	}, flags...)
	args = append(args, "file://"+page)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+tmp, "XDG_CONFIG_HOME="+tmp, "XDG_CACHE_HOME="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// On timeout, kill Chromium's whole process group: its renderer and
	// helper processes would otherwise outlive it.
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if cmd.Process != nil {
		// Whatever is left of the group once Chromium itself has exited.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("chromium did not finish within %v; stderr:\n%s", chromiumTimeout, tail(stderr.String()))
	}
	if err != nil {
		t.Fatalf("chromium: %v; stderr:\n%s", err, tail(stderr.String()))
	}
	return stdout.Bytes()
}

// tail returns the last lines of s.
func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

func TestChromiumDumpDOM(t *testing.T) {
	bin := chromiumPath(t)
	dir, _, _ := writeFixture(t)
	dom := string(runChromium(t, bin, filepath.Join(dir, HTMLFile), "--dump-dom"))
	svgs, err := filepath.Glob(filepath.Join(dir, ChartsDir, "*.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(dom, "<svg "); got != len(svgs) {
		t.Errorf("DOM has %d <svg> elements, want %d (one per chart)", got, len(svgs))
	}
	// Latency, cost, overhead, rounds and search tables, then environment
	// and load.
	if got := strings.Count(dom, "<table>"); got < 7 {
		t.Errorf("DOM has %d tables, want the result (with rounds), environment and load tables", got)
	}
	for _, want := range []string{"<th>target</th>", "<h3>Over rounds: median [95% confidence interval]</h3>", `<th class="num">p99 µs</th>`, "<h3>Cost</h3>", "<figcaption>", "<path ", "<text "} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM lacks %q", want)
		}
	}
}

func TestChromiumDumpDOMSlowDependency(t *testing.T) {
	bin := chromiumPath(t)
	dir, _, _ := writeOnce(t, "slow-dependency", slowDependencyRun)
	dom := string(runChromium(t, bin, filepath.Join(dir, HTMLFile), "--dump-dom"))
	svgs, err := filepath.Glob(filepath.Join(dir, ChartsDir, "*.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(dom, "<svg "); got != len(svgs) {
		t.Errorf("DOM has %d <svg> elements, want %d (one per chart)", got, len(svgs))
	}
	for _, want := range []string{
		`<section id="slow-dependency">`, `<section id="faults">`, `<p class="finding">At 200 ms, go and rust kept`,
		"<h3>Request classes (µs, latency from due time)</h3>", "<td>not within the window</td>",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM lacks %q", want)
		}
	}
}

func TestChromiumScreenshot(t *testing.T) {
	bin := chromiumPath(t)
	dir, _, _ := writeFixture(t)
	shot := filepath.Join(t.TempDir(), "shot.png")
	runChromium(t, bin, filepath.Join(dir, HTMLFile), "--screenshot="+shot, "--window-size=1280,4000", "--hide-scrollbars")
	if out := os.Getenv("LATBENCH_KEEP_SCREENSHOT"); out != "" {
		data, err := os.ReadFile(shot)
		if err == nil {
			err = os.WriteFile(out, data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() < 50_000 {
		t.Errorf("screenshot is %d bytes; a page of tables and charts should be larger", info.Size())
	}
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != (image.Point{X: 1280, Y: 4000}) {
		t.Errorf("screenshot is %v, want 1280x4000", got)
	}
	if share := inkShare(img); share < 0.02 {
		t.Errorf("%.1f%% of the screenshot is not white; it looks blank", 100*share)
	}
}

// inkShare returns the share of sampled pixels that are not near white.
func inkShare(img image.Image) float64 {
	b := img.Bounds()
	var ink, all int
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			all++
			if r < 0xe000 || g < 0xe000 || bl < 0xe000 {
				ink++
			}
		}
	}
	return float64(ink) / float64(all)
}
