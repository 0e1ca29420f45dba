package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/latbench/latbench/bench"
)

// progressLine shows one self-overwriting status line on a terminal, and
// the start and end of each cell as plain lines everywhere. On a
// non-terminal it prints no status line, so logs stay clean.
type progressLine struct {
	mu    sync.Mutex // guards w and shown: update runs on the engine's goroutine
	w     io.Writer
	tty   bool
	shown bool // a status line is on screen and must be cleared first
}

// newProgressLine returns a progressLine writing to w.
func newProgressLine(w io.Writer) *progressLine {
	return &progressLine{w: w, tty: isTerminal(w)}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// update redraws the status line for cell with p.
func (l *progressLine) update(cell bench.CellSpec, index, total int, p bench.Progress) {
	if !l.tty {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "\r\x1b[K%s", statusText(cell, index, total, p))
	l.shown = true
}

// statusText is the content of the status line.
func statusText(cell bench.CellSpec, index, total int, p bench.Progress) string {
	phase := fmt.Sprintf("%s/%s", fmtSeconds(p.Elapsed-cell.Load.Warmup), fmtSeconds(cell.Load.Duration))
	if p.Warmup {
		phase = fmt.Sprintf("warm-up %s/%s", fmtSeconds(p.Elapsed), fmtSeconds(cell.Load.Warmup))
	}
	return fmt.Sprintf("[%d/%d] %s  %s  %.0f rps  p50 %s  p99 %s  errors %d",
		index+1, total, cell.ID, phase, p.RatePerSec, fmtMicros(p.P50), fmtMicros(p.P99), p.Errors)
}

// log prints line on a line of its own, above the status line.
func (l *progressLine) log(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clearLocked()
	fmt.Fprintln(l.w, line)
}

// clear removes the status line.
func (l *progressLine) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clearLocked()
}

func (l *progressLine) clearLocked() {
	if l.shown {
		fmt.Fprint(l.w, "\r\x1b[K")
		l.shown = false
	}
}

// fmtSeconds formats d as seconds with one decimal.
func fmtSeconds(d time.Duration) string {
	return fmt.Sprintf("%.1fs", max(d, 0).Seconds())
}

// fmtMicros formats d in microseconds.
func fmtMicros(d time.Duration) string {
	return fmt.Sprintf("%.1fµs", float64(d)/1e3)
}
