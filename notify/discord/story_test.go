package discord

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
)

// storyEnv is an outbox in SQLite drained by a dispatcher into the fake
// Discord, with the text channels in threads opening a thread per story.
type storyEnv struct {
	t    *testing.T
	ctx  context.Context
	db   *sqlite.DB
	disp *notify.Dispatcher
	now  time.Time
}

func newStoryEnv(t *testing.T, threads ...string) *storyEnv {
	return newStoryEnvOpts(t, notify.DispatcherOptions{}, threads...)
}

// newStoryEnvOpts is newStoryEnv with the dispatcher's options (its
// Senders are set here).
func newStoryEnvOpts(t *testing.T, o notify.DispatcherOptions, threads ...string) *storyEnv {
	t.Helper()
	ctx := context.Background()
	d, _ := newTest(t, Options{Token: testToken})
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "nh.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q := notify.StoryThreads(db, func(dest model.Destination) bool {
		for _, ch := range threads {
			if dest == model.Destination("discord:"+ch) {
				return true
			}
		}
		return false
	})
	o.Senders = map[string]notify.Sender{"discord": d}
	disp := notify.NewDispatcher(q, o)
	return &storyEnv{t: t, ctx: ctx, db: db, disp: disp, now: time.Now()}
}

// report is an item of feed outlet reporting story, published ago, with
// an alert for each channel under policy.
func (e *storyEnv) report(key string, story int64, outlet string, ago time.Duration, policy string, channels ...string) model.NewItem {
	link := "https://" + strings.ToLower(strings.ReplaceAll(outlet, " ", "")) + ".example/" + key
	it := model.NewItem{Key: key, LinkKey: link, Published: e.now.Add(-ago),
		Report: &model.StoryReport{ID: story, Outlet: outlet, Title: "Story " + key, Link: link, Policy: map[model.Destination]model.StoryPolicy{}}}
	for _, ch := range channels {
		dest := model.Destination("discord:" + ch)
		it.Alerts = append(it.Alerts, model.Alert{Destination: dest, Title: "Headline " + key, Link: link, Feed: outlet,
			Published: it.Published, Watches: []model.WatchMatch{{Name: "apt29", Terms: []string{"APT29"}}}})
		it.Report.Policy[dest] = model.StoryPolicy{AlsoReported: policy}
	}
	return it
}

// ingest records items as one poll of one feed: they are queued together,
// before any was sent.
func (e *storyEnv) ingest(items ...model.NewItem) {
	e.t.Helper()
	var keys []string
	for _, it := range items {
		keys = append(keys, it.Key)
	}
	if _, err := e.db.Ingest(e.ctx, model.FeedState{URL: "https://wire.example/rss"}, keys, items); err != nil {
		e.t.Fatal(err)
	}
}

func (e *storyEnv) drain() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	if err := e.disp.Drain(ctx); err != nil {
		e.t.Fatalf("Drain: %v", err)
	}
}

// channelPosts counts the messages posted to channel itself (not to its
// messages' threads).
func channelPosts(channel string) []recorded {
	var out []recorded
	for _, r := range fake.requests("POST", "/api/v10/channels/"+channel+"/messages") {
		if r.Path == "/api/v10/channels/"+channel+"/messages" {
			out = append(out, r)
		}
	}
	return out
}

// TestLaterReportJoinsStoryThread: with also_reported: alert, a story's
// later report queued in the same poll as its first alert, and published
// before it, is delivered after the first and into the first's thread (a
// text channel with threads: story) or forum post, not as a thread or
// post of its own; another story's alert keeps its place and its own
// thread. Without the wait for the first's ref both reports opened one.
func TestLaterReportJoinsStoryThread(t *testing.T) {
	const (
		text  = "630000000000000001"
		forum = "630000000000000002"
	)
	e := newStoryEnv(t, text)
	fake.setChannel(forum, fakeChannel{Type: 15, Tags: []fakeTag{{ID: "1", Name: "APT29"}}})
	e.ingest(
		e.report("a1", 1, "Wire A", 2*time.Minute, model.AlsoReportedAlert, text, forum),
		e.report("b1", 1, "Wire B", 3*time.Minute, model.AlsoReportedAlert, text, forum),
		e.report("c1", 2, "Wire C", time.Minute, model.AlsoReportedAlert, text, forum),
	)
	e.drain()

	ths := fake.channelThreads(text)
	if len(ths) != 2 || ths[0].Name != "Headline a1" || ths[1].Name != "Headline c1" {
		t.Fatalf("threads in the text channel %+v, want one for a1's story and one for c1's", ths)
	}
	if n := len(channelPosts(text)); n != 2 {
		t.Errorf("%d messages to the text channel, want 2 (a1, c1)", n)
	}
	in := fake.requests("POST", "/api/v10/channels/"+ths[0].ID+"/messages")
	if len(in) != 1 || !strings.Contains(string(in[0].Body), "Headline b1") {
		t.Errorf("messages in a1's thread: %d, want b1's", len(in))
	}

	posts := fake.forumPosts(forum)
	if len(posts) != 2 || posts[0].Name != "Headline a1" || posts[1].Name != "Headline c1" {
		t.Fatalf("forum posts %v, want a1's and c1's", postNames(posts))
	}
	in = fake.requests("POST", "/api/v10/channels/"+posts[0].Thread+"/messages")
	if len(in) != 1 || !strings.Contains(string(in[0].Body), "Headline b1") {
		t.Errorf("messages in a1's post: %d, want b1's", len(in))
	}
	if n := len(fake.requests("POST", "/api/v10/channels/"+posts[1].Thread+"/messages")); n != 0 {
		t.Errorf("%d messages in c1's post, want none", n)
	}
	for _, st := range []string{model.StatePending, model.StateParked} {
		if rows, err := e.db.ListOutbox(e.ctx, st, "", 0); err != nil || len(rows) != 0 {
			t.Errorf("%s rows %+v (%v), want none", st, rows, err)
		}
	}

	// A report that comes once the first was sent goes in as well, and a
	// later report whose post was deleted gets a post of its own (the
	// alert was never shown; a new post is not a repeat).
	e.ingest(e.report("d1", 1, "Wire D", 0, model.AlsoReportedAlert, text, forum))
	fake.setChannel(posts[0].Thread, fakeChannel{Gone: true})
	e.drain()
	if in := fake.requests("POST", "/api/v10/channels/"+ths[0].ID+"/messages"); len(in) != 2 || !strings.Contains(string(in[1].Body), "Headline d1") {
		t.Errorf("messages in a1's thread: %d, want b1's and d1's", len(in))
	}
	if posts := fake.forumPosts(forum); len(posts) != 3 || posts[2].Name != "Headline d1" {
		t.Errorf("forum posts %v, want d1's own after a1's was deleted", postNames(posts))
	}
}

