package notify

import (
	"context"
	"errors"

	"github.com/newshound/newshound/model"
)

// RefSender is implemented by Senders whose platform names the message it
// created. The dispatcher keeps the ref with the sent alert, so that a later
// report of the story can edit the message (Editor). A Sender without it
// sends as before and its alerts are never edited.
type RefSender interface {
	SendRef(ctx context.Context, a model.Alert) (model.MessageRef, error)
}

// Editor is implemented by Senders whose platform can edit a message it
// sent: Edit replaces the message at ref with a rendered in full (the same
// renderer as Send, so an edited alert looks like a sent one). Errors are
// those of Send, plus ErrMessageGone.
type Editor interface {
	Edit(ctx context.Context, ref model.MessageRef, a model.Alert) error
}

// ErrMessageGone says the message to edit is deleted or can no longer be
// edited (too old). The edit is dropped and logged; the alert is never sent
// again, since the user already had it.
var ErrMessageGone = errors.New("the message can no longer be edited")

// RefQueue is a Queue that keeps message refs and revisions of edits
// (store.Stories implements it). MarkDelivered replaces MarkSent when the
// queue has it: an edit whose row was revised after it was read stays
// queued, so the final state is always reached.
type RefQueue interface {
	MarkDelivered(ctx context.Context, a model.Alert, ref model.MessageRef) error
}

// attempt makes one delivery of a: an edit through Editor, a send through
// SendRef when the sender has it. An edit without a message to edit (the
// platform gave no ref, the first alert was parked) or a sender that cannot
// edit is done without a request: nothing can show it.
func (d *Dispatcher) attempt(ctx context.Context, sender Sender, a model.Alert) (model.MessageRef, bool, error) {
	if a.Edit {
		ed, ok := sender.(Editor)
		if !ok || a.Ref == "" {
			return "", false, nil
		}
		return a.Ref, true, ed.Edit(ctx, a.Ref, a)
	}
	if rs, ok := sender.(RefSender); ok {
		ref, err := rs.SendRef(ctx, a)
		return ref, true, err
	}
	return "", true, sender.Send(ctx, a)
}

// markSent records a delivered alert or edit, with its ref when the queue keeps them.
func (d *Dispatcher) markSent(ctx context.Context, a model.Alert, ref model.MessageRef) error {
	if rq, ok := d.q.(RefQueue); ok {
		return rq.MarkDelivered(ctx, a, ref)
	}
	return d.q.MarkSent(ctx, a.ID)
}

// markDelivered is RefQueue.MarkDelivered on q when q keeps refs, else
// MarkSent: what a Queue wrapper (QuietQueue, LeasedQueue) forwards, so
// that wrapping a store never loses its refs and edit revisions.
func markDelivered(ctx context.Context, q Queue, a model.Alert, ref model.MessageRef) error {
	if rq, ok := q.(RefQueue); ok {
		return rq.MarkDelivered(ctx, a, ref)
	}
	return q.MarkSent(ctx, a.ID)
}

// MarkDelivered implements RefQueue, forwarding to the wrapped queue.
func (q quietQueue) MarkDelivered(ctx context.Context, a model.Alert, ref model.MessageRef) error {
	return markDelivered(ctx, q.Queue, a, ref)
}

// MarkDelivered implements RefQueue, forwarding to the wrapped queue.
func (q *leasedQueue) MarkDelivered(ctx context.Context, a model.Alert, ref model.MessageRef) error {
	return markDelivered(ctx, q.Queue, a, ref)
}

var (
	_ RefQueue = quietQueue{}
	_ RefQueue = (*leasedQueue)(nil)
)
