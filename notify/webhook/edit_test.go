package webhook_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify/webhook"
)

// report ingests an item of feed outlet reporting story, alerting dest: the
// first report of a story alerts, a later outlet's queues an edit.
func (r *rig) report(dest model.Destination, story int64, outlet, title string) model.IngestResult {
	r.t.Helper()
	a := model.Alert{
		Destination: dest, Title: title, Link: "https://news.example/" + outlet, Feed: outlet, Published: published,
		Watches: []model.WatchMatch{{Name: "apt29", Terms: []string{"APT29"}}},
	}
	item := model.NewItem{Key: outlet + title, Published: published, Alerts: []model.Alert{a},
		Report: &model.StoryReport{ID: story, Outlet: outlet, Title: title, Link: a.Link}}
	res, err := r.db.Ingest(context.Background(), model.FeedState{URL: "http://feed/" + outlet}, nil, []model.NewItem{item})
	if err != nil {
		r.t.Fatal(err)
	}
	return res
}

func answer(code int, body string) func(http.ResponseWriter) bool {
	return func(w http.ResponseWriter) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
		return true
	}
}

// A second outlet's report of a story is one edit POST naming the message
// by the id the receiver answered the alert with, signed like the alert,
// with the story's outlets; a third outlet's, a minute later, is the next
// revision with a key of its own.
func TestEditNamesReceiversID(t *testing.T) {
	recv := newReceiver(t)
	r := newRig(t, webhook.Options{Secret: secret, AllowPrivate: true})
	dest := recv.dest()
	recv.then(answer(http.StatusCreated, `{"id": "msg-81", "ok": true}`))
	r.report(dest, 5, "Wire A", "APT29 phishes embassies")
	r.drain()
	if res := r.report(dest, 5, "Wire B", "APT29 phishing of embassies"); res.Edits != 1 || res.Queued != 0 {
		t.Fatalf("second outlet: %+v, want one edit", res)
	}
	r.drain()
	reqs := recv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the alert and one edit", len(reqs))
	}
	alert, edit := reqs[0], reqs[1]
	if alert.payload.Event != webhook.EventAlert || alert.payload.Ref != "" {
		t.Errorf("alert payload = %+v", alert.payload)
	}
	p := edit.payload
	key := edit.header.Get("Idempotency-Key")
	if p.Event != webhook.EventEdit || p.Ref != "msg-81" || p.Rev != 1 || !slices.Equal(p.AlsoReported, []string{"Wire B"}) ||
		p.Title != "APT29 phishes embassies" || p.Feed != "Wire A" || p.Version != webhook.PayloadVersion {
		t.Errorf("edit payload = %+v, want an edit of msg-81 keeping Wire A's alert and naming Wire B", p)
	}
	if !edit.signed {
		t.Error("the edit's signature does not verify")
	}
	if want := alert.header.Get("Idempotency-Key") + "-edit-1"; key != want || p.ID != key {
		t.Errorf("edit Idempotency-Key %q, id %q; want %q for both", key, p.ID, want)
	}
	if sent := r.outbox("sent"); len(sent) != 2 {
		t.Errorf("sent rows = %d, want the alert and the edit", len(sent))
	}

	r.report(dest, 5, "Wire C", "Embassies phished by APT29")
	r.drain()
	if n := len(recv.requests()); n != 2 {
		t.Fatalf("an edit within a minute of the last: %d requests, want 2", n)
	}
	r.clk.advance(2 * time.Minute)
	r.drain()
	reqs = recv.requests()
	if len(reqs) != 3 {
		t.Fatalf("a minute later: %d requests, want a second edit", len(reqs))
	}
	p = reqs[2].payload
	if p.Ref != "msg-81" || p.Rev != 2 || !slices.Equal(p.AlsoReported, []string{"Wire B", "Wire C"}) ||
		reqs[2].header.Get("Idempotency-Key") != alert.header.Get("Idempotency-Key")+"-edit-2" {
		t.Errorf("second edit = %+v (key %q), want rev 2 of msg-81 naming Wire B and Wire C", p, reqs[2].header.Get("Idempotency-Key"))
	}
	r.noSecrets()
}

