package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
)

// watched is a new item alerting dests, raised by the given watches.
func watched(key string, watches []string, dests ...model.Destination) model.NewItem {
	it := item(key, "https://x.example/"+key, "", dests...)
	for i := range it.Alerts {
		for _, w := range watches {
			it.Alerts[i].Watches = append(it.Alerts[i].Watches, model.WatchMatch{Name: w})
		}
	}
	return it
}

// states maps each alert title at dest to its outbox state.
func (e *env) states(dest model.Destination) map[string]string {
	e.t.Helper()
	out := map[string]string{}
	for _, st := range []string{"", model.StateSent} {
		for _, r := range e.list(st, dest) {
			out[r.Alert.Title] = r.State
		}
	}
	return out
}

// wantStates checks the state of each named alert at dest.
func (e *env) wantStates(what string, dest model.Destination, want map[string]string) {
	e.t.Helper()
	got := e.states(dest)
	for title, st := range want {
		if got[title] != st {
			e.t.Errorf("%s: %s is %q, want %q (all: %v)", what, title, got[title], st, got)
		}
	}
}

// combine runs CombineHeld with a build that makes one digest titled with
// the held titles, and fails the test on error.
func (e *env) combine(dest model.Destination, key string, prev, next model.Delivery) int {
	e.t.Helper()
	n, err := e.s.CombineHeld(e.ctx, dest, key, prev, next, func(held []model.Alert) []model.Alert {
		return []model.Alert{{Title: "digest:" + titles(held), Digest: []model.DigestGroup{{Watch: "w"}}}}
	})
	if err != nil {
		e.t.Fatalf("CombineHeld(%s): %v", key, err)
	}
	return n
}

const chat = model.Destination("telegram:-1007")

