package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
)

// report is a new item reporting story from outlet, alerting dests for watch.
func report(key string, story int64, outlet, watch string, pol model.StoryPolicy, dests ...model.Destination) model.NewItem {
	it := item(key, "https://"+outlet+"/"+key, "", dests...)
	it.Report = &model.StoryReport{ID: story, Outlet: outlet, Title: key, Link: it.LinkKey, Policy: map[model.Destination]model.StoryPolicy{}}
	for i := range it.Alerts {
		it.Alerts[i].Feed = outlet
		it.Alerts[i].Watches = []model.WatchMatch{{Name: watch, Terms: []string{watch}}}
		it.Report.Policy[it.Alerts[i].Destination] = pol
	}
	return it
}

// deliver marks every alert due at dest delivered with refs "ref-ID" and returns them.
func (e *env) deliver(dest model.Destination) []model.Alert {
	e.t.Helper()
	as := e.next(dest, e.now())
	for _, a := range as {
		e.must("MarkDelivered", e.s.MarkDelivered(e.ctx, a, model.MessageRef(fmt.Sprintf("ref-%d", a.ID))))
	}
	return as
}

func firstRef(as []model.Alert) model.MessageRef {
	if len(as) == 0 {
		return ""
	}
	return as[0].FirstRef
}

func watchNames(a model.Alert) []string {
	var out []string
	for _, w := range a.Watches {
		out = append(out, w.Name)
	}
	return out
}