// A receiver that answers the alert without an id gets the alert's
// Idempotency-Key as the edit's ref; an id that is no id (too long, not
// text) is ignored the same way.
func TestEditRefIsIdempotencyKeyWithoutID(t *testing.T) {
	for name, body := range map[string]string{
		"empty":     "",
		"not json":  "ok",
		"no id":     `{"status": "ok"}`,
		"too long":  `{"id": "` + strings.Repeat("x", 300) + `"}`,
		"an object": `{"id": {"n": 1}}`,
	} {
		t.Run(name, func(t *testing.T) {
			recv := newReceiver(t)
			r := newRig(t, webhook.Options{Secret: secret, AllowPrivate: true})
			recv.then(answer(http.StatusOK, body))
			r.report(recv.dest(), 6, "Wire A", "APT29 story")
			r.drain()
			r.report(recv.dest(), 6, "Wire B", "APT29 story, reworded")
			r.drain()
			reqs := recv.requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want the alert and one edit", len(reqs))
			}
			if key := reqs[0].header.Get("Idempotency-Key"); key == "" || reqs[1].payload.Ref != key {
				t.Errorf("edit ref %q, want the alert's Idempotency-Key %q", reqs[1].payload.Ref, key)
			}
		})
	}
	recv := newReceiver(t)
	r := newRig(t, webhook.Options{AllowPrivate: true})
	recv.then(answer(http.StatusOK, `{"id": 4711}`))
	r.report(recv.dest(), 7, "Wire A", "APT29 story")
	r.drain()
	r.report(recv.dest(), 7, "Wire B", "APT29 story, reworded")
	r.drain()
	if reqs := recv.requests(); len(reqs) != 2 || reqs[1].payload.Ref != "4711" {
		t.Errorf("a numeric id: requests %+v, want an edit of ref 4711", reqs)
	}
}

// An edit answered 404 or 410 is dropped and logged: the alert is not
// sent again, the destination stays enabled, later reports edit nothing,
// and the next story alerts as usual.
func TestEditGoneIsLeftAlone(t *testing.T) {
	for _, code := range []int{http.StatusNotFound, http.StatusGone} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			recv := newReceiver(t)
			r := newRig(t, webhook.Options{Secret: secret, AllowPrivate: true})
			dest := recv.dest()
			r.report(dest, 8, "Wire A", "APT29 story")
			r.drain()
			recv.then(status(code))
			r.report(dest, 8, "Wire B", "APT29 story, reworded")
			r.drain()
			if parked := r.outbox("parked"); len(parked) != 1 || !strings.Contains(parked[0].LastError, "can no longer be edited") {
				t.Fatalf("parked = %+v, want the edit, gone", parked)
			}
			r.clk.advance(time.Hour)
			r.report(dest, 8, "Wire C", "APT29 story, third outlet")
			r.drain()
			if n := len(recv.requests()); n != 2 {
				t.Errorf("%d requests, want the alert and the one edit answered %d: nothing re-sent", n, code)
			}
			if dis, _ := r.db.DisabledDestinations(context.Background()); len(dis) != 0 {
				t.Errorf("a gone message disabled the destination: %v", dis)
			}
			r.report(dest, 9, "Wire A", "Another APT29 story")
			r.drain()
			if reqs := recv.requests(); len(reqs) != 3 || reqs[2].payload.Event != webhook.EventAlert {
				t.Errorf("the next story: %d requests, want its alert", len(reqs))
			}
			if !strings.Contains(r.logs.String(), "can no longer be edited") {
				t.Errorf("the gone edit was not logged:\n%s", r.logs.String())
			}
			r.noSecrets()
		})
	}
}

// An edit answered 429 waits for Retry-After, then lands once, with the
// same key.
func TestEditRetryAfter(t *testing.T) {
	recv := newReceiver(t)
	r := newRig(t, webhook.Options{Secret: secret, AllowPrivate: true})
	dest := recv.dest()
	r.report(dest, 10, "Wire A", "APT29 story")
	r.drain()
	recv.then(status(http.StatusTooManyRequests, "Retry-After", "30"))
	r.report(dest, 10, "Wire B", "APT29 story, reworded")
	r.drain()
	r.clk.advance(29 * time.Second)
	r.drain()
	if n := len(recv.requests()); n != 2 {
		t.Fatalf("%d requests before Retry-After passed, want 2 (the alert, the 429)", n)
	}
	r.clk.advance(time.Second)
	r.drain()
	reqs := recv.requests()
	if len(reqs) != 3 || reqs[2].payload.Event != webhook.EventEdit || reqs[2].header.Get("Idempotency-Key") != reqs[1].header.Get("Idempotency-Key") {
		t.Fatalf("after Retry-After: %d requests, want the edit again with its key", len(reqs))
	}
	if sent := r.outbox("sent"); len(sent) != 2 {
		t.Errorf("sent rows = %d, want the alert and the edit", len(sent))
	}
}