var chatTests = []test{
	{"SettingsRoundTripAndOff", func(t *testing.T, e *env) {
		if d, err := e.s.Delivery(e.ctx, chat); err != nil || !d.Off() || d.Destination != chat {
			t.Fatalf("Delivery of a new chat = %+v, %v; want zero settings for it", d, err)
		}
		dg, _ := model.ParseDigest("08:00 Europe/Kyiv")
		q, _ := model.ParseQuiet("22:00-07:00 America/New_York silent")
		want := model.Delivery{Destination: chat, Digest: dg, Quiet: q}.Schedule(e.now())
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, want))
		got, err := e.s.Delivery(e.ctx, chat)
		e.must("Delivery", err)
		if got.Digest != want.Digest || got.Quiet != want.Quiet || !got.DigestNext.Equal(want.DigestNext) ||
			!got.QuietFrom.Equal(want.QuietFrom) || !got.QuietUntil.Equal(want.QuietUntil) {
			t.Errorf("Delivery = %+v, want %+v", got, want)
		}
		if other, _ := e.s.Delivery(e.ctx, "telegram:-1008"); !other.Off() {
			t.Errorf("another chat got settings: %+v", other)
		}
		e.must("SetDelivery off", e.s.SetDelivery(e.ctx, model.Delivery{Destination: chat}))
		if got, _ := e.s.Delivery(e.ctx, chat); !got.Off() {
			t.Errorf("after off: %+v", got)
		}
	}},
	{"HoldsStoryAlertsNotNotices", func(t *testing.T, e *env) {
		dg, _ := model.ParseDigest("08:00")
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, model.Delivery{Destination: chat, Digest: dg}.Schedule(e.now())))
		e.ingest("https://f.example/", nil, watched("a", []string{"w"}, chat, "discord:1"))
		e.must("QueueNotice", e.s.QueueNotice(e.ctx, []model.Destination{chat}, model.Alert{Title: "notice"}))
		e.wantStates("digest on", chat, map[string]string{"a": store.StateHeld, "notice": model.StatePending})
		if got := titles(e.next(chat, e.now())); got != "notice" {
			t.Errorf("NextAlerts = %q, want only the notice", got)
		}
		if got := titles(e.next("discord:1", e.now())); got != "a" {
			t.Errorf("another destination's alert: NextAlerts = %q, want a", got)
		}
		if st := e.stats(); st.Pending != 2 {
			t.Errorf("QueueStats.Pending = %d, want 2 (held alerts are not waiting to be sent)", st.Pending)
		}
	}},
	{"QuietWindowHoldsInsideOnly", func(t *testing.T, e *env) {
		// The window starts an hour from now and lasts two.
		start := e.now().Add(time.Hour).UTC()
		spec := fmt.Sprintf("%s-%s", start.Format("15:04"), start.Add(2*time.Hour).Format("15:04"))
		for _, mode := range []string{"hold", "silent"} {
			dest := model.Destination("telegram:-" + mode)
			q, err := model.ParseQuiet(spec + " " + mode)
			e.must("ParseQuiet", err)
			e.must("SetDelivery", e.s.SetDelivery(e.ctx, model.Delivery{Destination: dest, Quiet: q}.Schedule(e.now())))
			e.ingest("https://f.example/"+mode, nil, watched("before-"+mode, []string{"w"}, dest))
		}
		e.advance(90 * time.Minute)
		for _, mode := range []string{"hold", "silent"} {
			e.ingest("https://f.example/"+mode, nil, watched("inside-"+mode, []string{"w"}, model.Destination("telegram:-"+mode)))
		}
		e.wantStates("hold mode", "telegram:-hold", map[string]string{"before-hold": model.StatePending, "inside-hold": store.StateHeld})
		e.wantStates("silent mode", "telegram:-silent", map[string]string{"before-silent": model.StatePending, "inside-silent": model.StatePending})
	}},
	{"MuteHolds", func(t *testing.T, e *env) {
		e.must("SetMute", e.s.SetMute(e.ctx, chat, e.now().Add(time.Hour)))
		e.ingest("https://f.example/", nil, watched("muted", []string{"w"}, chat))
		e.advance(2 * time.Hour)
		e.ingest("https://f.example/", nil, watched("after", []string{"w"}, chat))
		e.wantStates("mute", chat, map[string]string{"muted": store.StateHeld, "after": model.StatePending})
		c, err := e.s.DigestCandidates(e.ctx, e.now())
		e.must("DigestCandidates", err)
		if len(c) != 1 || c[0].Destination != chat || !c[0].Off() {
			t.Errorf("DigestCandidates = %+v, want %s with zero settings (held alerts, no schedule)", c, chat)
		}
	}},
	{"CombineHeldOnceInOneStep", func(t *testing.T, e *env) {
		dg, _ := model.ParseDigest("08:00")
		prev := model.Delivery{Destination: chat, Digest: dg}.Schedule(e.now())
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, prev))
		e.ingest("https://f.example/", nil, watched("a", []string{"w"}, chat), watched("b", []string{"w"}, chat))
		if c, _ := e.s.DigestCandidates(e.ctx, e.now()); len(c) != 1 {
			t.Errorf("held alerts make a candidate: %+v", c)
		}
		e.clock.advance(prev.DigestNext.Sub(e.now()))
		next := prev.Schedule(e.now())
		if n := e.combine(chat, "k1", prev, next); n != 1 {
			t.Fatalf("CombineHeld queued %d, want 1 digest", n)
		}
		e.wantStates("combined", chat, map[string]string{"a": model.StateSent, "b": model.StateSent, "digest:a,b": model.StatePending})
		if got := titles(e.next(chat, e.now())); got != "digest:a,b" {
			t.Errorf("NextAlerts = %q, want the digest", got)
		}
		got, _ := e.s.Delivery(e.ctx, chat)
		if !got.DigestNext.Equal(next.DigestNext) {
			t.Errorf("schedule = %v, want moved to %v", got.DigestNext, next.DigestNext)
		}
		// A second run from the stale schedule (another daemon, a retry
		// after a crash) does nothing: no second digest, nothing consumed.
		e.ingest("https://f.example/", nil, watched("c", []string{"w"}, chat))
		if n := e.combine(chat, "k1-again", prev, next); n != 0 {
			t.Errorf("stale CombineHeld queued %d, want 0", n)
		}
		e.wantStates("stale", chat, map[string]string{"c": store.StateHeld})
		// The same key twice fails whole: c stays held.
		if _, err := e.s.CombineHeld(e.ctx, chat, "k1", next, next, func(h []model.Alert) []model.Alert { return []model.Alert{{Title: "again"}} }); err == nil {
			t.Error("CombineHeld with a used key succeeded")
		}
		e.wantStates("used key", chat, map[string]string{"c": store.StateHeld})
		if c, _ := e.s.DigestCandidates(e.ctx, e.now()); len(c) != 1 {
			t.Errorf("DigestCandidates = %+v, want the chat (c is held)", c)
		}
		// Turning the settings off through CombineHeld removes them.
		if n := e.combine(chat, "release", next, model.Delivery{Destination: chat}); n != 1 {
			t.Errorf("release queued %d, want 1", n)
		}
		if got, _ := e.s.Delivery(e.ctx, chat); !got.Off() {
			t.Errorf("settings after release: %+v", got)
		}
		if c, _ := e.s.DigestCandidates(e.ctx, e.now()); len(c) != 0 {
			t.Errorf("DigestCandidates after release = %+v, want none", c)
		}
	}},
	{"DigestCandidatesDueOnly", func(t *testing.T, e *env) {
		dg, _ := model.ParseDigest(e.now().Add(time.Hour).UTC().Format("15:04"))
		q, _ := model.ParseQuiet(e.now().Add(-time.Hour).UTC().Format("15:04") + "-" + e.now().Add(30*time.Minute).UTC().Format("15:04"))
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, model.Delivery{Destination: "telegram:-1", Digest: dg}.Schedule(e.now())))
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, model.Delivery{Destination: "telegram:-2", Quiet: q}.Schedule(e.now())))
		for _, tt := range []struct {
			after time.Duration
			want  []model.Destination
		}{{0, nil}, {30 * time.Minute, []model.Destination{"telegram:-2"}}, {time.Hour, []model.Destination{"telegram:-1", "telegram:-2"}}} {
			c, err := e.s.DigestCandidates(e.ctx, e.now().Add(tt.after))
			e.must("DigestCandidates", err)
			var got []model.Destination
			for _, d := range c {
				got = append(got, d.Destination)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("DigestCandidates(now+%v) = %v, want %v", tt.after, got, tt.want)
			}
		}
	}},
	{"WatchMuteSkipsOnlyAllMuted", func(t *testing.T, e *env) {
		e.must("SetWatchMute", e.s.SetWatchMute(e.ctx, chat, "apt29", e.now().Add(24*time.Hour)))
		e.must("SetWatchMute other chat", e.s.SetWatchMute(e.ctx, "telegram:-9", "other", e.now().Add(24*time.Hour)))
		e.ingest("https://f.example/", nil,
			watched("only-muted", []string{"apt29"}, chat),
			watched("also-other", []string{"apt29", "other"}, chat),
			watched("elsewhere", []string{"apt29"}, "telegram:-9"))
		e.wantStates("muted watch", chat, map[string]string{"only-muted": model.StateSent, "also-other": model.StatePending})
		e.wantStates("other chat", "telegram:-9", map[string]string{"elsewhere": model.StatePending})
		for _, r := range e.list(model.StateSent, chat) {
			if !strings.Contains(r.LastError, "watch muted") {
				t.Errorf("skipped alert's reason = %q, want it to say the watch is muted", r.LastError)
			}
		}
		ms, err := e.s.WatchMutes(e.ctx, chat)
		e.must("WatchMutes", err)
		if len(ms) != 1 || ms[0].Watch != "apt29" || !ms[0].Until.Equal(e.now().Add(24*time.Hour)) {
			t.Errorf("WatchMutes = %+v", ms)
		}
		e.advance(25 * time.Hour)
		e.ingest("https://f.example/", nil, watched("later", []string{"apt29"}, chat))
		e.wantStates("mute over", chat, map[string]string{"later": model.StatePending})
		if ms, _ := e.s.WatchMutes(e.ctx, chat); len(ms) != 0 {
			t.Errorf("expired mutes listed: %+v", ms)
		}
		e.must("SetWatchMute", e.s.SetWatchMute(e.ctx, chat, "apt29", e.now().Add(time.Hour)))
		e.must("unmute watch", e.s.SetWatchMute(e.ctx, chat, "apt29", time.Time{}))
		e.ingest("https://f.example/", nil, watched("unmuted", []string{"apt29"}, chat))
		e.wantStates("unmuted", chat, map[string]string{"unmuted": model.StatePending})
	}},
}

