package servers

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"
)

// clockTicksPerSecond is USER_HZ, the unit of utime and stime in
// /proc/<pid>/stat: sysconf(_SC_CLK_TCK), which is 100 on every Linux
// architecture Go supports.
const clockTicksPerSecond = 100

// DefaultSampleInterval is the sampling interval when StartSampling is
// given 0.
const DefaultSampleInterval = 250 * time.Millisecond

// Usage is the resource use of a target's process group (summed over the
// groups of all its copies) over a sampling window.
type Usage struct {
	CPUSeconds   float64       // user+system CPU time used in the window
	Wall         time.Duration // from the first to the last sample
	CPUPercent   float64       // CPUSeconds / Wall; 100 is one full core
	PeakRSSBytes int64         // highest sum of RSS over the group in one sample
	Samples      int           // number of samples taken
}

// Sampler samples the CPU time and RSS of a target's process group from
// /proc until Stop.
type Sampler struct {
	stop     chan struct{} // closed by Stop to end the sampling goroutine
	done     chan struct{} // closed by the sampling goroutine after setting usage
	stopOnce sync.Once
	// usage is written by the sampling goroutine before it closes done and
	// read by Stop only after done is closed.
	usage Usage
}

// StartSampling starts sampling every process whose process group is the
// target's (the target and children such as worker processes; for a target
// with several copies, the groups of all copies, summed) every
// interval (DefaultSampleInterval when interval <= 0), taking the first
// sample at once. Call Stop before stopping the target.
//
// CPU time is counted per process from the first sample it appears in to
// the last one; a process that exits between two samples loses the ticks
// it used after its last sample (at most one interval's worth). RSS counts
// shared pages once per process. An external target yields a zero Usage.
func (p *Process) StartSampling(interval time.Duration) *Sampler {
	if interval <= 0 {
		interval = DefaultSampleInterval
	}
	s := &Sampler{stop: make(chan struct{}), done: make(chan struct{})}
	if len(p.copies) == 0 {
		close(s.done)
		return s
	}
	pgids := p.Pids() // each copy's pid is its process group id
	tally := newCPUTally(int64(os.Getpagesize()))
	tally.add(time.Now(), readGroups(pgids))
	go s.run(pgids, interval, tally)
	return s
}

// run takes a sample every interval and a last one when stop is closed.
// It owns tally.
func (s *Sampler) run(pgids []int, interval time.Duration, tally *cpuTally) {
	defer close(s.done)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			tally.add(time.Now(), readGroups(pgids))
			s.usage = tally.usage()
			return
		case <-tick.C:
			tally.add(time.Now(), readGroups(pgids))
		}
	}
}

// Stop takes a last sample, ends sampling and returns the usage. It is
// idempotent.
func (s *Sampler) Stop() Usage {
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.done
	return s.usage
}

// procKey identifies a process across samples even if its pid is reused.
type procKey struct {
	pid        int
	startTicks int64
}

// cpuTally accumulates samples of a process group.
type cpuTally struct {
	pageBytes int64
	base      map[procKey]int64 // CPU ticks when first seen; 0 if born after the first sample
	last      map[procKey]int64 // CPU ticks in the latest sample
	peakRSS   int64
	samples   int
	first     time.Time
	latest    time.Time
}

// newCPUTally returns an empty tally for pages of pageBytes.
func newCPUTally(pageBytes int64) *cpuTally {
	return &cpuTally{pageBytes: pageBytes, base: map[procKey]int64{}, last: map[procKey]int64{}}
}

// add records one sample of the group taken at now.
func (t *cpuTally) add(now time.Time, group []procStat) {
	var rssPages int64
	for _, ps := range group {
		k := procKey{ps.PID, ps.StartTimeTicks}
		ticks := ps.UTimeTicks + ps.STimeTicks
		if _, seen := t.base[k]; !seen {
			t.base[k] = 0
			if t.samples == 0 {
				t.base[k] = ticks
			}
		}
		t.last[k] = ticks
		rssPages += ps.RSSPages
	}
	if t.samples == 0 {
		t.first = now
	}
	t.latest = now
	t.samples++
	t.peakRSS = max(t.peakRSS, rssPages*t.pageBytes)
}

