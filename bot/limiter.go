package bot

import (
	"sync"
	"time"
)

// limiter is a token bucket per user: burst tokens, refilled at perMinute
// tokens a minute. It lives in memory; a restart forgives everyone.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the limiter's memory; past it, full buckets are dropped.
const maxBuckets = 10000

func newLimiter() *limiter {
	return &limiter{buckets: make(map[string]*bucket)}
}

// allow takes one token from key's bucket at now. It reports whether the
// command may run and, when not, how long until a token is back.
func (l *limiter) allow(key string, perMinute int, now time.Time) (bool, time.Duration) {
	if perMinute <= 0 {
		return true, 0
	}
	rate := float64(perMinute) / float64(time.Minute) // tokens per nanosecond
	burst := float64(perMinute)
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.prune(now, rate, burst)
		}
		b = &bucket{tokens: burst, last: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.last); el > 0 {
		b.tokens = min(burst, b.tokens+float64(el)*rate)
		b.last = now
	}
	if b.tokens > burst { // the limit was lowered by a reload
		b.tokens = burst
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / rate)
	return false, wait
}

// prune drops buckets that would be full by now (their users are idle).
func (l *limiter) prune(now time.Time, rate, burst float64) {
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.last))*rate >= burst {
			delete(l.buckets, k)
		}
	}
}
