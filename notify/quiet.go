package notify

import (
	"context"
	"time"

	"github.com/newshound/newshound/model"
)

// DeliveryReader reads a destination's delivery settings (store.Chats).
type DeliveryReader interface {
	Delivery(ctx context.Context, dest model.Destination) (model.Delivery, error)
}

// QuietQueue wraps q so that alerts handed to the dispatcher during a
// destination's quiet window in silent mode carry Silent: the platform then
// delivers them without a sound. It is decided when the alert is sent, not
// when it was queued, so a retry after the window rings as usual.
func QuietQueue(q Queue, settings DeliveryReader) Queue {
	return quietQueue{Queue: q, settings: settings}
}

type quietQueue struct {
	Queue
	settings DeliveryReader
}

// NextAlerts implements Queue.
func (q quietQueue) NextAlerts(ctx context.Context, dest model.Destination, now time.Time, limit int) ([]model.Alert, error) {
	as, err := q.Queue.NextAlerts(ctx, dest, now, limit)
	if err != nil || len(as) == 0 {
		return as, err
	}
	d, err := q.settings.Delivery(ctx, dest)
	if err != nil {
		return nil, err
	}
	if d.Quiet.Silent && d.QuietActive(now) {
		for i := range as {
			as[i].Silent = true
		}
	}
	return as, nil
}
