package bench

import (
	"testing"
	"time"
)

func TestWaiterNeverEarly(t *testing.T) {
	tests := []struct {
		name  string
		timer Timer
		spin  time.Duration
	}{
		{name: "hybrid", timer: TimerHybrid, spin: DefaultSpinWindow},
		{name: "hybrid without spin", timer: TimerHybrid},
		{name: "spin", timer: TimerSpin},
		{name: "sleep", timer: TimerSleep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			w := newWaiter(c, tt.timer, tt.spin)
			defer w.close()
			if tt.timer == TimerHybrid && w.tfd == nil {
				t.Error("hybrid waiter has no timerfd")
			}
			for _, ahead := range []time.Duration{-time.Millisecond, 0, 50 * time.Microsecond, 2 * time.Millisecond} {
				due := c.now() + ahead
				w.until(due)
				if now := c.now(); now < due {
					t.Errorf("until(%v ahead) returned %v early", ahead, due-now)
				}
			}
		})
	}
}

func TestTimerFDSleeps(t *testing.T) {
	tfd, err := newTimerFD()
	if err != nil {
		t.Fatal(err)
	}
	defer tfd.close()
	for range 3 { // the fd is reusable
		start := time.Now()
		if err := tfd.sleep(time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got < time.Millisecond {
			t.Errorf("slept %v, want at least 1ms", got)
		}
	}
}
