package feeds

import (
	"testing"
	"time"
)

// every returns n times, the newest at now-first, then one per step back.
func every(now time.Time, first, step time.Duration, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = now.Add(-first - time.Duration(i)*step)
	}
	return out
}

func TestAdaptiveInterval(t *testing.T) {
	now := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC) // the fake clock
	lo, hi := time.Minute, 6*time.Hour
	day := 24 * time.Hour
	tests := []struct {
		name      string
		published []time.Time
		want      time.Duration
		ok        bool
	}{
		{"no items", nil, 0, false},
		{"no dates", []time.Time{{}, {}}, 0, false},
		{"nothing this week", every(now, 10*day, day, 5), hi, true},
		// 50 items, one per 10 minutes, all within the last ~8h: the document
		// covers 8h10m-ish, not a week.
		{"busy wire, short document", every(now, 0, 10*time.Minute, 50), 9*time.Minute + 48*time.Second, true},
		{"firehose: clamped to min", every(now, 0, 20*time.Second, 50), lo, true},
		// 70 items over 14 days, 5 a day: the week holds 35 -> 4h48m.
		{"5 a day, long document", every(now, time.Hour, day/5, 70), 4*time.Hour + 48*time.Minute, true},
		{"weekly: clamped to max", every(now, day, 7*day, 10), hi, true},
		{"daily", every(now, 0, day, 30), hi, true},
		{"hourly", every(now, 30*time.Minute, time.Hour, 200), time.Hour, true},
		// Two items 1 and 2 minutes old, nothing else: 2 items in 2 minutes.
		{"a burst, then nothing yet", every(now, time.Minute, time.Minute, 2), lo, true},
		{"future dates count as now", []time.Time{now.Add(time.Hour), now.Add(-time.Hour)}, 30 * time.Minute, true},
		{"undated items are ignored", append(every(now, 30*time.Minute, time.Hour, 200), time.Time{}, time.Time{}), time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := AdaptiveInterval(tt.published, now, lo, hi)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestAdaptiveIntervalGoingQuiet moves the fake clock on without new items:
// the interval a short document gives grows at every poll.
func TestAdaptiveIntervalGoingQuiet(t *testing.T) {
	start := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC)
	published := every(start, 0, 2*time.Minute, 10) // 10 items in 18 minutes
	prev := time.Duration(0)
	for now := start; now.Before(start.Add(72 * time.Hour)); {
		d, ok := AdaptiveInterval(published, now, time.Minute, 6*time.Hour)
		if !ok || d < prev {
			t.Fatalf("at +%v: %v (ok %v) after %v: must not shrink without new items", now.Sub(start), d, ok, prev)
		}
		prev = d
		now = now.Add(d)
	}
	if prev != 6*time.Hour {
		t.Errorf("three quiet days later the interval is %v, want the max", prev)
	}
}
