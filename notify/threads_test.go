package notify

import (
	"context"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

// threadTestQueue is a Queue whose NextAlerts returns fixed alerts.
type threadTestQueue struct {
	Queue
	as []model.Alert
}

func (q threadTestQueue) NextAlerts(context.Context, model.Destination, time.Time, int) ([]model.Alert, error) {
	return append([]model.Alert(nil), q.as...), nil
}

// TestStoryThreadsMarksStoriesOnly: only a story's first alert asks for a
// thread, and only where the destination wants threads.
func TestStoryThreadsMarksStoriesOnly(t *testing.T) {
	as := []model.Alert{{Title: "story", Link: "https://x.example/1"}, {Title: "edit", Link: "https://x.example/1", Edit: true},
		{Title: "Digest", Digest: []model.DigestGroup{{Watch: "w"}}}, {Title: "notice"}}
	q := StoryThreads(threadTestQueue{as: as}, func(d model.Destination) bool { return d == "discord:1" })
	got, err := q.NextAlerts(context.Background(), "discord:1", time.Now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false, false, false} {
		if got[i].Thread != want {
			t.Errorf("%s: Thread = %v, want %v", got[i].Title, got[i].Thread, want)
		}
	}
	other, _ := q.NextAlerts(context.Background(), "discord:2", time.Now(), 10)
	if other[0].Thread {
		t.Error("a destination without threads got a thread")
	}
}

// refQueue records MarkDelivered.
type refQueue struct {
	threadTestQueue
	refs []model.MessageRef
}

func (q *refQueue) MarkDelivered(_ context.Context, _ model.Alert, ref model.MessageRef) error {
	q.refs = append(q.refs, ref)
	return nil
}

// TestStoryThreadsKeepsRefs: the wrapper forwards MarkDelivered, or the
// messages' refs (and so every later edit) would be lost.
func TestStoryThreadsKeepsRefs(t *testing.T) {
	inner := &refQueue{}
	q := StoryThreads(inner, func(model.Destination) bool { return true })
	if err := markDelivered(context.Background(), q, model.Alert{ID: 1}, "c/m"); err != nil {
		t.Fatal(err)
	}
	if len(inner.refs) != 1 || inner.refs[0] != "c/m" {
		t.Errorf("refs = %v, want the ref forwarded", inner.refs)
	}
}