// moveTests check that a moved destination takes along what waits for it:
// alerts held for a digest (with the schedule that releases them) and
// alerts waiting for more outlets.
var moveTests = []test{
	{"MoveDestinationKeepsHeldAndWaiting", func(t *testing.T, e *env) {
		from, to := model.Destination("telegram:-6"), model.Destination("telegram:-1006")
		dg, _ := model.ParseDigest("08:00 Europe/Kyiv")
		settings := model.Delivery{Destination: from, Digest: dg}.Schedule(e.now())
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, settings))
		e.must("SetWatchMute", e.s.SetWatchMute(e.ctx, from, "muted", e.now().Add(time.Hour)))
		e.ingest("http://a", nil, watched("h1", []string{"w"}, from), watched("h2", []string{"w"}, from))
		two := model.StoryPolicy{MinOutlets: 2}
		e.ingest("http://w", nil, report("w1", 41, "A", "w", two, from))
		e.wantStates("before the move", from, map[string]string{"h1": store.StateHeld, "h2": store.StateHeld, "w1": model.StateWaiting})

		e.must("MoveDestination", e.s.MoveDestination(e.ctx, from, to))
		if rows := e.list("", from); len(rows) != 0 {
			t.Errorf("old destination still holds %+v", rows)
		}
		if rows := e.list(store.StateHeld, from); len(rows) != 0 {
			t.Errorf("old destination still holds held rows %+v", rows)
		}
		e.wantStates("after the move", to, map[string]string{"h1": store.StateHeld, "h2": store.StateHeld, "w1": model.StateWaiting})
		if got := e.next(to, e.now()); len(got) != 0 {
			t.Errorf("moved held and waiting alerts are due: %+v", got)
		}
		for _, r := range e.list(store.StateHeld, to) {
			if r.Alert.Destination != to {
				t.Errorf("moved alert %s addressed to %s, want %s", r.Alert.Title, r.Alert.Destination, to)
			}
		}
		d, err := e.s.Delivery(e.ctx, to)
		e.must("Delivery", err)
		if d.Digest != dg || !d.DigestNext.Equal(settings.DigestNext) || !d.DigestChosen {
			t.Errorf("settings at the new id = %+v, want the digest %s carried over, as the chat's own", d, dg)
		}
		if old, _ := e.s.Delivery(e.ctx, from); !old.Off() {
			t.Errorf("old id keeps settings %+v", old)
		}
		if m, err := e.s.WatchMutes(e.ctx, to); err != nil || len(m) != 1 || m[0].Watch != "muted" {
			t.Errorf("watch mutes at the new id = %+v, %v; want muted", m, err)
		}
		// The digest at the new id takes the moved alerts, once.
		if n := e.combine(to, "after-move", d, d); n != 1 {
			t.Fatalf("digest at the new id queued %d, want 1", n)
		}
		got := e.next(to, e.now())
		if len(got) != 1 || got[0].Title != "digest:h1,h2" {
			t.Errorf("digest at the new id = %+v, want digest:h1,h2", got)
		}
		// The second outlet's report, routed to the new id, releases the waiting alert there.
		if res := e.ingest("http://b", nil, report("b1", 41, "B", "w", two, to)); res.Queued != 1 {
			t.Errorf("second outlet at the new id: %+v, want the moved waiting alert queued", res)
		}
	}},
}

