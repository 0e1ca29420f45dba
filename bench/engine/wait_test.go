package engine

import (
	"testing"
	"time"
)

func TestPollTimeout(t *testing.T) {
	const us = time.Microsecond
	const window = 150 * us
	tests := []struct {
		name                string
		wait                Wait
		now, wake, lastSend time.Duration
		want                time.Duration
	}{
		{name: "spin never sleeps", wait: WaitSpin, now: 0, wake: time.Second, lastSend: -time.Hour, want: 0},
		{name: "block sleeps until the wake time", wait: WaitBlock, now: 100 * us, wake: 900 * us, lastSend: 0, want: 800 * us},
		{name: "block: a due time already past", wait: WaitBlock, now: 900 * us, wake: 100 * us, want: 0},
		{name: "block: nothing to wait for sleeps at most maxSleep", wait: WaitBlock, now: 0, wake: never, want: maxSleep},
		{name: "hybrid sleeps until the window before the wake time", wait: WaitHybrid, now: 0, wake: time.Millisecond, lastSend: -time.Hour, want: time.Millisecond - window},
		{name: "hybrid spins inside the window", wait: WaitHybrid, now: 900 * us, wake: time.Millisecond, lastSend: -time.Hour, want: 0},
		{name: "hybrid spins just after a send", wait: WaitHybrid, now: 100 * us, wake: time.Second, lastSend: 50 * us, want: 0},
		{name: "hybrid sleeps once the send is a window old", wait: WaitHybrid, now: 300 * us, wake: time.Millisecond, lastSend: 50 * us, want: 550 * us},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.wait.pollTimeout(tt.now, tt.wake, tt.lastSend, window); got != tt.want {
				t.Errorf("pollTimeout = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseWait(t *testing.T) {
	for _, name := range []string{"spin", "hybrid", "block"} {
		w, err := ParseWait(name)
		if err != nil || w.String() != name {
			t.Errorf("ParseWait(%q) = %v, %v", name, w, err)
		}
	}
	for _, bad := range []string{"sleep", "", "nap"} {
		if _, err := ParseWait(bad); err == nil {
			t.Errorf("ParseWait(%q) gave no error", bad)
		}
	}
}
