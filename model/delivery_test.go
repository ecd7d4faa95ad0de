package model

import (
	"testing"
	"time"
)

func kyiv(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestDigestNextAcrossDST(t *testing.T) {
	loc := kyiv(t)
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, loc) }
	tests := []struct {
		name  string
		spec  string
		after time.Time
		want  time.Time
	}{
		{"later today", "08:00 Europe/Kyiv", at(2025, 3, 10, 7, 0), at(2025, 3, 10, 8, 0)},
		{"exactly at the time is the next day", "08:00 Europe/Kyiv", at(2025, 3, 10, 8, 0), at(2025, 3, 11, 8, 0)},
		// 2025-03-30: clocks jump 03:00 -> 04:00; the day is 23 hours long.
		{"spring forward, normal time", "08:00 Europe/Kyiv", at(2025, 3, 29, 9, 0), at(2025, 3, 30, 8, 0)},
		{"spring forward, time in the gap", "03:30 Europe/Kyiv", at(2025, 3, 29, 9, 0), time.Date(2025, 3, 30, 1, 30, 0, 0, time.UTC)},
		// 2025-10-26: clocks fall back 04:00 -> 03:00; 03:30 happens twice.
		{"fall back, after the first 03:30 the next is tomorrow", "03:30 Europe/Kyiv", time.Date(2025, 10, 26, 0, 30, 0, 0, time.UTC), at(2025, 10, 27, 3, 30)},
		{"fall back, after the second 03:30 the next is tomorrow", "03:30 Europe/Kyiv", time.Date(2025, 10, 26, 1, 30, 0, 0, time.UTC), at(2025, 10, 27, 3, 30)},
		{"utc", "23:59", time.Date(2025, 1, 1, 23, 59, 30, 0, time.UTC), time.Date(2025, 1, 2, 23, 59, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDigest(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Next(tt.after); !got.Equal(tt.want) {
				t.Errorf("Next(%v) = %v, want %v", tt.after, got, tt.want.In(loc))
			}
		})
	}
}

func TestDigestOncePerLocalDayOverAYear(t *testing.T) {
	loc := kyiv(t)
	for _, spec := range []string{"03:30 Europe/Kyiv", "00:00 Europe/Kyiv", "08:00 Europe/Kyiv"} {
		d, _ := ParseDigest(spec)
		at := time.Date(2025, 1, 1, 0, 0, 0, 0, loc)
		days := map[string]bool{}
		for i := 0; i < 365; i++ {
			next := d.Next(at)
			key := next.In(loc).Format("2006-01-02")
			if days[key] {
				t.Fatalf("%s: two digests on %s", spec, key)
			}
			days[key] = true
			at = next
		}
		if len(days) != 365 {
			t.Errorf("%s: %d digest days in 365 steps", spec, len(days))
		}
	}
}

func TestDigestFallBackDayHasOne(t *testing.T) {
	loc := kyiv(t)
	d, _ := ParseDigest("03:30 Europe/Kyiv")
	first := d.Next(time.Date(2025, 10, 25, 9, 0, 0, 0, loc))
	if got := first.In(loc).Format("2006-01-02 15:04"); got != "2025-10-26 03:30" {
		t.Fatalf("first = %s, want 2025-10-26 03:30 local", got)
	}
	if second := d.Next(first); second.In(loc).Day() != 27 {
		t.Errorf("after %v the next digest is %v, want the 27th", first, second)
	}
}

func TestQuietWindow(t *testing.T) {
	loc := kyiv(t)
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2025, m, d, h, min, 0, 0, loc) }
	tests := []struct {
		name       string
		spec       string
		at         time.Time
		from, till time.Time
		active     bool
	}{
		{"before a window across midnight", "22:00-07:00 Europe/Kyiv", at(1, 10, 21, 0), at(1, 10, 22, 0), at(1, 11, 7, 0), false},
		{"inside, before midnight", "22:00-07:00 Europe/Kyiv", at(1, 10, 23, 0), at(1, 10, 22, 0), at(1, 11, 7, 0), true},
		{"inside, after midnight", "22:00-07:00 Europe/Kyiv", at(1, 11, 3, 0), at(1, 10, 22, 0), at(1, 11, 7, 0), true},
		{"at the end is the next window", "22:00-07:00 Europe/Kyiv", at(1, 11, 7, 0), at(1, 11, 22, 0), at(1, 12, 7, 0), false},
		{"same-day window", "12:00-13:00 Europe/Kyiv", at(1, 11, 12, 30), at(1, 11, 12, 0), at(1, 11, 13, 0), true},
		{"across spring forward: 8 hours long", "22:00-07:00 Europe/Kyiv", at(3, 30, 2, 0), at(3, 29, 22, 0), at(3, 30, 7, 0), true},
		{"across fall back: 10 hours long", "22:00-07:00 Europe/Kyiv", at(10, 26, 1, 0), at(10, 25, 22, 0), at(10, 26, 7, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuiet(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			from, till := q.Window(tt.at)
			if !from.Equal(tt.from) || !till.Equal(tt.till) {
				t.Errorf("Window(%v) = %v..%v, want %v..%v", tt.at, from, till, tt.from, tt.till)
			}
			d := Delivery{Quiet: q}.Schedule(tt.at)
			if d.QuietActive(tt.at) != tt.active || d.Holding(tt.at) != tt.active {
				t.Errorf("active = %v, holding = %v, want %v", d.QuietActive(tt.at), d.Holding(tt.at), tt.active)
			}
		})
	}
}

func TestParseDeliverySpecs(t *testing.T) {
	tests := []struct {
		in      string
		quiet   bool
		want    string
		wantErr bool
	}{
		{"08:00", false, "08:00 UTC", false},
		{"8:05 Europe/Kyiv", false, "08:05 Europe/Kyiv", false},
		{"off", false, "off", false},
		{"OFF", true, "off", false},
		{"24:00", false, "", true},
		{"08:60", false, "", true},
		{"08:00 Mars/Olympus", false, "", true},
		{"08:00 Local", false, "", true},
		{"08:00 UTC extra", false, "", true},
		{"", false, "", true},
		{"22:00-07:00", true, "22:00-07:00 UTC", false},
		{"22:00-07:00 America/New_York silent", true, "22:00-07:00 America/New_York silent", false},
		{"22:00-07:00 hold", true, "22:00-07:00 UTC", false},
		{"22:00-22:00", true, "", true},
		{"22:00", true, "", true},
		{"off silent", true, "", true},
	}
	for _, tt := range tests {
		var got string
		var err error
		if tt.quiet {
			var q QuietHours
			q, err = ParseQuiet(tt.in)
			got = q.String()
		} else {
			var d DigestTime
			d, err = ParseDigest(tt.in)
			got = d.String()
		}
		if (err != nil) != tt.wantErr || err == nil && got != tt.want {
			t.Errorf("parse(%q, quiet=%v) = %q, %v; want %q, error %v", tt.in, tt.quiet, got, err, tt.want, tt.wantErr)
		}
	}
}