// TestLaterReportWhileFirstInFlight: a story's later report (published
// before the first, also_reported: alert) recorded while the first alert's
// request is in flight, which then fails and is retried, still goes after
// the first and into its thread or post: a retried first keeps its place
// ahead of its later reports.
func TestLaterReportWhileFirstInFlight(t *testing.T) {
	const (
		text  = "630000000000000021"
		forum = "630000000000000022"
	)
	e := newStoryEnvOpts(t, notify.DispatcherOptions{Backoff: func(int) time.Duration { return 0 }}, text)
	fake.setChannel(forum, fakeChannel{Type: 15})
	hold := make(chan struct{})
	failed := reply{Status: 500, Body: `{"message":"500: Internal Server Error","code":0}`, Hold: hold}
	fake.script("POST", "/api/v10/channels/"+text+"/messages", failed)
	fake.script("POST", "/api/v10/channels/"+forum+"/threads", failed)
	e.ingest(e.report("a1", 1, "Wire A", time.Minute, model.AlsoReportedAlert, text, forum))
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
		defer cancel()
		done <- e.disp.Drain(ctx)
	}()
	fake.waitFor(t, "POST", "/api/v10/channels/"+text+"/messages", 1)
	fake.waitFor(t, "POST", "/api/v10/channels/"+forum+"/threads", 1)
	e.ingest(e.report("b1", 1, "Wire B", 5*time.Minute, model.AlsoReportedAlert, text, forum))
	close(hold)
	if err := <-done; err != nil {
		t.Fatalf("Drain: %v", err)
	}

	ths := fake.channelThreads(text)
	if len(ths) != 1 || ths[0].Name != "Headline a1" {
		t.Fatalf("threads %+v, want a1's alone", ths)
	}
	if in := fake.requests("POST", "/api/v10/channels/"+ths[0].ID+"/messages"); len(in) != 1 || !strings.Contains(string(in[0].Body), "Headline b1") {
		t.Errorf("messages in a1's thread: %d, want b1's", len(in))
	}
	posts := fake.forumPosts(forum)
	if len(posts) != 1 || posts[0].Name != "Headline a1" {
		t.Fatalf("forum posts %v, want a1's alone", postNames(posts))
	}
	if in := fake.requests("POST", "/api/v10/channels/"+posts[0].Thread+"/messages"); len(in) != 1 || !strings.Contains(string(in[0].Body), "Headline b1") {
		t.Errorf("messages in a1's post: %d, want b1's", len(in))
	}
}

// TestLaterReportBeforeFirstSentNeedsNoEdit: with also_reported: edit
// (the default), a story's second report committed before its first
// alert was sent makes the first alert name the other outlet, and no
// edit request follows, in a text channel with threads and in a forum,
// even when the first alert's first attempt failed and was retried.
func TestLaterReportBeforeFirstSentNeedsNoEdit(t *testing.T) {
	const (
		text  = "630000000000000011"
		forum = "630000000000000012"
	)
	e := newStoryEnvOpts(t, notify.DispatcherOptions{Backoff: func(int) time.Duration { return 0 }}, text)
	fake.setChannel(forum, fakeChannel{Type: 15})
	fake.script("POST", "/api/v10/channels/"+text+"/messages", reply{Status: 500, Body: `{"message":"500: Internal Server Error","code":0}`})
	before := fake.messageCount()
	e.ingest(
		e.report("a1", 1, "Wire A", 2*time.Minute, model.AlsoReportedEdit, text, forum),
		e.report("b1", 1, "Wire B", 3*time.Minute, model.AlsoReportedEdit, text, forum),
	)
	e.drain()
	sent := channelPosts(text)
	if len(sent) != 2 || !strings.Contains(string(sent[1].Body), "Also reported by: Wire B") {
		t.Fatalf("text channel messages %d, want a failed one and its retry naming Wire B: %s", len(sent), bodies(sent))
	}
	if th := fake.channelThreads(text); len(th) != 1 {
		t.Errorf("threads %+v, want one", th)
	}
	posts := fake.forumPosts(forum)
	if len(posts) != 1 || !strings.Contains(string(posts[0].Message), "Also reported by: Wire B") {
		t.Fatalf("forum posts %v, want one naming Wire B", postNames(posts))
	}
	if p := fake.requests("PATCH", "/api/v10/channels/"); len(p) != 0 {
		t.Errorf("%d edits, want none: the alerts already said it", len(p))
	}
	if n := fake.messageCount() - before; n != 2 {
		t.Errorf("%d messages created, want 2", n)
	}
}

func bodies(rs []recorded) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s\n", r.Body)
	}
	return b.String()
}

func postNames(ps []fakePost) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}
