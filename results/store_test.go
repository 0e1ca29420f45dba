package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNewRunDir(t *testing.T) {
	now := time.Date(2024, 5, 6, 9, 8, 9, 0, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		name     string
		suite    string
		existing int // how many earlier runs already took the name
		want     string
	}{
		{name: "plain", suite: "proxy", want: "20240506T070809Z-proxy"},
		{name: "sanitized", suite: "My Suite/../x", want: "20240506T070809Z-my-suite-..-x"},
		{name: "empty suite", suite: "", want: "20240506T070809Z-run"},
		{name: "second run", suite: "proxy", existing: 1, want: "20240506T070809Z-proxy-2"},
		{name: "third run", suite: "proxy", existing: 2, want: "20240506T070809Z-proxy-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := filepath.Join(t.TempDir(), "runs")
			for range tt.existing {
				if _, err := NewRunDir(base, tt.suite, now); err != nil {
					t.Fatal(err)
				}
			}
			got, err := NewRunDir(base, tt.suite, now)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(base, tt.want); got != want {
				t.Errorf("NewRunDir() = %q, want %q", got, want)
			}
			if fi, err := os.Stat(got); err != nil || !fi.IsDir() {
				t.Errorf("run folder not created: %v", err)
			}
		})
	}
}

func TestSanitizeName(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "kept", in: "go-echo_1.2", want: "go-echo_1.2"},
		{name: "lower-cased", in: "Rust", want: "rust"},
		{name: "runs collapse", in: "a  /\\ b", want: "a-b"},
		{name: "path escape", in: "../../etc/passwd", want: "etc-passwd"},
		{name: "hidden", in: ".hidden", want: "hidden"},
		{name: "only dots", in: "..", want: "x"},
		{name: "unicode", in: "µs-😀", want: "s"},
		{name: "empty", in: "", want: "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sanitizeName(tt.in, "x"); got != tt.want {
				t.Errorf("sanitizeName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	for _, content := range []string{"first", "second, longer"} {
		if err := WriteFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("read back %q, %v; want %q", got, err, content)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
	}
	assertOnlyFiles(t, dir, "f.txt")
}

func TestWriteFileAtomicFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	// The target is a folder, so the final rename fails.
	target := filepath.Join(dir, "taken")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(target, []byte("data")); err == nil {
		t.Fatal("WriteFileAtomic over a non-empty folder succeeded")
	}
	assertOnlyFiles(t, dir, "taken")
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "f"), nil); err == nil {
		t.Error("WriteFileAtomic into a missing folder succeeded")
	}
}

// assertOnlyFiles fails unless dir holds exactly the named entries.
func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !reflect.DeepEqual(got, names) {
		t.Errorf("folder holds %v, want %v", got, names)
	}
}

func TestSaveLoadRun(t *testing.T) {
	dir := t.TempDir()
	run := fakeRun(t)
	if err := SaveRun(dir, run); err != nil {
		t.Fatal(err)
	}
	got, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, run) {
		t.Errorf("loaded run differs from saved run:\n got %+v\nwant %+v", got, run)
	}
	assertOnlyFiles(t, dir, ResultFile)
}

func TestSaveRunSetsSchemaOnCopy(t *testing.T) {
	dir := t.TempDir()
	run := &Run{Suite: "s"}
	if err := SaveRun(dir, run); err != nil {
		t.Fatal(err)
	}
	if run.Schema != 0 {
		t.Errorf("SaveRun changed its argument's Schema to %d", run.Schema)
	}
	got, err := LoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Schema != SchemaVersion {
		t.Errorf("saved Schema = %d, want %d", got.Schema, SchemaVersion)
	}
	if err := SaveRun(dir, nil); err == nil {
		t.Error("SaveRun(nil) succeeded")
	}
}

func TestLoadRunMissing(t *testing.T) {
	if _, err := LoadRun(t.TempDir()); err == nil {
		t.Error("LoadRun of an empty folder succeeded")
	}
}

func TestDecodeRunErrors(t *testing.T) {
	newer := strconv.Itoa(SchemaVersion + 1)
	tests := []struct {
		name, doc, wantErr string
	}{
		{name: "empty", doc: "  ", wantErr: "empty document"},
		{name: "not json", doc: "hello", wantErr: "not a JSON object"},
		{name: "array", doc: "[1]", wantErr: "not a JSON object"},
		{name: "null", doc: "null", wantErr: "not a JSON object"},
		{name: "truncated", doc: `{"schema": 1, "cells": [`, wantErr: "invalid JSON"},
		{name: "no schema", doc: `{"suite": "x"}`, wantErr: "no \"schema\""},
		{name: "schema zero", doc: `{"schema": 0}`, wantErr: "invalid schema version 0"},
		{name: "schema string", doc: `{"schema": "1"}`, wantErr: "invalid JSON"},
		{name: "newer schema", doc: `{"schema": ` + newer + `}`, wantErr: "newer than this latbench"},
		{name: "wrong field type", doc: `{"schema": 1, "cells": [{"load": {"connections": "ten"}}]}`, wantErr: "invalid JSON"},
		{name: "trailing data", doc: `{"schema": 1} {"schema": 1}`, wantErr: "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeRun([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("DecodeRun(%q) error = %v, want it to contain %q", tt.doc, err, tt.wantErr)
			}
		})
	}
}

