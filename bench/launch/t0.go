package launch

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseT0 reads a start time: RFC 3339 (2026-12-01T12:00:00.5Z) or Unix
// nanoseconds.
func ParseT0(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if ns, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ns <= 0 {
			return time.Time{}, fmt.Errorf("T0 %q: Unix nanoseconds must be positive", s)
		}
		return time.Unix(0, ns), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("T0 %q: want RFC 3339 (2026-12-01T12:00:00.5Z) or Unix nanoseconds", s)
	}
	if t.Before(time.Unix(0, 1)) || t.After(time.Unix(0, math.MaxInt64)) {
		return time.Time{}, fmt.Errorf("T0 %q: a start time lies between 1970 and 2262 (Unix nanoseconds)", s)
	}
	return t, nil
}

// FormatT0 writes a start time as WatchT0 reads it: RFC 3339 in UTC,
// to the nanosecond.
func FormatT0(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
