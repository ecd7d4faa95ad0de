package notify

import (
	"context"
	"time"

	"github.com/newshound/newshound/model"
)

// Leaser is the part of the store through which replicas share work
// (store.Leases).
type Leaser interface {
	ClaimLeases(ctx context.Context, holder string, names []string, now time.Time, ttl time.Duration) ([]string, error)
	ReleaseLeases(ctx context.Context, holder string, names []string) error
}

// SendLease names the lease that lets one replica send to a platform.
func SendLease(kind string) string { return "send:" + kind }

// LeasedQueue returns q as seen by one of several replicas sharing it: a
// replica delivers to a destination only while it holds the lease of the
// destination's platform (SendLease), so that each alert is sent by one
// replica, each destination's order holds, and the platform's rate limits
// (kept in the dispatcher's windows) are those of one sender, as they are
// with a single daemon. Sending is bound by those limits, not by CPU, so
// one sender per platform loses nothing to splitting by destination, which
// would have needed the windows shared through the database.
//
// The lease is renewed at every look at the queue (the dispatcher looks at
// least every Poll), and NextAlerts hands out one alert at a time, after
// renewing: a replica that stalls longer than ttl loses the platform
// between two alerts, and at most the one alert in flight can be sent twice
// (Discord's nonce makes that harmless; for Telegram it is the repeat a
// crash may cost with a single daemon too).
func LeasedQueue(q Queue, l Leaser, holder string, ttl time.Duration, now func() time.Time) Queue {
	if now == nil {
		now = time.Now
	}
	return &leasedQueue{Queue: q, l: l, holder: holder, ttl: ttl, now: now}
}

type leasedQueue struct {
	Queue
	l      Leaser
	holder string
	ttl    time.Duration
	now    func() time.Time
}

// DueDestinations returns the due destinations whose platform this replica
// holds, claiming or renewing the leases of every platform with work due.
func (q *leasedQueue) DueDestinations(ctx context.Context, now time.Time) ([]model.Destination, error) {
	due, err := q.Queue.DueDestinations(ctx, now)
	if err != nil || len(due) == 0 {
		return due, err
	}
	var names []string
	seen := make(map[string]bool)
	for _, d := range due {
		if n := SendLease(d.Kind()); !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	held, err := q.l.ClaimLeases(ctx, q.holder, names, q.now(), q.ttl)
	if err != nil {
		return nil, err
	}
	mine := make(map[string]bool, len(held))
	for _, n := range held {
		mine[n] = true
	}
	out := due[:0]
	for _, d := range due {
		if mine[SendLease(d.Kind())] {
			out = append(out, d)
		}
	}
	return out, nil
}

// NextAlerts renews the platform's lease and returns at most one alert; none
// once the lease is lost.
func (q *leasedQueue) NextAlerts(ctx context.Context, dest model.Destination, now time.Time, limit int) ([]model.Alert, error) {
	held, err := q.l.ClaimLeases(ctx, q.holder, []string{SendLease(dest.Kind())}, q.now(), q.ttl)
	if err != nil || len(held) == 0 {
		return nil, err
	}
	return q.Queue.NextAlerts(ctx, dest, now, min(limit, 1))
}
