package bench

import (
	"sync/atomic"
	"time"

	"github.com/latbench/latbench/scenarios"
)

// fakeScenario is an in-process scenario whose requests take a fixed time
// and fail on a schedule, so runner tests need no network.
type fakeScenario struct {
	delay     time.Duration // how long each Do takes
	failEvery int64         // every Nth request fails with failWith; 0 = never
	failWith  error
	calls     atomic.Int64 // requests started, across all clients
	closes    atomic.Int64 // Close calls
}

func (s *fakeScenario) Name() string { return "fake" }
func (s *fakeScenario) Describe() map[string]string {
	return map[string]string{"delay": s.delay.String()}
}
func (s *fakeScenario) NewClient(string) scenarios.Client { return &fakeClient{s: s} }

type fakeClient struct{ s *fakeScenario }

func (c *fakeClient) Do(deadline time.Time) error {
	n := c.s.calls.Add(1)
	if c.s.delay > 0 {
		time.Sleep(c.s.delay)
	}
	if c.s.failEvery > 0 && n%c.s.failEvery == 0 {
		return c.s.failWith
	}
	return nil
}

func (c *fakeClient) Close() error {
	c.s.closes.Add(1)
	return nil
}
