package feeds

import "time"

// Backoff policy for failing feeds.
const (
	BackoffBase = time.Minute
	BackoffCap  = 6 * time.Hour
)

// Backoff is the wait before the next attempt after failures consecutive
// failures: BackoffBase doubled per failure, capped at BackoffCap, with
// "equal jitter" (a uniform pick in the upper half) so that feeds failing
// together do not retry together. rnd returns values in [0,1), e.g.
// rand.Float64. failures <= 0 gives 0. The result is never below half the
// un-jittered value, so a failing feed is retried but never hammered.
func Backoff(failures int, rnd func() float64) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := BackoffBase
	for i := 1; i < failures && d < BackoffCap; i++ {
		d *= 2
	}
	d = min(d, BackoffCap)
	return d/2 + time.Duration(clamp01(rnd())*float64(d/2))
}

// Jitter spreads a poll interval by up to ±10% so that feeds added together
// do not stay in lock-step. rnd returns values in [0,1).
func Jitter(interval time.Duration, rnd func() float64) time.Duration {
	if interval <= 0 {
		return 0
	}
	spread := float64(interval) / 10
	return interval + time.Duration((clamp01(rnd())*2-1)*spread)
}

func clamp01(x float64) float64 {
	switch {
	case x != x || x < 0: // NaN or negative
		return 0
	case x >= 1:
		return 1
	}
	return x
}