// usage returns the totals of the samples so far.
func (t *cpuTally) usage() Usage {
	var ticks int64
	for k, last := range t.last {
		if last > t.base[k] {
			ticks += last - t.base[k]
		}
	}
	u := Usage{
		CPUSeconds:   float64(ticks) / clockTicksPerSecond,
		Wall:         t.latest.Sub(t.first),
		PeakRSSBytes: t.peakRSS,
		Samples:      t.samples,
	}
	if u.Wall > 0 {
		u.CPUPercent = 100 * u.CPUSeconds / u.Wall.Seconds()
	}
	return u
}

// procStat holds the fields of /proc/<pid>/stat that latbench uses.
type procStat struct {
	PID            int
	Comm           string
	State          byte
	PPID           int
	PGRP           int
	UTimeTicks     int64
	STimeTicks     int64
	StartTimeTicks int64
	RSSPages       int64
}

// parseProcStat parses the content of /proc/<pid>/stat. The command name
// (field 2) is in parentheses and may itself contain spaces and ')', so
// the fields after it are split after the last ')'.
func parseProcStat(data []byte) (procStat, error) {
	open := bytes.IndexByte(data, '(')
	closing := bytes.LastIndexByte(data, ')')
	if open < 0 || closing < open {
		return procStat{}, errors.New("proc stat: no (comm) field")
	}
	var ps procStat
	var err error
	if ps.PID, err = strconv.Atoi(string(bytes.TrimSpace(data[:open]))); err != nil || ps.PID <= 0 {
		return procStat{}, fmt.Errorf("proc stat: bad pid %q", bytes.TrimSpace(data[:open]))
	}
	ps.Comm = string(data[open+1 : closing])
	// fields[0] is field 3 (state) of proc(5); field n is fields[n-3].
	fields := bytes.Fields(data[closing+1:])
	if len(fields) < 22 {
		return procStat{}, fmt.Errorf("proc stat: %d fields after comm, want at least 22", len(fields))
	}
	if len(fields[0]) != 1 {
		return procStat{}, fmt.Errorf("proc stat: bad state %q", fields[0])
	}
	ps.State = fields[0][0]
	var nums [6]int64
	for i, field := range []int{4, 5, 14, 15, 22, 24} {
		n, err := strconv.ParseInt(string(fields[field-3]), 10, 64)
		if err != nil || n < 0 {
			return procStat{}, fmt.Errorf("proc stat: field %d is %q, want a number >= 0", field, fields[field-3])
		}
		nums[i] = n
	}
	ps.PPID, ps.PGRP = int(nums[0]), int(nums[1])
	ps.UTimeTicks, ps.STimeTicks, ps.StartTimeTicks, ps.RSSPages = nums[2], nums[3], nums[4], nums[5]
	return ps, nil
}

// readGroup returns the processes of process group pgid, read from
// /proc/*/stat. Processes that vanish while it reads are skipped.
func readGroup(pgid int) []procStat {
	return readGroups([]int{pgid})
}

// readGroups returns the processes of the process groups pgids in one pass
// over /proc; see readGroup.
func readGroups(pgids []int) []procStat {
	dir, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := dir.Readdirnames(-1)
	dir.Close()
	var group []procStat
	for _, name := range names {
		if name == "" || name[0] < '0' || name[0] > '9' {
			continue
		}
		data, err := os.ReadFile("/proc/" + name + "/stat")
		if err != nil {
			continue
		}
		if ps, err := parseProcStat(data); err == nil && slices.Contains(pgids, ps.PGRP) {
			group = append(group, ps)
		}
	}
	return group
}
