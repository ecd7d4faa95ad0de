package bot

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiterRefillAndBound(t *testing.T) {
	l := newLimiter()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 6 {
		if ok, _ := l.allow("u", 6, t0); !ok {
			t.Fatalf("command %d refused within the burst", i+1)
		}
	}
	ok, wait := l.allow("u", 6, t0)
	if ok || wait != 10*time.Second {
		t.Fatalf("7th command: ok=%v wait=%v, want refused for 10s", ok, wait)
	}
	if ok, _ := l.allow("u", 6, t0.Add(10*time.Second)); !ok {
		t.Error("refused after one token refilled")
	}
	// a lowered limit applies at once
	if ok, _ := l.allow("v", 100, t0); !ok {
		t.Fatal("first command refused")
	}
	for i := range 3 {
		if ok, _ := l.allow("v", 3, t0); !ok {
			t.Fatalf("command %d refused under the lowered limit", i+1)
		}
	}
	if ok, _ := l.allow("v", 3, t0); ok {
		t.Error("lowered limit not applied")
	}
	// limit 0 means unlimited
	if ok, _ := l.allow("w", 0, t0); !ok {
		t.Error("zero limit refused")
	}

	// memory stays bounded: idle users' full buckets are dropped
	for i := range maxBuckets + 50 {
		l.allow(fmt.Sprint("idle", i), 6, t0.Add(time.Duration(i)*time.Millisecond))
	}
	l.allow("late", 6, t0.Add(time.Hour))
	if n := len(l.buckets); n > maxBuckets {
		t.Errorf("%d buckets kept, want at most %d", n, maxBuckets)
	}
}
