package results

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// A cell's intervals (the latencies of each second, or quarter second, of
// its window) are not kept in memory or in result.json: they stream to
// the cell's interval log as they close, so that an hour-long cell costs
// no more memory than a minute-long one, and are read back for the
// charts. The log is an HdrHistogram interval log (the format of
// HistogramLogProcessor): one histogram line per interval, time stamps in
// seconds, values in ns. Before each line, a comment that HdrHistogram's
// tools skip gives latbench what the format has no room for: the
// interval's exact edges in ns and how many requests ended in it and
// failed.

// intervalMarker starts the comment line that precedes each interval.
const intervalMarker = "#latbench-interval "

// IntervalLogName returns the name of a cell's interval log.
func IntervalLogName(cellID string) string {
	return sanitizeName(cellID, "cell") + ".latency.hlog"
}

// PairedLogName returns the name of the interval log of a paired cell's
// reference arm.
func PairedLogName(cellID string) string {
	return sanitizeName(cellID, "cell") + ".paired.latency.hlog"
}

// IntervalLogHeader describes an interval log.
type IntervalLogHeader struct {
	// Comment is the log's first comment line.
	Comment string
	// StartTime, when set, is written as the log's start time.
	StartTime time.Time
	// Offset is added to every interval's time stamps: an agent's log
	// counts from T0, so its window starts after its warm-up.
	Offset time.Duration
	// Tag, when set, tags every interval line (e.g. "agent=3").
	Tag string
}

// IntervalLog writes intervals to an interval log one at a time, as they
// close.
type IntervalLog struct {
	w      *bufio.Writer
	lw     *hdrhistogram.HistogramLogWriter
	header IntervalLogHeader
}

// NewIntervalLog writes the log's header to w and returns the log.
func NewIntervalLog(w io.Writer, header IntervalLogHeader) (*IntervalLog, error) {
	l := &IntervalLog{w: bufio.NewWriter(w), header: header}
	l.lw = hdrhistogram.NewHistogramLogWriter(l.w)
	steps := []func() error{l.lw.OutputLogFormatVersion}
	if !header.StartTime.IsZero() {
		steps = append(steps, func() error { return l.lw.OutputStartTime(header.StartTime.UnixMilli()) })
	}
	steps = append(steps, func() error { return l.lw.OutputComment(oneLine(header.Comment)) }, l.lw.OutputLegend)
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("interval log: %w", err)
		}
	}
	return l, l.w.Flush()
}

// Add writes one interval: its counts line, then its histogram line.
func (l *IntervalLog) Add(iv Interval) error {
	h, err := DecodeHistogram(iv.Latency)
	if err != nil {
		return fmt.Errorf("interval at %v: %w", time.Duration(iv.StartNs), err)
	}
	return l.AddHistogram(iv, h)
}

// AddHistogram writes one interval whose latencies are h (iv.Latency is
// not read): the caller that holds the histogram saves encoding it twice.
func (l *IntervalLog) AddHistogram(iv Interval, h *hdrhistogram.Histogram) error {
	offset := l.header.Offset.Nanoseconds()
	arm := ""
	if iv.Arm != 0 {
		arm = fmt.Sprintf(" arm=%d", iv.Arm)
	}
	fmt.Fprintf(l.w, "%sstart_ns=%d end_ns=%d completed=%d errors=%d%s%s\n", intervalMarker, iv.StartNs, iv.EndNs, iv.Completed, iv.Errors, arm, iv.Noise.logText())
	h.SetTag(l.header.Tag)
	h.SetStartTimeMs((offset + iv.StartNs) / 1e6)
	h.SetEndTimeMs((offset + iv.EndNs) / 1e6)
	if err := l.lw.OutputIntervalHistogram(h); err != nil {
		return fmt.Errorf("interval at %v: %w", time.Duration(iv.StartNs), err)
	}
	return l.w.Flush()
}

// ReadIntervalLog reads the intervals of an interval log. Lines that are
// neither intervals nor comments are an error, but for a trailing
// comment of another kind (an agent's JSON line). An interval line
// without latbench's counts line (a log of another tool, or of an older
// latbench) counts its histogram's values as completed.
func ReadIntervalLog(r io.Reader) ([]Interval, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	var out []Interval
	var pending *Interval
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, intervalMarker):
			iv, err := parseCounts(strings.TrimPrefix(line, intervalMarker))
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			pending = &iv
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, `"StartTimestamp"`):
		default:
			iv, err := parseHistogramLine(line, pending)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			out = append(out, iv)
			pending = nil
		}
	}
	return out, sc.Err()
}

