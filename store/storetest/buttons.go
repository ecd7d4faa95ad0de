package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

var buttonTests = []test{
	{"QueuedAlertInEveryState", func(t *testing.T, e *env) {
		const other = model.Destination("discord:5")
		e.ingest("https://f.example/", nil, watched("a", []string{"apt29", "kyiv"}, chat, other))
		rows := e.list("", chat)
		if len(rows) != 1 {
			t.Fatalf("queued %d alerts for %s, want 1", len(rows), chat)
		}
		id := rows[0].ID
		for _, step := range []struct {
			name  string
			do    func() error
			state string
		}{
			{"pending", func() error { return nil }, model.StatePending},
			{"sent", func() error { return e.s.MarkSent(e.ctx, id) }, model.StateSent},
		} {
			e.must(step.name, step.do())
			r, ok, err := e.s.QueuedAlert(e.ctx, id)
			e.must("QueuedAlert", err)
			if !ok {
				t.Fatalf("%s: QueuedAlert(%d) not found", step.name, id)
			}
			names := []string{}
			for _, w := range r.Alert.Watches {
				names = append(names, w.Name)
			}
			if r.ID != id || r.Destination != chat || r.State != step.state || r.Alert.Title != "a" || !slices.Equal(names, []string{"apt29", "kyiv"}) {
				t.Errorf("%s: QueuedAlert = %+v, want alert a for %s in state %s with watches apt29, kyiv", step.name, r, chat, step.state)
			}
		}
		// A row that never was, and one pruned after delivery, are not found.
		if _, ok, err := e.s.QueuedAlert(e.ctx, id+1000); err != nil || ok {
			t.Errorf("QueuedAlert of an unknown id = %v, %v; want not found", ok, err)
		}
		e.advance(3 * time.Hour)
		e.must("PruneSent", e.s.PruneSent(e.ctx, time.Hour))
		if _, ok, err := e.s.QueuedAlert(e.ctx, id); err != nil || ok {
			t.Errorf("QueuedAlert after PruneSent = %v, %v; want not found", ok, err)
		}
	}},
}
