package results

import (
	"bytes"
	"fmt"
	"path/filepath"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// HlogFileName returns the name of a cell's interval log.
func HlogFileName(cellID string) string {
	return sanitizeName(cellID, "cell") + ".latency.hlog"
}

// WriteCellHlog writes the cell's interval latencies to dir as an
// HdrHistogram interval log (<id>.latency.hlog, the format of
// HistogramLogProcessor and HdrHistogram's log analysers): one line per
// interval, time stamps in seconds from the start of the measured window,
// values in ns. A cell without intervals writes nothing.
func WriteCellHlog(dir string, c *Cell) error {
	if len(c.Intervals) == 0 {
		return nil
	}
	var buf bytes.Buffer
	lw := hdrhistogram.NewHistogramLogWriter(&buf)
	header := []func() error{
		lw.OutputLogFormatVersion,
		func() error { return lw.OutputComment("latbench cell " + c.ID + ": latency from due time, ns") },
		lw.OutputLegend,
	}
	for _, write := range header {
		if err := write(); err != nil {
			return fmt.Errorf("cell %s interval log: %w", c.ID, err)
		}
	}
	for i, iv := range c.Intervals {
		h, err := DecodeHistogram(iv.Latency)
		if err != nil {
			return fmt.Errorf("cell %s interval %d: %w", c.ID, i, err)
		}
		h.SetStartTimeMs(iv.StartNs / 1e6)
		h.SetEndTimeMs(iv.EndNs / 1e6)
		if err := lw.OutputIntervalHistogram(h); err != nil {
			return fmt.Errorf("cell %s interval %d: %w", c.ID, i, err)
		}
	}
	return WriteFileAtomic(filepath.Join(dir, HlogFileName(c.ID)), buf.Bytes())
}
