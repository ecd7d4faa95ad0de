package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

// published is an item with alerts to dests, published at p.
func published(key string, p time.Time, dests ...model.Destination) model.NewItem {
	it := item(key, "", "", dests...)
	it.Published = p
	for i := range it.Alerts {
		it.Alerts[i].Published = p
	}
	return it
}

var outboxTests = []test{
	{"AlertRoundTrip", func(t *testing.T, e *env) {
		p := e.now().Add(-time.Hour)
		want := model.Alert{Destination: "telegram:1", Title: "Title", Link: "https://x/1", Feed: "Feed", Published: p,
			Snippet: "the «Cozy Bear» group", Watches: []model.WatchMatch{{Name: "apt29", Terms: []string{`APT29, as "Cozy Bear"`}}}}
		other := want
		other.Destination = "discord:2"
		e.ingest("http://a", nil, model.NewItem{Key: "1", Published: p, Alerts: []model.Alert{want, other}})
		got := e.next("telegram:1", e.now())
		if len(got) != 1 {
			t.Fatalf("NextAlerts = %+v, want one alert", got)
		}
		a := got[0]
		if a.ID == 0 || a.Nonce == "" || a.Attempts != 0 {
			t.Errorf("alert ID %d, nonce %q, attempts %d: want an id, a nonce and no attempts", a.ID, a.Nonce, a.Attempts)
		}
		if !a.Published.Equal(p) {
			t.Errorf("Published = %v, want %v", a.Published, p)
		}
		a.ID, a.Nonce, a.Published = 0, "", want.Published
		if a.Destination != want.Destination || a.Title != want.Title || a.Link != want.Link || a.Feed != want.Feed ||
			a.Snippet != want.Snippet || len(a.Watches) != 1 || a.Watches[0].Name != "apt29" || !slices.Equal(a.Watches[0].Terms, want.Watches[0].Terms) {
			t.Errorf("alert =\n%+v\nwant\n%+v", a, want)
		}
		o := e.next("discord:2", e.now())
		if len(o) != 1 || o[0].Nonce == "" || o[0].Nonce == got[0].Nonce || o[0].ID == got[0].ID {
			t.Errorf("second destination's alert %+v: want its own id and nonce", o)
		}
		rows := e.list("", "telegram:1")
		if len(rows) != 1 || rows[0].ID != got[0].ID || rows[0].State != model.StatePending || rows[0].Destination != "telegram:1" ||
			rows[0].Alert.Title != "Title" || !rows[0].CreatedAt.Equal(e.now()) {
			t.Errorf("ListOutbox = %+v, want the pending row created at %v", rows, e.now())
		}
	}},
	{"OrderByPublicationThenQueue", func(t *testing.T, e *env) {
		now := e.now()
		// Ingested out of order: delivery follows publication time, then
		// queue order; an unknown or future publication time counts as
		// the time the alert was queued.
		e.ingest("http://a", nil,
			published("b", now.Add(-time.Hour), "telegram:1"),
			published("e", now.Add(-time.Hour), "telegram:1"),
			published("zero", time.Time{}, "telegram:1"),
			published("future", now.Add(time.Hour), "telegram:1"),
			published("a", now.Add(-2*time.Hour), "telegram:1"))
		e.advance(time.Minute)
		e.ingest("http://b", nil, published("late", now.Add(-3*time.Hour), "telegram:1"), published("later", now.Add(30*time.Second), "telegram:1"))
		if got := titles(e.next("telegram:1", e.now())); got != "late,a,b,e,zero,future,later" {
			t.Errorf("NextAlerts order = %s, want late,a,b,e,zero,future,later", got)
		}
		got, err := e.s.NextAlerts(e.ctx, "telegram:1", e.now(), 2)
		if err != nil || titles(got) != "late,a" {
			t.Errorf("NextAlerts limit 2 = %q, %v; want late,a", titles(got), err)
		}
		if got := e.next("telegram:2", e.now()); len(got) != 0 {
			t.Errorf("another destination's NextAlerts = %+v, want none", got)
		}
	}},
	{"NextAlertsStopsBeforeNotYetDue", func(t *testing.T, e *env) {
		now := e.now()
		e.ingest("http://a", nil, published("old", now.Add(-2*time.Hour), "telegram:1"), published("newer", now.Add(-time.Hour), "telegram:1"))
		head := e.next("telegram:1", now)
		if titles(head) != "old,newer" {
			t.Fatalf("NextAlerts = %s, want old,newer", titles(head))
		}
		// A retried head blocks the rest of its destination: order is kept.
		e.must("Retry", e.s.Retry(e.ctx, head[0].ID, now.Add(time.Minute), "500"))
		if got := e.next("telegram:1", now); len(got) != 0 {
			t.Errorf("after a retry of the head, NextAlerts = %s, want nothing", titles(got))
		}
		got := e.next("telegram:1", now.Add(2*time.Minute))
		if titles(got) != "old,newer" || got[0].Attempts != 1 || got[1].Attempts != 0 {
			t.Errorf("after the retry time, NextAlerts = %+v, want old (1 attempt) then newer", got)
		}
		rows := e.list(model.StatePending, "telegram:1")
		if len(rows) != 2 || rows[0].LastError != "500" || !rows[0].NextAttempt.Equal(now.Add(time.Minute)) || rows[0].Attempts != 1 {
			t.Errorf("retried row = %+v, want last error 500, next attempt in a minute, 1 attempt", rows)
		}
		// Postpone moves the attempt without counting a failure.
		e.must("Postpone", e.s.Postpone(e.ctx, head[0].ID, now.Add(5*time.Minute), "429"))
		if got := e.next("telegram:1", now.Add(2*time.Minute)); len(got) != 0 {
			t.Errorf("after Postpone, NextAlerts = %s, want nothing", titles(got))
		}
		got = e.next("telegram:1", now.Add(5*time.Minute))
		if len(got) != 2 || got[0].Attempts != 1 {
			t.Errorf("after the postponed time, NextAlerts = %+v, want both, the head still at 1 attempt", got)
		}
		if rows := e.list(model.StatePending, "telegram:1"); rows[0].LastError != "429" {
			t.Errorf("postponed row's last error = %q, want 429", rows[0].LastError)
		}
	}},
	{"MarkSent", func(t *testing.T, e *env) {
		e.ingest("http://a", nil, published("a", e.now().Add(-time.Hour), "telegram:1"), published("b", e.now().Add(-time.Minute), "telegram:1"))
		head := e.next("telegram:1", e.now())
		e.must("MarkSent", e.s.MarkSent(e.ctx, head[0].ID))
		if got := titles(e.next("telegram:1", e.now())); got != "b" {
			t.Errorf("after MarkSent, NextAlerts = %s, want b", got)
		}
		if sent := e.list(model.StateSent, ""); len(sent) != 1 || sent[0].ID != head[0].ID || sent[0].State != model.StateSent {
			t.Errorf("ListOutbox(sent) = %+v, want a", sent)
		}
		if rows := e.list("", ""); rowTitles(rows) != "b" {
			t.Errorf(`ListOutbox("") = %s, want only the waiting b`, rowTitles(rows))
		}
		if st := e.stats(); st.Pending != 1 || st.Parked != 0 {
			t.Errorf("QueueStats = %+v, want 1 pending", st)
		}
	}},
	{"ParkAndRetryParked", func(t *testing.T, e *env) {
		now := e.now()
		e.ingest("http://a", nil,
			published("a", now.Add(-3*time.Hour), "telegram:1", "discord:2"),
			published("b", now.Add(-2*time.Hour), "telegram:1", "discord:2"),
			published("c", now.Add(-time.Hour), "telegram:1"))
		tg, dc := e.next("telegram:1", now), e.next("discord:2", now)
		e.must("Park", e.s.Park(e.ctx, tg[0].ID, "blocked"))
		e.must("Park", e.s.Park(e.ctx, dc[0].ID, "gone"))
		e.must("DisableDestination", e.s.DisableDestination(e.ctx, "telegram:1", "blocked"))
		e.must("DisableDestination", e.s.DisableDestination(e.ctx, "discord:2", "gone"))
		e.must("DisableDestination", e.s.DisableDestination(e.ctx, "discord:3", "unrelated"))
		parked := e.list(model.StateParked, "")
		if rowTitles(parked) != "a,a" || parked[0].LastError != "blocked" || parked[0].State != model.StateParked {
			t.Fatalf("parked = %+v, want both a's, the first with reason blocked", parked)
		}
		if got := titles(e.next("telegram:1", now)); got != "b,c" {
			t.Errorf("after Park, NextAlerts = %s, want b,c", got)
		}
		if st := e.stats(); st.Pending != 3 || st.Parked != 2 {
			t.Errorf("QueueStats = %+v, want 3 pending, 2 parked", st)
		}
		// One parked alert: only its destination is re-enabled.
		n, err := e.s.RetryParked(e.ctx, tg[0].ID)
		if err != nil || n != 1 {
			t.Fatalf("RetryParked(%d) = %d, %v; want 1", tg[0].ID, n, err)
		}
		dis, err := e.s.DisabledDestinations(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := dis["telegram:1"]; ok || dis["discord:2"] != "gone" || dis["discord:3"] != "unrelated" || len(dis) != 2 {
			t.Errorf("after RetryParked of one alert, disabled = %v, want discord:2 and discord:3 only", dis)
		}
		got := e.next("telegram:1", now)
		if titles(got) != "a,b,c" || got[0].Attempts != 0 {
			t.Errorf("after RetryParked, NextAlerts = %+v, want a (attempts reset), b, c", got)
		}
		// Every parked alert.
		if n, err := e.s.RetryParked(e.ctx, 0); err != nil || n != 1 {
			t.Fatalf("RetryParked(0) = %d, %v; want 1", n, err)
		}
		dis, _ = e.s.DisabledDestinations(e.ctx)
		if len(dis) != 1 || dis["discord:3"] != "unrelated" {
			t.Errorf("after RetryParked(0), disabled = %v, want only discord:3 (it had nothing parked)", dis)
		}
		if got := titles(e.next("discord:2", now)); got != "a,b" {
			t.Errorf("discord:2 after RetryParked(0) = %s, want a,b", got)
		}
		if n, err := e.s.RetryParked(e.ctx, 0); err != nil || n != 0 {
			t.Errorf("RetryParked with nothing parked = %d, %v; want 0", n, err)
		}
	}},
	{"ParkDestination", func(t *testing.T, e *env) {
		now := e.now()
		e.ingest("http://a", nil,
			published("a", now.Add(-2*time.Hour), "telegram:1", "telegram:2"),
			published("b", now.Add(-time.Hour), "telegram:1", "telegram:2"))
		sent := e.next("telegram:1", now)[0]
		e.must("MarkSent", e.s.MarkSent(e.ctx, sent.ID))
		e.must("ParkDestination", e.s.ParkDestination(e.ctx, "telegram:1", "chat not found"))
		parked := e.list(model.StateParked, "")
		if rowTitles(parked) != "b" || parked[0].Destination != "telegram:1" || parked[0].LastError != "chat not found" {
			t.Errorf("parked = %+v, want telegram:1's b with the reason", parked)
		}
		if rows := e.list(model.StateSent, ""); len(rows) != 1 || rows[0].ID != sent.ID {
			t.Errorf("sent = %+v, want the sent alert left alone", rows)
		}
		if got := titles(e.next("telegram:2", now)); got != "a,b" {
			t.Errorf("other destination = %s, want a,b untouched", got)
		}
		if got := e.due(now); !slices.Equal(got, dests("telegram:2")) {
			t.Errorf("due = %v, want telegram:2", got)
		}
	}},
	{"QueueNotice", func(t *testing.T, e *env) {
		e.ingest("http://a", nil, published("story", e.now().Add(-time.Hour), "telegram:1"))
		e.advance(time.Minute)
		n := model.Alert{Title: "feed failing", Link: "http://a"}
		e.must("QueueNotice", e.s.QueueNotice(e.ctx, []model.Destination{"telegram:1", "discord:2"}, n))
		e.must("QueueNotice", e.s.QueueNotice(e.ctx, []model.Destination{"telegram:1"}, n))
		tg := e.next("telegram:1", e.now())
		if titles(tg) != "story,feed failing,feed failing" {
			t.Fatalf("telegram:1 = %s, want the story then both notices", titles(tg))
		}
		dc := e.next("discord:2", e.now())
		if len(dc) != 1 || dc[0].Destination != "discord:2" || dc[0].Link != "http://a" {
			t.Fatalf("discord:2 = %+v, want the notice addressed to it", dc)
		}
		nonces := map[string]bool{}
		for _, a := range append(tg, dc...) {
			nonces[a.Nonce] = true
		}
		if len(nonces) != 4 || nonces[""] {
			t.Errorf("nonces %v, want four distinct", nonces)
		}
		// A notice is retried and parked like any alert.
		e.must("Park", e.s.Park(e.ctx, dc[0].ID, "blocked"))
		if n, err := e.s.RetryParked(e.ctx, dc[0].ID); err != nil || n != 1 {
			t.Errorf("RetryParked of a notice = %d, %v", n, err)
		}
		if st := e.stats(); st.Pending != 4 {
			t.Errorf("pending = %d, want 4", st.Pending)
		}
	}},
	{"QueueStats", func(t *testing.T, e *env) {
		if st := e.stats(); st.Pending != 0 || st.Parked != 0 || !st.OldestPending.IsZero() {
			t.Errorf("empty queue stats = %+v", st)
		}
		first := e.now()
		e.ingest("http://a", nil, published("a", first.Add(-time.Hour), "telegram:1"))
		e.advance(time.Hour)
		e.ingest("http://a", nil, published("b", first.Add(-2*time.Hour), "telegram:1"), published("c", first, "discord:2"))
		if st := e.stats(); st.Pending != 3 || st.Parked != 0 || !st.OldestPending.Equal(first) {
			t.Errorf("QueueStats = %+v, want 3 pending, the oldest queued at %v", st, first)
		}
		a := e.list("", "telegram:1")[0]
		e.must("Park", e.s.Park(e.ctx, a.ID, "x"))
		if st := e.stats(); st.Pending != 2 || st.Parked != 1 || !st.OldestPending.Equal(first.Add(time.Hour)) {
			t.Errorf("after parking the oldest, QueueStats = %+v, want 2 pending, 1 parked, oldest at %v", st, first.Add(time.Hour))
		}
	}},
	{"PruneSent", func(t *testing.T, e *env) {
		e.ingest("http://a", nil, published("a", e.now().Add(-3*time.Hour), "telegram:1"),
			published("b", e.now().Add(-2*time.Hour), "telegram:1"), published("c", e.now().Add(-time.Hour), "telegram:1"))
		all := e.next("telegram:1", e.now())
		e.must("MarkSent", e.s.MarkSent(e.ctx, all[0].ID))
		e.advance(90 * time.Minute)
		e.must("MarkSent", e.s.MarkSent(e.ctx, all[1].ID))
		e.advance(60 * time.Minute)
		e.must("PruneSent", e.s.PruneSent(e.ctx, 2*time.Hour))
		if sent := e.list(model.StateSent, ""); rowTitles(sent) != "b" {
			t.Errorf("after PruneSent, sent = %s, want only b (sent within keep)", rowTitles(sent))
		}
		e.advance(30 * day)
		e.must("PruneSent", e.s.PruneSent(e.ctx, 2*time.Hour))
		if got := titles(e.next("telegram:1", e.now())); got != "c" {
			t.Errorf("PruneSent touched a waiting alert: NextAlerts = %s, want c", got)
		}
		if sent := e.list(model.StateSent, ""); len(sent) != 0 {
			t.Errorf("sent after a second prune = %s, want none", rowTitles(sent))
		}
	}},
	{"ListOutboxFilters", func(t *testing.T, e *env) {
		now := e.now()
		e.ingest("http://a", nil, published("a", now.Add(-time.Hour), "telegram:1", "discord:2"), published("b", now.Add(-2*time.Hour), "telegram:1"))
		rows := e.list("", "")
		if len(rows) != 3 {
			t.Fatalf(`ListOutbox("", "") = %d rows, want 3`, len(rows))
		}
		for i := 1; i < len(rows); i++ {
			if rows[i].ID <= rows[i-1].ID {
				t.Errorf("ListOutbox not oldest first: %+v", rows)
			}
		}
		if got := e.list("", "discord:2"); len(got) != 1 || got[0].Destination != "discord:2" {
			t.Errorf("ListOutbox for discord:2 = %+v", got)
		}
		got, err := e.s.ListOutbox(e.ctx, model.StatePending, "", 2)
		if err != nil || len(got) != 2 || got[0].ID != rows[0].ID {
			t.Errorf("ListOutbox limit 2 = %+v, %v; want the two oldest", got, err)
		}
		if got := e.list(model.StateParked, ""); len(got) != 0 {
			t.Errorf("ListOutbox(parked) = %+v, want none", got)
		}
	}},
}

var destinationTests = []test{
	{"DueSkipsDisabledAndMuted", func(t *testing.T, e *env) {
		now := e.now()
		e.ingest("http://a", nil, published("a", now.Add(-time.Hour), "telegram:1", "discord:2", "discord:3", "console"))
		if got := e.due(now); !slices.Equal(got, dests("telegram:1", "discord:2", "discord:3", "console")) {
			t.Fatalf("due = %v, want all four", got)
		}
		if got := e.due(now.Add(-time.Minute)); len(got) != 0 {
			t.Errorf("due before the alerts were queued = %v, want none", got)
		}
		e.must("DisableDestination", e.s.DisableDestination(e.ctx, "discord:3", "forbidden"))
		until := now.Add(time.Hour)
		e.must("SetMute", e.s.SetMute(e.ctx, "discord:2", until))
		if got := e.due(now); !slices.Equal(got, dests("telegram:1", "console")) {
			t.Errorf("due = %v, want the disabled and the muted left out", got)
		}
		if m, err := e.s.MuteUntil(e.ctx, "discord:2"); err != nil || !m.Equal(until) {
			t.Errorf("MuteUntil = %v, %v; want %v", m, err, until)
		}
		if m, err := e.s.MuteUntil(e.ctx, "telegram:1"); err != nil || !m.IsZero() {
			t.Errorf("MuteUntil of an unmuted destination = %v, %v; want zero", m, err)
		}
		if got := e.due(until); !slices.Equal(got, dests("telegram:1", "console", "discord:2")) {
			t.Errorf("due when the mute ends = %v, want discord:2 back", got)
		}
		e.advance(2 * time.Hour)
		if m, err := e.s.MuteUntil(e.ctx, "discord:2"); err != nil || !m.IsZero() {
			t.Errorf("MuteUntil after the mute ended = %v, %v; want zero", m, err)
		}
		e.must("SetMute", e.s.SetMute(e.ctx, "telegram:1", e.now().Add(time.Hour)))
		e.must("SetMute", e.s.SetMute(e.ctx, "telegram:1", time.Time{}))
		if got := e.due(e.now()); !slices.Equal(got, dests("telegram:1", "console", "discord:2")) {
			t.Errorf("due after unmute = %v, want telegram:1 back", got)
		}
		dis, err := e.s.DisabledDestinations(e.ctx)
		if err != nil || len(dis) != 1 || dis["discord:3"] != "forbidden" {
			t.Errorf("DisabledDestinations = %v, %v; want discord:3: forbidden", dis, err)
		}
	}},
	{"MoveDestination", func(t *testing.T, e *env) {
		now := e.now()
		from, to := model.Destination("telegram:-5"), model.Destination("telegram:-1005")
		e.ingest("http://a", nil,
			published("a", now.Add(-3*time.Hour), from),
			published("b", now.Add(-2*time.Hour), from, to), // already queued for the new id too
			published("c", now.Add(-time.Hour), from),
			published("other", now.Add(-time.Hour), "telegram:9"))
		waiting := e.next(from, now)
		e.must("Park", e.s.Park(e.ctx, waiting[2].ID, "group upgraded"))
		e.must("Retry", e.s.Retry(e.ctx, waiting[0].ID, now.Add(time.Hour), "500"))
		until := now.Add(time.Hour)
		e.must("SetMute", e.s.SetMute(e.ctx, from, until))
		e.must("MoveDestination", e.s.MoveDestination(e.ctx, from, to))

		if rows := e.list("", from); len(rows) != 0 {
			t.Errorf("old destination still holds %+v", rows)
		}
		got := e.next(to, now)
		if titles(got) != "a,b,c" {
			t.Fatalf("new destination = %s, want a,b,c (re-queued, due now, no duplicate b)", titles(got))
		}
		for _, a := range got {
			if a.Destination != to {
				t.Errorf("moved alert %s addressed to %s, want %s", a.Title, a.Destination, to)
			}
		}
		if rows := e.list(model.StateParked, ""); len(rows) != 0 {
			t.Errorf("parked after the move = %+v, want the parked alert re-queued", rows)
		}
		if m, err := e.s.MuteUntil(e.ctx, to); err != nil || !m.Equal(until) {
			t.Errorf("mute of the new destination = %v, %v; want %v carried over", m, err, until)
		}
		if got := titles(e.next("telegram:9", now)); got != "other" {
			t.Errorf("unrelated destination = %s", got)
		}
		if st := e.stats(); st.Pending != 4 || st.Parked != 0 {
			t.Errorf("QueueStats = %+v, want 4 pending", st)
		}
	}},
}
