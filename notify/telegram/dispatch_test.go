package telegram

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/telegram/telegramtest"
)

// memQueue is an in-memory notify.Queue, enough to run the real dispatcher
// against this package's Sender.
type memQueue struct {
	mu       sync.Mutex
	alerts   []*queued
	disabled map[model.Destination]string
	moves    [][2]model.Destination
}

type queued struct {
	a      model.Alert
	due    time.Time
	state  string // "queued", "sent", "parked"
	reason string
}

func (q *memQueue) add(a model.Alert) {
	q.mu.Lock()
	defer q.mu.Unlock()
	a.ID = int64(len(q.alerts) + 1)
	q.alerts = append(q.alerts, &queued{a: a, state: "queued"})
}

func (q *memQueue) find(id int64) *queued { return q.alerts[id-1] }

func (q *memQueue) DueDestinations(_ context.Context, now time.Time) ([]model.Destination, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []model.Destination
	for _, x := range q.alerts {
		d := x.a.Destination
		if x.state == "queued" && !x.due.After(now) && q.disabled[d] == "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (q *memQueue) NextAlerts(_ context.Context, dest model.Destination, now time.Time, limit int) ([]model.Alert, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []model.Alert
	for _, x := range q.alerts {
		if x.state != "queued" || x.a.Destination != dest {
			continue
		}
		if x.due.After(now) || len(out) == limit {
			break
		}
		out = append(out, x.a)
	}
	return out, nil
}

func (q *memQueue) set(id int64, f func(x *queued)) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	f(q.find(id))
	return nil
}

func (q *memQueue) MarkSent(_ context.Context, id int64) error {
	return q.set(id, func(x *queued) { x.state = "sent" })
}

func (q *memQueue) Retry(_ context.Context, id int64, at time.Time, reason string) error {
	return q.set(id, func(x *queued) { x.a.Attempts++; x.due, x.reason = at, reason })
}

func (q *memQueue) Postpone(_ context.Context, id int64, at time.Time, reason string) error {
	return q.set(id, func(x *queued) { x.due, x.reason = at, reason })
}

func (q *memQueue) Park(_ context.Context, id int64, reason string) error {
	return q.set(id, func(x *queued) { x.state, x.reason = "parked", reason })
}

func (q *memQueue) ParkDestination(_ context.Context, dest model.Destination, reason string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, x := range q.alerts {
		if x.a.Destination == dest && x.state == "queued" {
			x.state, x.reason = "parked", reason
		}
	}
	return nil
}

func (q *memQueue) DisableDestination(_ context.Context, dest model.Destination, reason string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.disabled[dest] = reason
	return nil
}

func (q *memQueue) MoveDestination(_ context.Context, from, to model.Destination) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.moves = append(q.moves, [2]model.Destination{from, to})
	for _, x := range q.alerts {
		if x.a.Destination == from && x.state == "queued" {
			x.a.Destination = to
		}
	}
	return nil
}