// choiceTests check that a chat's explicit choice, "off" included, is
// stored (it must beat the config's defaults for the destination).
var choiceTests = []test{
	{"DeliveriesListsEveryRow", func(t *testing.T, e *env) {
		dg, _ := model.ParseDigest("08:00")
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, model.Delivery{Destination: "telegram:2", Digest: dg}.Schedule(e.now())))
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, model.Delivery{Destination: "telegram:1", QuietChosen: true}))
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, model.Delivery{Destination: "telegram:3"}))
		all, err := e.s.Deliveries(e.ctx)
		e.must("Deliveries", err)
		if len(all) != 2 || all[0].Destination != "telegram:1" || !all[0].QuietChosen || all[1].Destination != "telegram:2" || all[1].Digest != dg {
			t.Errorf("Deliveries = %+v, want telegram:1 (quiet off, chosen) then telegram:2 (digest)", all)
		}
	}},
	{"ExplicitOffIsKept", func(t *testing.T, e *env) {
		off := model.Delivery{Destination: chat, DigestChosen: true, QuietChosen: true}
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, off))
		got, err := e.s.Delivery(e.ctx, chat)
		e.must("Delivery", err)
		if !got.Off() || !got.DigestChosen || !got.QuietChosen {
			t.Errorf("Delivery after an explicit off = %+v, want off with both choices kept", got)
		}
		dg, _ := model.ParseDigest("08:00")
		on := model.Delivery{Destination: chat, Digest: dg, QuietChosen: true}.Schedule(e.now())
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, on))
		if got, _ := e.s.Delivery(e.ctx, chat); got.DigestChosen || !got.QuietChosen || !got.Digest.On {
			t.Errorf("Delivery = %+v, want a default digest beside a chosen quiet off", got)
		}
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, model.Delivery{Destination: chat}))
		if got, _ := e.s.Delivery(e.ctx, chat); !got.Blank() {
			t.Errorf("Delivery after blank settings = %+v, want none", got)
		}
		// A digest consumed while the chat's choice is "off" keeps the choice.
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, off))
		if n := e.combine(chat, "keep-choice", off, off); n != 0 {
			t.Errorf("CombineHeld with nothing held queued %d", n)
		}
		if got, _ := e.s.Delivery(e.ctx, chat); !got.DigestChosen {
			t.Errorf("CombineHeld dropped the chat's explicit off: %+v", got)
		}
	}},
}