func FuzzLoadRun(f *testing.F) {
	doc, err := json.Marshal(fakeRun(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc)
	f.Add([]byte(`{"schema": 1, "cells": [{"id": "a", "load": {"warmup_ns": 5}}]}`))
	f.Add([]byte(`{"schema": 2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		run, err := DecodeRun(data)
		if err != nil {
			return
		}
		if run.Schema < 1 || run.Schema > SchemaVersion {
			t.Fatalf("accepted schema %d", run.Schema)
		}
		// Whatever decodes must render without panicking.
		var out bytes.Buffer
		for _, format := range Formats() {
			out.Reset()
			_ = RenderTable(&out, run, format)
		}
	})
}

func TestWriteHgrm(t *testing.T) {
	h := histOf(t, uniform(1000)...)
	path := filepath.Join(t.TempDir(), HgrmFileName("Go Echo #1", "latency"))
	if filepath.Base(path) != "go-echo-1.latency.hgrm" {
		t.Errorf("file name = %q", filepath.Base(path))
	}
	if err := WriteHgrm(path, h); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lastValueUs := checkHgrm(t, bufio.NewScanner(f))
	if lastValueUs != 1.0 { // 1000 ns
		t.Errorf("last value = %v µs, want 1.000", lastValueUs)
	}
	if err := WriteHgrm(path, nil); err == nil {
		t.Error("WriteHgrm(nil) succeeded")
	}
}

// checkHgrm checks the .hgrm layout the HdrHistogram plotter reads: a
// header line, a blank line, rows of four numbers with rising percentiles,
// then "#" footer lines. It returns the last row's value.
func checkHgrm(t *testing.T, sc *bufio.Scanner) float64 {
	t.Helper()
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 4 || !strings.HasPrefix(lines[0], " Value\tPercentile") || lines[1] != "" {
		t.Fatalf("unexpected header: %q", lines[:min(2, len(lines))])
	}
	var last, lastPct float64
	for _, l := range lines[2:] {
		if strings.HasPrefix(l, "#") {
			continue
		}
		fields := strings.Fields(l)
		if len(fields) != 4 {
			t.Fatalf("row %q has %d fields, want 4", l, len(fields))
		}
		v, err1 := strconv.ParseFloat(fields[0], 64)
		pct, err2 := strconv.ParseFloat(fields[1], 64)
		if err1 != nil || err2 != nil || pct < lastPct {
			t.Fatalf("bad row %q", l)
		}
		last, lastPct = v, pct
	}
	if lastPct != 1 {
		t.Errorf("last percentile = %v, want 1", lastPct)
	}
	return last
}

func TestWriteCellHgrms(t *testing.T) {
	dir := t.TempDir()
	run := fakeRun(t)
	for i := range run.Cells {
		if err := WriteCellHgrms(dir, &run.Cells[i]); err != nil {
			t.Fatal(err)
		}
	}
	// The failed cell has no histograms, so it writes no files.
	// The paired cell adds its reference arm's latency (its fixture has no
	// service times).
	assertOnlyFiles(t, dir,
		"go-tcp-proxy-http-25k-r1.latency.hgrm", "go-tcp-proxy-http-25k-r1.service.hgrm",
		"haproxy-http-proxy-vs-backend-2000rps-c10.latency.hgrm", "haproxy-http-proxy-vs-backend-2000rps-c10.paired.latency.hgrm",
		"haproxy-http-proxy-vs-backend-2000rps-c10.service.hgrm",
		"nginx-http-baseline-25k-r1.latency.hgrm", "nginx-http-baseline-25k-r1.service.hgrm",
		"rust-http-tunnel-http-max-r1.latency.hgrm", "rust-http-tunnel-http-max-r1.service.hgrm",
	)
	bad := Cell{ID: "bad", Histograms: Histograms{Latency: "garbage"}}
	if err := WriteCellHgrms(dir, &bad); err == nil {
		t.Error("WriteCellHgrms with a corrupt histogram succeeded")
	}
}
