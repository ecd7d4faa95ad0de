package notify

import (
	"context"
	"time"

	"github.com/newshound/newshound/model"
)

// StoryThreads wraps q so that alerts handed to the dispatcher for a
// destination where threads(dest) holds carry Thread: the platform opens
// a thread for each story from its message. Like Silent it is decided
// when the alert is sent, from the config in force then.
func StoryThreads(q Queue, threads func(model.Destination) bool) Queue {
	return threadQueue{Queue: q, threads: threads}
}

type threadQueue struct {
	Queue
	threads func(model.Destination) bool
}

// NextAlerts implements Queue.
func (q threadQueue) NextAlerts(ctx context.Context, dest model.Destination, now time.Time, limit int) ([]model.Alert, error) {
	as, err := q.Queue.NextAlerts(ctx, dest, now, limit)
	if err != nil || len(as) == 0 || !q.threads(dest) {
		return as, err
	}
	for i := range as {
		// A story's first alert only: not an edit of it, a digest or a notice.
		as[i].Thread = !as[i].Edit && len(as[i].Digest) == 0 && as[i].Link != ""
	}
	return as, nil
}

// MarkDelivered implements RefQueue, forwarding to the wrapped queue: a
// wrapper that dropped it would lose every message's ref, and with it
// every "also reported by" edit.
func (q threadQueue) MarkDelivered(ctx context.Context, a model.Alert, ref model.MessageRef) error {
	return markDelivered(ctx, q.Queue, a, ref)
}

var _ RefQueue = threadQueue{}
