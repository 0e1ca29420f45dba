package bench

import (
	"sync"
	"time"

	"github.com/latbench/latbench/servers"
)

// delayedSampler samples a target's CPU and memory over the measured
// window only: it starts once the warm-up is over.
type delayedSampler struct {
	mu      sync.Mutex // guards sampler and stopped
	sampler *servers.Sampler
	stopped bool
	timer   *time.Timer
}

// startSamplingAfter starts sampling p once warmup has passed.
func startSamplingAfter(p *servers.Process, warmup time.Duration) *delayedSampler {
	d := &delayedSampler{}
	d.timer = time.AfterFunc(warmup, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if !d.stopped {
			d.sampler = p.StartSampling(sampleEvery)
		}
	})
	return d
}

// stop ends sampling and returns the usage over the window; zero if the
// window never started.
func (d *delayedSampler) stop() servers.Usage {
	d.timer.Stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopped = true
	if d.sampler == nil {
		return servers.Usage{}
	}
	return d.sampler.Stop()
}
