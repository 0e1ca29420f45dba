package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// ResultFile is the name of the result document inside a run folder.
const ResultFile = "result.json"

// runDirTimeLayout formats the UTC start time that prefixes a run folder.
const runDirTimeLayout = "20060102T150405Z"

// maxRunDirAttempts bounds the -2, -3, … suffixes NewRunDir tries.
const maxRunDirAttempts = 1000

// hgrmTicksPerHalfDistance and hgrmValueScale shape .hgrm files: five
// reporting ticks per half distance, values scaled from ns to µs.
const (
	hgrmTicksPerHalfDistance = 5
	hgrmValueScale           = 1000.0
)

// NewRunDir creates and returns a new, empty run folder
// base/<UTC timestamp>-<suite>, for example runs/20240102T150405Z-proxy.
// The suite name is reduced to [a-z0-9._-]. If the folder already exists,
// -2, -3, … is appended until a free name is found.
func NewRunDir(base, suite string, now time.Time) (string, error) {
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", fmt.Errorf("create run folder: %w", err)
	}
	name := now.UTC().Format(runDirTimeLayout) + "-" + sanitizeName(suite, "run")
	for i := 1; i <= maxRunDirAttempts; i++ {
		dir := filepath.Join(base, name)
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", dir, i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("create run folder: %w", err)
		}
	}
	return "", fmt.Errorf("create run folder: %s-2 … -%d all exist", name, maxRunDirAttempts)
}

// sanitizeName lower-cases s and replaces every rune outside [a-z0-9._-]
// with '-', collapsing runs of them. Leading dots and dashes are dropped so
// the result is never hidden or mistaken for a flag; an empty result
// becomes fallback.
func sanitizeName(s, fallback string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		switch {
		case ok:
			b.WriteRune(r)
			dash = r == '-'
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(strings.TrimLeft(b.String(), ".-"), "-")
	if out == "" || out == "." || out == ".." {
		return fallback
	}
	return out
}

// WriteFileAtomic writes data to path so that readers see either the old
// file or the complete new one (CreateAtomic).
func WriteFileAtomic(path string, data []byte) error {
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Close()
}

// AtomicFile is a file written under a temporary name in its folder and
// renamed over its path only when it is complete: readers see either the
// old file or the whole new one, and a file streamed over an hour (an
// interval log) appears only once it has ended.
type AtomicFile struct {
	f    *os.File
	path string
}

// CreateAtomic starts writing path. The file is created with mode 0644.
func CreateAtomic(path string) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &AtomicFile{f: f, path: path}, nil
}

// Write writes to the temporary file.
func (a *AtomicFile) Write(p []byte) (int, error) { return a.f.Write(p) }

// Close syncs the temporary file and renames it over the path; on error
// the temporary file is removed.
func (a *AtomicFile) Close() (err error) {
	defer func() {
		if err != nil {
			a.Abort()
			err = fmt.Errorf("write %s: %w", a.path, err)
		}
	}()
	if err = a.f.Chmod(0o644); err != nil {
		return err
	}
	if err = a.f.Sync(); err != nil {
		return err
	}
	if err = a.f.Close(); err != nil {
		return err
	}
	if err = os.Rename(a.f.Name(), a.path); err != nil {
		return err
	}
	syncDir(filepath.Dir(a.path))
	return nil
}

// Abort drops the temporary file; path is left as it was.
func (a *AtomicFile) Abort() {
	a.f.Close()
	os.Remove(a.f.Name())
}

// syncDir flushes a folder's entries so a completed rename survives a
// crash. It is best effort: some systems cannot sync a folder.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// SaveRun writes run to dir/result.json as indented JSON, atomically. A
// run with Schema 0 is written with the current SchemaVersion; run itself
// is not modified.
func SaveRun(dir string, run *Run) error {
	if run == nil {
		return errors.New("save run: nil run")
	}
	doc := *run
	if doc.Schema == 0 {
		doc.Schema = SchemaVersion
	}
	data, err := json.MarshalIndent(&doc, "", "  ")
	if err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dir, ResultFile), append(data, '\n'))
}

// LoadRun reads and decodes dir/result.json.
func LoadRun(dir string) (*Run, error) {
	path := filepath.Join(dir, ResultFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load run: %w", err)
	}
	run, err := DecodeRun(data)
	if err != nil {
		return nil, fmt.Errorf("load run %s: %w", path, err)
	}
	return run, nil
}

// DecodeRun parses a result.json document. It rejects input that is not a
// single JSON object, lacks a schema version, or has a schema newer than
// SchemaVersion (written by a newer latbench).
func DecodeRun(data []byte) (*Run, error) {
	var probe struct {
		Schema *int `json:"schema"`
	}
	if err := decodeOne(data, &probe); err != nil {
		return nil, err
	}
	switch {
	case probe.Schema == nil:
		return nil, errors.New("not a latbench result: no \"schema\" field")
	case *probe.Schema < 1:
		return nil, fmt.Errorf("invalid schema version %d", *probe.Schema)
	case *probe.Schema > SchemaVersion:
		return nil, fmt.Errorf("schema version %d is newer than this latbench understands (%d); upgrade latbench to read it",
			*probe.Schema, SchemaVersion)
	}
	var run Run
	if err := decodeOne(data, &run); err != nil {
		return nil, err
	}
	return &run, nil
}

// decodeOne decodes exactly one JSON object from data into v.
func decodeOne(data []byte, v any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return errors.New("empty document")
	}
	if trimmed[0] != '{' {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON: trailing data after the object")
	}
	return nil
}

// HgrmFileName returns the .hgrm file name for one of a cell's histograms,
// for example "go-echo-1.latency.hgrm". kind is "latency", "service" or
// "lag"; both parts are reduced to [a-z0-9._-] so that a cell ID can never
// name a path outside the run folder.
func HgrmFileName(cellID, kind string) string {
	return sanitizeName(cellID, "cell") + "." + sanitizeName(kind, "latency") + ".hgrm"
}

// WriteHgrm writes h as an HdrHistogram percentile distribution file
// (the format HdrHistogram's plotter reads), values in microseconds,
// atomically.
func WriteHgrm(path string, h *hdrhistogram.Histogram) error {
	if h == nil {
		return fmt.Errorf("write %s: nil histogram", path)
	}
	var buf bytes.Buffer
	if _, err := h.PercentilesPrint(&buf, hgrmTicksPerHalfDistance, hgrmValueScale); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// WriteCellHgrms decodes a cell's latency and service-time histograms and
// writes them to dir as <id>.latency.hgrm and <id>.service.hgrm, and a
// paired cell's reference arm's as <id>.paired.latency.hgrm and
// <id>.paired.service.hgrm. Empty encodings (a cell that failed before
// measuring) are skipped.
func WriteCellHgrms(dir string, c *Cell) error {
	hists := []struct{ kind, encoded string }{
		{"latency", c.Histograms.Latency},
		{"service", c.Histograms.ServiceTime},
	}
	if c.Paired != nil {
		hists = append(hists, struct{ kind, encoded string }{"paired.latency", c.Paired.Reference.Histograms.Latency},
			struct{ kind, encoded string }{"paired.service", c.Paired.Reference.Histograms.ServiceTime})
	}
	for _, h := range hists {
		if h.encoded == "" {
			continue
		}
		hist, err := DecodeHistogram(h.encoded)
		if err != nil {
			return fmt.Errorf("cell %s %s: %w", c.ID, h.kind, err)
		}
		if err := WriteHgrm(filepath.Join(dir, HgrmFileName(c.ID, h.kind)), hist); err != nil {
			return err
		}
	}
	return nil
}
