package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseLongDuration parses a duration that may count days and weeks, as
// history.keep and backtest --since do ("30d", "7d", "2w", "1d12h"): Go's
// time.ParseDuration stops at hours, which reads badly for a month. Any
// leading "Nw" and "Nd" parts are followed, optionally, by a Go duration.
func ParseLongDuration(s string) (time.Duration, error) {
	rest := strings.TrimSpace(s)
	var total time.Duration
	for _, unit := range []struct {
		suffix string
		d      time.Duration
	}{{"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour}} {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i >= len(rest) || !strings.HasPrefix(rest[i:], unit.suffix) {
			continue
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n > 100000 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		total += time.Duration(n) * unit.d
		rest = rest[i+len(unit.suffix):]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("bad duration %q (use a number with a unit: 7d, 2w, 12h, 90m)", s)
		}
		total += d
	}
	if total < 0 {
		return 0, fmt.Errorf("duration %q must not be negative", s)
	}
	return total, nil
}
