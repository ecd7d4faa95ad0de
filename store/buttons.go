package store

import (
	"context"

	"github.com/newshound/newshound/model"
)

// Buttons is what the buttons under an alert ("Mute this watch 24 h",
// "Unsubscribe") need from the store. A button carries only the alert's
// outbox id; what it acts on (the chat, the watches that raised the alert)
// is read back here, so that nothing a chat client sends is trusted.
type Buttons interface {
	// QueuedAlert returns the outbox row id in whatever state it is in
	// (pending, held, sent, parked); ok is false when there is no such row,
	// never queued or already pruned (PruneSent).
	QueuedAlert(ctx context.Context, id int64) (row model.OutboxRow, ok bool, err error)
}