// parseCounts parses the fields of a counts line.
func parseCounts(s string) (Interval, error) {
	var iv Interval
	var noise IntervalNoise
	var arm int64
	fields := map[string]*int64{"start_ns": &iv.StartNs, "end_ns": &iv.EndNs, "completed": &iv.Completed, "errors": &iv.Errors, "arm": &arm}
	for _, f := range strings.Fields(s) {
		k, v, _ := strings.Cut(f, "=")
		if ok, err := noise.parseField(k, v); ok {
			if err != nil {
				return Interval{}, err
			}
			iv.Noise = &noise
			continue
		}
		dst := fields[k]
		if dst == nil {
			continue // a field of a later latbench
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return Interval{}, fmt.Errorf("interval %s: %w", k, err)
		}
		*dst = n
	}
	if iv.EndNs < iv.StartNs || iv.Completed < 0 || iv.Errors < 0 || iv.Errors > iv.Completed {
		return Interval{}, fmt.Errorf("interval counts %q do not add up", s)
	}
	if arm != 0 && arm != 1 {
		return Interval{}, fmt.Errorf("interval arm=%d: a cell has arms 0 and 1", arm)
	}
	iv.Arm = int(arm)
	return iv, nil
}

// parseHistogramLine parses "[Tag=T,]start,length,max,histogram". The
// counts line before it, if any, gives its exact edges and counts.
func parseHistogramLine(line string, counts *Interval) (Interval, error) {
	if strings.HasPrefix(line, "Tag=") {
		_, line, _ = strings.Cut(line, ",")
	}
	parts := strings.Split(line, ",")
	if len(parts) != 4 {
		return Interval{}, errors.New("not an interval line: want start,length,max,histogram")
	}
	h, err := DecodeHistogram(parts[3])
	if err != nil {
		return Interval{}, err
	}
	if counts != nil {
		counts.Latency = parts[3]
		return *counts, nil
	}
	start, err1 := strconv.ParseFloat(parts[0], 64)
	length, err2 := strconv.ParseFloat(parts[1], 64)
	if err := errors.Join(err1, err2); err != nil || length < 0 {
		return Interval{}, fmt.Errorf("interval time stamps %s,%s: %v", parts[0], parts[1], err)
	}
	startNs := int64(start * 1e9)
	return Interval{StartNs: startNs, EndNs: startNs + int64(length*1e9), Latency: parts[3], Completed: h.TotalCount()}, nil
}

// LoadIntervals reads back, for every cell of run that has none in
// memory, its interval log from dir (a missing log means no intervals),
// and a paired cell's reference arm's.
func LoadIntervals(dir string, run *Run) error {
	for i := range run.Cells {
		c := &run.Cells[i]
		if err := loadLog(filepath.Join(dir, IntervalLogName(c.ID)), &c.Intervals); err != nil {
			return err
		}
		if c.Paired != nil {
			if err := loadLog(filepath.Join(dir, PairedLogName(c.ID)), &c.Paired.Reference.Intervals); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadLog reads the interval log at path into ivs, unless ivs holds
// intervals already or there is no such log.
func loadLog(path string, ivs *[]Interval) error {
	if len(*ivs) > 0 {
		return nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if *ivs, err = ReadIntervalLog(f); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// WriteIntervalLog writes a cell's intervals held in memory (a merged
// cell's) to dir as its interval log, and a paired cell's reference
// arm's. A cell without intervals writes nothing.
func WriteIntervalLog(dir string, c *Cell) error {
	if err := writeLog(filepath.Join(dir, IntervalLogName(c.ID)), "latbench cell "+c.ID, c.Intervals); err != nil {
		return err
	}
	if c.Paired != nil {
		return writeLog(filepath.Join(dir, PairedLogName(c.ID)), "latbench cell "+c.ID+", paired arm "+c.Paired.Reference.Target,
			c.Paired.Reference.Intervals)
	}
	return nil
}

// writeLog writes intervals to the log at path; none writes nothing.
func writeLog(path, comment string, ivs []Interval) error {
	if len(ivs) == 0 {
		return nil
	}
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	l, err := NewIntervalLog(f, IntervalLogHeader{Comment: comment + ": latency from due time, ns"})
	for i := 0; err == nil && i < len(ivs); i++ {
		err = l.Add(ivs[i])
	}
	if err != nil {
		f.Abort()
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return f.Close()
}