var storyTests = []test{
	{"LaterReportEditsFirstAlert", func(t *testing.T, e *env) {
		const tg = "telegram:1"
		var edit model.StoryPolicy
		res := e.ingest("http://a", nil, report("a1", 7, "A", "w", edit, tg))
		if res.Queued != 1 || res.Edits != 0 {
			t.Fatalf("first report: %+v, want one alert queued", res)
		}
		first := e.deliver(tg)
		if len(first) != 1 || first[0].Story != 7 || first[0].Edit || len(first[0].AlsoReported) != 0 {
			t.Fatalf("first alert = %+v, want story 7, no edit, no other outlets", first)
		}
		res = e.ingest("http://b", nil, report("b1", 7, "B", "w", edit, tg))
		if res.Queued != 0 || res.Edits != 1 || res.Reports != 1 {
			t.Fatalf("second outlet: %+v, want no alert, one edit, one later report", res)
		}
		got := e.next(tg, e.now())
		if len(got) != 1 || !got[0].Edit || got[0].Ref != model.MessageRef(fmt.Sprintf("ref-%d", first[0].ID)) ||
			!slices.Equal(got[0].AlsoReported, []string{"B"}) || got[0].Title != "a1" || got[0].Feed != "A" {
			t.Fatalf("edit = %+v, want an edit of the first alert's message naming B", got)
		}
		e.deliver(tg)
		// The same outlet again says nothing new.
		if res := e.ingest("http://b", nil, report("b2", 7, "B", "w", edit, tg)); res.Edits != 0 || res.Queued != 0 {
			t.Errorf("same outlet again: %+v, want nothing queued", res)
		}
		// A third outlet within EditGap of the last edit waits for it.
		e.advance(10 * time.Second)
		e.ingest("http://c", nil, report("c1", 7, "C", "w", edit, tg))
		if got := e.next(tg, e.now()); len(got) != 0 {
			t.Errorf("edit within %s of the last: %+v, want it to wait", store.EditGap, got)
		}
		e.advance(store.EditGap)
		got = e.next(tg, e.now())
		if len(got) != 1 || !got[0].Edit || !slices.Equal(got[0].AlsoReported, []string{"B", "C"}) {
			t.Errorf("after %s: %+v, want one edit naming B and C", store.EditGap, got)
		}
	}},
	{"CoalescedEditIsSentAgain", func(t *testing.T, e *env) {
		const tg = "telegram:1"
		var pol model.StoryPolicy
		e.ingest("http://a", nil, report("a1", 3, "A", "w", pol, tg))
		e.deliver(tg)
		e.ingest("http://b", nil, report("b1", 3, "B", "w", pol, tg))
		read := e.next(tg, e.now())
		if len(read) != 1 || !read[0].Edit {
			t.Fatalf("got %+v, want one edit", read)
		}
		// A report lands while the edit is on its way: it is coalesced into
		// the same row, and the edit sent without it is not the last.
		e.ingest("http://d", nil, report("d1", 3, "D", "w", pol, tg))
		e.must("MarkDelivered", e.s.MarkDelivered(e.ctx, read[0], read[0].Ref))
		if got := e.next(tg, e.now()); len(got) != 0 {
			t.Errorf("right after: %+v, want the revision to wait %s", got, store.EditGap)
		}
		e.advance(store.EditGap)
		got := e.deliver(tg)
		if len(got) != 1 || !slices.Equal(got[0].AlsoReported, []string{"B", "D"}) {
			t.Errorf("revision = %+v, want one edit naming B and D", got)
		}
		e.advance(time.Hour)
		if got := e.next(tg, e.now()); len(got) != 0 {
			t.Errorf("after the final edit: %+v, want nothing", got)
		}
	}},
	{"PendingAlertShowsLaterOutlets", func(t *testing.T, e *env) {
		const tg = "telegram:1"
		var pol model.StoryPolicy
		e.ingest("http://a", nil, report("a1", 4, "A", "w", pol, tg))
		e.ingest("http://b", nil, report("b1", 4, "B", "w", pol, tg))
		got := e.next(tg, e.now())
		if len(got) != 2 || got[0].Edit || !slices.Equal(got[0].AlsoReported, []string{"B"}) || !got[1].Edit || got[1].Ref != "" {
			t.Fatalf("got %+v, want the alert naming B, then an edit with nothing to edit yet", got)
		}
	}},
	{"Policies", func(t *testing.T, e *env) {
		quiet := model.StoryPolicy{AlsoReported: model.AlsoReportedQuiet}
		loud := model.StoryPolicy{AlsoReported: model.AlsoReportedAlert}
		e.ingest("http://a", nil, report("a1", 5, "A", "w", quiet, "telegram:1"), report("a2", 6, "A", "w", loud, "telegram:1"))
		e.deliver("telegram:1")
		res := e.ingest("http://b", nil, report("b1", 5, "B", "w", quiet, "telegram:1"), report("b2", 6, "B", "w", loud, "telegram:1"))
		if res.Queued != 1 || res.Edits != 0 {
			t.Errorf("quiet and alert: %+v, want one new alert (alert) and nothing for quiet", res)
		}
		got := e.next("telegram:1", e.now())
		if len(got) != 1 || got[0].Title != "b2" || got[0].Edit || got[0].Story != 6 {
			t.Errorf("got %+v, want b2's own alert", got)
		}
	}},
	{"LaterAlertNamesTheFirstMessage", func(t *testing.T, e *env) {
		loud := model.StoryPolicy{AlsoReported: model.AlsoReportedAlert}
		e.ingest("http://a", nil, report("a1", 7, "A", "w", loud, "telegram:1"))
		if first := e.next("telegram:1", e.now()); len(first) != 1 || first[0].FirstRef != "" {
			t.Fatalf("first alert = %+v, want no FirstRef", first)
		}
		e.ingest("http://b", nil, report("b1", 7, "B", "w", loud, "telegram:1"))
		for _, a := range e.next("telegram:1", e.now()) {
			if a.FirstRef != "" {
				t.Errorf("%s has FirstRef %q before the first alert was sent", a.Title, a.FirstRef)
			}
		}
		sent := e.deliver("telegram:1")
		if len(sent) != 1 || sent[0].Title != "a1" {
			t.Fatalf("delivered %+v, want a1 alone (b1 waits for it)", sent)
		}
		if b := e.deliver("telegram:1"); len(b) != 1 || b[0].Title != "b1" || b[0].FirstRef != model.MessageRef(fmt.Sprintf("ref-%d", sent[0].ID)) {
			t.Fatalf("then %+v, want b1 with FirstRef ref-%d", b, sent[0].ID)
		}
		e.ingest("http://c", nil, report("c1", 7, "C", "w", loud, "telegram:1"))
		got := e.next("telegram:1", e.now())
		if len(got) != 1 || got[0].Title != "c1" || got[0].FirstRef != model.MessageRef(fmt.Sprintf("ref-%d", sent[0].ID)) {
			t.Errorf("third report = %+v, want FirstRef ref-%d (a1's message)", got, sent[0].ID)
		}
	}},
	{"LaterAlertWaitsForItsFirst", func(t *testing.T, e *env) {
		// A story's later report read before its first alert was sent (one
		// poll brought both, the later one published earlier) goes after
		// the first, in a batch of its own, and learns the first's ref;
		// the other stories' alerts keep their order around them.
		const tg = "telegram:1"
		loud := model.StoryPolicy{AlsoReported: model.AlsoReportedAlert}
		at := func(it model.NewItem, ago time.Duration) model.NewItem {
			it.Published = e.now().Add(-ago)
			return it
		}
		e.ingest("http://a", nil, at(report("a1", 9, "A", "w", loud, tg), time.Minute))
		e.ingest("http://x", nil, at(report("x1", 90, "X", "w", loud, tg), 3*time.Minute))
		e.ingest("http://b", nil, at(report("b1", 9, "B", "w", loud, tg), 2*time.Minute))
		e.ingest("http://y", nil, at(report("y1", 91, "Y", "w", loud, tg), 30*time.Second))
		first := e.next(tg, e.now())
		if titles(first) != "x1,a1" {
			t.Fatalf("first batch %v, want x1, a1 (b1 waits for a1)", titles(first))
		}
		e.must("MarkDelivered", e.s.MarkDelivered(e.ctx, first[0], "ref-x"))
		e.must("MarkDelivered", e.s.MarkDelivered(e.ctx, first[1], "ref-a"))
		rest := e.next(tg, e.now())
		if titles(rest) != "b1,y1" || rest[0].FirstRef != "ref-a" {
			t.Fatalf("then %v (FirstRef %q), want b1 with ref-a, then y1", titles(rest), firstRef(rest))
		}

		// A first alert that can no longer be sent (parked) holds nothing.
		e.ingest("http://c", nil, report("c1", 92, "C", "w", loud, tg))
		e.ingest("http://d", nil, report("d1", 92, "D", "w", loud, tg))
		got := e.next(tg, e.now())
		if titles(got) != "b1,y1,c1" {
			t.Fatalf("got %v, want b1, y1, c1", titles(got))
		}
		e.must("Park", e.s.Park(e.ctx, got[2].ID, "gone"))
		if got := e.next(tg, e.now()); titles(got) != "b1,y1,d1" || got[2].FirstRef != "" {
			t.Fatalf("after c1 was parked: %v, want d1 without FirstRef", titles(got))
		}
	}},
	{"NewWatchEditsOrAlerts", func(t *testing.T, e *env) {
		var pol model.StoryPolicy
		e.ingest("http://a", nil, report("a1", 8, "A", "w1", pol, "telegram:1"))
		e.deliver("telegram:1")
		// The same outlet's follow-up fires w2 too, which also routes to discord:2.
		it := report("a2", 8, "A", "w2", pol, "telegram:1", "discord:2")
		res := e.ingest("http://a", nil, it)
		if res.Queued != 1 || res.Edits != 1 {
			t.Fatalf("new watch: %+v, want one first alert (discord) and one edit (telegram)", res)
		}
		tg := e.next("telegram:1", e.now())
		if len(tg) != 1 || !tg[0].Edit || !slices.Equal(watchNames(tg[0]), []string{"w1", "w2"}) {
			t.Errorf("telegram = %+v, want an edit naming w1 and w2", tg)
		}
		dc := e.next("discord:2", e.now())
		if len(dc) != 1 || dc[0].Edit || dc[0].Title != "a2" || !slices.Equal(watchNames(dc[0]), []string{"w2"}) {
			t.Errorf("discord = %+v, want its first alert, for w2", dc)
		}
	}},
	{"MinOutletsHoldsUntilEnough", func(t *testing.T, e *env) {
		const tg = "telegram:1"
		two := model.StoryPolicy{MinOutlets: 2}
		res := e.ingest("http://a", nil, report("a1", 9, "A", "w", two, tg))
		if res.Queued != 0 || res.Held != 1 {
			t.Fatalf("one outlet: %+v, want the alert held", res)
		}
		if got := e.next(tg, e.now()); len(got) != 0 || e.stats().Pending != 0 {
			t.Fatalf("held alert is due: %+v", got)
		}
		e.ingest("http://a", nil, report("a2", 9, "A", "w", two, tg)) // the same outlet does not count twice
		if got := e.next(tg, e.now()); len(got) != 0 {
			t.Fatalf("same outlet twice released it: %+v", got)
		}
		res = e.ingest("http://b", nil, report("b1", 9, "B", "w", two, tg))
		if res.Queued != 1 || res.Edits != 0 {
			t.Fatalf("second outlet: %+v, want the held alert queued", res)
		}
		got := e.next(tg, e.now())
		if len(got) != 1 || got[0].Feed != "A" || !slices.Equal(got[0].AlsoReported, []string{"B"}) || got[0].Edit {
			t.Errorf("released = %+v, want one alert from A naming B", got)
		}
	}},
	{"RecordsAndPrune", func(t *testing.T, e *env) {
		start := e.now()
		var pol model.StoryPolicy
		for i, s := range []int64{11, 12, 11} {
			it := report(fmt.Sprintf("k%d", i), s, fmt.Sprintf("O%d", i), "w", pol)
			it.Report.Record = &model.StoryRecord{Story: s, Seen: e.now(), Features: []byte{byte(i), 0xff}}
			e.ingest("http://a", nil, it)
			e.advance(time.Hour)
		}
		held := report("h", 13, "O", "w", model.StoryPolicy{MinOutlets: 3}, "telegram:1")
		e.ingest("http://h", nil, held)
		recs, err := e.s.StoryRecords(e.ctx, start.Add(time.Minute))
		e.must("StoryRecords", err)
		if len(recs) != 2 || recs[0].Story != 12 || recs[1].Story != 11 || recs[1].Features[0] != 2 || !recs[0].Seen.Equal(start.Add(time.Hour)) {
			t.Errorf("StoryRecords = %+v, want stories 12 then 11 in order", recs)
		}
		n, err := e.s.PruneStories(e.ctx, e.now().Add(time.Minute))
		e.must("PruneStories", err)
		if n != 3 {
			t.Errorf("PruneStories = %d, want 3 (11 reported last at +2h, 12, 13)", n)
		}
		recs, err = e.s.StoryRecords(e.ctx, time.Time{})
		e.must("StoryRecords", err)
		if len(recs) != 0 {
			t.Errorf("after pruning: %d records, want none", len(recs))
		}
		// A report of a pruned story starts it afresh.
		if res := e.ingest("http://z", nil, report("z", 13, "P", "w", pol, "telegram:1")); res.Queued != 1 {
			t.Errorf("report of a pruned story: %+v, want a first alert", res)
		}
	}},
	{"StoryRecordsAfterCatchesUp", func(t *testing.T, e *env) {
		var pol model.StoryPolicy
		add := func(key string, story int64, origin string) {
			it := report(key, story, "O"+key, "w", pol)
			it.Report.Record = &model.StoryRecord{Story: story, Seen: e.now(), Features: []byte(key), Origin: origin}
			e.ingest("http://"+key, nil, it)
		}
		add("a", 31, "r1")
		add("b", 32, "r2")
		all, err := e.s.StoryRecords(e.ctx, time.Time{})
		e.must("StoryRecords", err)
		if len(all) != 2 || all[0].Origin != "r1" || all[1].Origin != "r2" || all[0].Seq <= 0 || all[1].Seq <= all[0].Seq {
			t.Fatalf("StoryRecords = %+v, want a (r1) then b (r2) with growing seqs", all)
		}
		last := all[1].Seq
		got, err := e.s.StoryRecordsAfter(e.ctx, last, nil, "")
		e.must("StoryRecordsAfter", err)
		if len(got) != 0 {
			t.Errorf("StoryRecordsAfter(last) = %+v, want nothing new", got)
		}
		add("c", 33, "r1")
		add("d", 31, "r2") // a later report of an older story
		got, err = e.s.StoryRecordsAfter(e.ctx, last, nil, "")
		e.must("StoryRecordsAfter", err)
		if len(got) != 2 || string(got[0].Features) != "c" || string(got[1].Features) != "d" || got[1].Story != 31 ||
			got[1].Origin != "r2" || got[0].Seq <= last || got[1].Seq <= got[0].Seq || !got[0].Seen.Equal(e.now()) {
			t.Fatalf("StoryRecordsAfter(%d) = %+v, want c then d, in seq order, with their origins", last, got)
		}
		// The seqs a caller found missing are read again, once each, beside
		// the new ones; one that never committed gives nothing.
		missing := []int64{all[0].Seq, got[0].Seq, got[1].Seq + 1000}
		again, err := e.s.StoryRecordsAfter(e.ctx, got[0].Seq, missing, "")
		e.must("StoryRecordsAfter", err)
		if len(again) != 3 || string(again[0].Features) != "a" || string(again[1].Features) != "c" || string(again[2].Features) != "d" {
			t.Errorf("StoryRecordsAfter(%d, %v) = %+v, want a, c (asked for) and d (new), each once", got[0].Seq, missing, again)
		}
		// The caller's own records come back without their features, the
		// others' with.
		mine, err := e.s.StoryRecordsAfter(e.ctx, 0, nil, "r1")
		e.must("StoryRecordsAfter", err)
		if len(mine) != 4 || mine[0].Features != nil || mine[2].Features != nil || mine[0].Origin != "r1" ||
			string(mine[1].Features) != "b" || string(mine[3].Features) != "d" || mine[2].Seq != got[0].Seq {
			t.Errorf("StoryRecordsAfter(0, mine r1) = %+v, want a and c (r1's) without features, b and d with", mine)
		}
	}},
	{"ReserveStoryIDsNeverOverlap", func(t *testing.T, e *env) {
		a, err := e.s.ReserveStoryIDs(e.ctx, 256)
		e.must("ReserveStoryIDs", err)
		b, err := e.s.ReserveStoryIDs(e.ctx, 10)
		e.must("ReserveStoryIDs", err)
		c, err := e.s.ReserveStoryIDs(e.ctx, 0)
		e.must("ReserveStoryIDs", err)
		if a < 1 || b != a+256 || c != b+10 {
			t.Errorf("ReserveStoryIDs = %d, %d, %d; want consecutive blocks from 1 up", a, b, c)
		}
	}},
	{"WaitingIsNotADigestHold", func(t *testing.T, e *env) {
		dg, _ := model.ParseDigest("08:00")
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, model.Delivery{Destination: chat, Digest: dg}.Schedule(e.now())))
		two := model.StoryPolicy{MinOutlets: 2}
		if res := e.ingest("http://a", nil, report("a1", 21, "A", "w", two, chat)); res.Held != 1 || res.Queued != 0 || len(res.QueuedByWatch) != 0 {
			t.Fatalf("one outlet: %+v, want the alert waiting, nothing queued or counted", res)
		}
		e.wantStates("one outlet", chat, map[string]string{"a1": model.StateWaiting})
		if n := e.combine(chat, "digest-1", model.Delivery{}, model.Delivery{}); n != 0 {
			t.Errorf("CombineHeld took %d waiting alerts into a digest, want 0", n)
		}
		res := e.ingest("http://b", nil, report("b1", 21, "B", "w", two, chat))
		if res.Queued != 1 || res.QueuedByWatch["w"] != 1 {
			t.Fatalf("second outlet: %+v, want the waiting alert queued and counted", res)
		}
		// Queued again as new: the digest holds it now, as any alert.
		e.wantStates("released", chat, map[string]string{"a1": store.StateHeld})
	}},
	{"EditsAreNeverHeldForADigest", func(t *testing.T, e *env) {
		var edit model.StoryPolicy
		e.ingest("http://a", nil, report("a1", 31, "A", "w", edit, chat))
		if first := e.deliver(chat); len(first) != 1 {
			t.Fatalf("first alert: %+v", first)
		}
		dg, _ := model.ParseDigest("08:00")
		e.must("SetDelivery", e.s.SetDelivery(e.ctx, model.Delivery{Destination: chat, Digest: dg}.Schedule(e.now())))
		if res := e.ingest("http://b", nil, report("b1", 31, "B", "w", edit, chat)); res.Edits != 1 {
			t.Fatalf("second outlet: %+v, want one edit", res)
		}
		got := e.next(chat, e.now())
		if len(got) != 1 || !got[0].Edit {
			t.Errorf("digest chat: NextAlerts = %+v, want the edit of the message it has", got)
		}
	}},
	{"LockStoriesExcludes", func(t *testing.T, e *env) {
		// Short waits bound the checks that a lock is not granted: one
		// granted while another holds fails at once, however slow the
		// machine; and the waits that must succeed are bounded generously.
		refused := func(what string) {
			t.Helper()
			ctx, cancel := context.WithTimeout(e.ctx, 50*time.Millisecond)
			defer cancel()
			if unlock, err := e.s.LockStories(ctx); err == nil {
				unlock()
				t.Fatalf("%s: LockStories granted while another holds it", what)
			}
		}
		unlock1, err := e.s.LockStories(e.ctx)
		e.must("first LockStories", err)
		refused("a second, waiting until its context ends")
		gone, cancel := context.WithCancel(e.ctx)
		cancel()
		refused("a second, its context cancelled already")
		if unlock, err := e.s.LockStories(gone); err == nil {
			unlock()
			t.Fatal("LockStories with a cancelled context granted")
		}
		got := make(chan func(), 1)
		go func() {
			unlock, err := e.s.LockStories(e.ctx)
			if err != nil {
				t.Errorf("waiting LockStories: %v", err)
				unlock = func() {}
			}
			got <- unlock
		}()
		select {
		case unlock := <-got:
			unlock()
			t.Fatal("a waiting LockStories returned while the first holds the lock")
		case <-time.After(20 * time.Millisecond):
		}
		unlock1()
		unlock1() // a second call releases nothing more: the waiter's hold stays
		var unlock2 func()
		select {
		case unlock2 = <-got:
		case <-time.After(30 * time.Second):
			t.Fatal("the waiting LockStories was not granted after the first unlocked (did a cancelled wait keep the lock?)")
		}
		refused("a third, while the waiter holds it")
		unlock2()
		ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
		defer cancel()
		unlock3, err := e.s.LockStories(ctx)
		e.must("LockStories after every holder unlocked", err)
		unlock3()
	}},
}
