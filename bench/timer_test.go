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
