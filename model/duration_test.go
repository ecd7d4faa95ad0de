package model

import (
	"testing"
	"time"
)

func TestParseLongDuration(t *testing.T) {
	const day = 24 * time.Hour
	for _, tt := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"30d", 30 * day, false},
		{"7d", 7 * day, false},
		{"2w", 14 * day, false},
		{"1w2d", 9 * day, false},
		{"1d12h", day + 12*time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"0", 0, false},
		{" 3d ", 3 * day, false},
		{"d", 0, true},
		{"3x", 0, true},
		{"-1h", 0, true},
		{"", 0, false},
		{"2d1w", 0, true}, // weeks come first
	} {
		got, err := ParseLongDuration(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseLongDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