// TestDispatcherEndToEnd runs the real dispatcher with this Sender against
// the fake enforcing Telegram's limits: pacing by Limits avoids 429s, a
// blocked chat is parked and disabled, a migrated group moves and its alert
// is delivered at the new id.
func TestDispatcherEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("paced at Telegram's real limits: takes seconds")
	}
	f := newFakeAPI(t)
	// The dispatcher paces by when it starts a send, the server counts
	// arrivals: allow for the jitter between the two (a cold connection
	// under -race on a loaded machine takes tens of milliseconds).
	const jitter = 150 * time.Millisecond
	limits := telegramtest.TelegramLimits()
	limits.Tolerance = jitter
	f.SetLimits(limits)
	f.FailChat("66", telegramtest.APIError(403, "Forbidden: bot was blocked by the user", nil))
	f.FailChat("-4242", telegramtest.APIError(400, "Bad Request: group chat was upgraded to a supergroup chat", map[string]any{"migrate_to_chat_id": -1009999}))
	b := f.newBot(t, Options{})

	q := &memQueue{disabled: map[model.Destination]string{}}
	for i := range 3 {
		for _, chat := range []model.Destination{"telegram:1", "telegram:2", "telegram:3"} {
			a := sampleAlert()
			a.Destination = chat
			a.Title = string(chat) + " alert " + string(rune('A'+i))
			q.add(a)
		}
	}
	for _, chat := range []model.Destination{"telegram:66", "telegram:66", "telegram:-4242", "telegram:-4242"} {
		a := sampleAlert()
		a.Destination = chat
		q.add(a)
	}
	var moved [][2]model.Destination
	var disabled []model.Destination
	d := notify.NewDispatcher(q, notify.DispatcherOptions{
		Senders: map[string]notify.Sender{"telegram": b},
		OnMove: func(_ context.Context, from, to model.Destination) error {
			moved = append(moved, [2]model.Destination{from, to})
			return nil
		},
		OnPermanent: func(_ context.Context, dest model.Destination, _ error) { disabled = append(disabled, dest) },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}

	if n := f.Limited(); n != 0 {
		t.Errorf("%d sends answered 429 despite pacing", n)
	}
	byChat := map[string][]time.Time{}
	for _, m := range f.Sent() {
		byChat[m.ChatID] = append(byChat[m.ChatID], m.At)
	}
	for _, chat := range []string{"1", "2", "3"} {
		times := byChat[chat]
		if len(times) != 3 {
			t.Errorf("chat %s got %d alerts, want 3", chat, len(times))
			continue
		}
		for i := 1; i < len(times); i++ {
			if gap := times[i].Sub(times[i-1]); gap < time.Second-jitter {
				t.Errorf("chat %s: two alerts %s apart", chat, gap)
			}
		}
	}
	if n := len(byChat["-1009999"]); n != 2 {
		t.Errorf("migrated group got %d alerts at its new id, want 2", n)
	}
	if len(moved) != 1 || moved[0] != [2]model.Destination{"telegram:-4242", "telegram:-1009999"} {
		t.Errorf("moves %v", moved)
	}
	if len(disabled) != 1 || disabled[0] != "telegram:66" || q.disabled["telegram:66"] == "" {
		t.Errorf("disabled %v / %v", disabled, q.disabled)
	}
	for _, x := range q.alerts {
		want := "sent"
		if x.a.Destination == "telegram:66" {
			want = "parked"
		}
		if x.state != want {
			t.Errorf("alert %d to %s is %s (%s), want %s", x.a.ID, x.a.Destination, x.state, x.reason, want)
		}
	}
}

// TestForumTopics runs the real dispatcher with this Sender against a fake
// forum: an alert to telegram:CHAT/TOPIC arrives in that topic, and one to
// a topic the forum does not have ("message thread not found") is parked
// and its destination disabled, leaving the chat's other topics alone.
func TestForumTopics(t *testing.T) {
	f := newFakeAPI(t)
	f.SetTopics("-100123", 42)
	b := f.newBot(t, Options{})

	q := &memQueue{disabled: map[model.Destination]string{}}
	for _, dest := range []model.Destination{"telegram:-100123/42", "telegram:-100123/7", "telegram:-100123"} {
		a := sampleAlert()
		a.Destination, a.Title = dest, "alert to "+string(dest)
		q.add(a)
	}
	d := notify.NewDispatcher(q, notify.DispatcherOptions{Senders: map[string]notify.Sender{"telegram": b}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}

	topicOf := map[string]string{}
	for _, m := range f.Sent() {
		if m.ChatID != "-100123" {
			t.Errorf("message to chat %s", m.ChatID)
		}
		for _, dest := range []string{"telegram:-100123/42", "telegram:-100123/7", "telegram:-100123"} {
			if strings.Contains(m.Visible, "alert to "+dest+"\n") {
				topicOf[dest] = m.Topic
			}
		}
	}
	if got, ok := topicOf["telegram:-100123/42"]; !ok || got != "42" {
		t.Errorf("alert to topic 42 arrived in topic %q (sent: %v)", got, ok)
	}
	if got, ok := topicOf["telegram:-100123"]; !ok || got != "" {
		t.Errorf("alert to the chat arrived in topic %q (sent: %v)", got, ok)
	}
	if _, ok := topicOf["telegram:-100123/7"]; ok {
		t.Error("alert to a missing topic was delivered")
	}
	for _, x := range q.alerts {
		want := "sent"
		if x.a.Destination == "telegram:-100123/7" {
			want = "parked"
		}
		if x.state != want {
			t.Errorf("alert to %s is %s (%s), want %s", x.a.Destination, x.state, x.reason, want)
		}
	}
	if reason := q.disabled["telegram:-100123/7"]; !strings.Contains(reason, "message thread not found") {
		t.Errorf("missing topic not disabled: %v", q.disabled)
	}
	if len(q.disabled) != 1 {
		t.Errorf("disabled %v, want only the missing topic", q.disabled)
	}
}
