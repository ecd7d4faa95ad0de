package telegram

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/telegram/telegramtest"
	"github.com/newshound/newshound/store/sqlite"
)

// callWatch is an http.RoundTripper that reports the Bot API method of
// every answered request, so a test waits for "the reply was sent" on a
// channel instead of polling.
type callWatch struct {
	base  http.RoundTripper
	calls chan string
}

func (c callWatch) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err == nil {
		c.calls <- path.Base(r.URL.Path)
	}
	return resp, err
}

// await reads methods from calls until method has been answered n times.
func await(t *testing.T, calls <-chan string, method string, n int) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for n > 0 {
		select {
		case m := <-calls:
			if m == method {
				n--
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", method)
		}
	}
}

// storyFeed serves an RSS feed the test adds items to.
type storyFeed struct {
	mu     sync.Mutex
	titles []string
}

func (f *storyFeed) add(titles ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.titles = append(f.titles, titles...)
}

func (f *storyFeed) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>`)
	for i, title := range f.titles {
		pub := time.Date(2026, 11, 1, 12, i, 0, 0, time.UTC).Format(time.RFC1123Z)
		fmt.Fprintf(&b, `<item><guid>g%d</guid><title>%s</title><link>https://wire.example/%d</link><pubDate>%s</pubDate></item>`, i, title, i, pub)
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprint(w, b.String())
}

// topicRig is the whole daemon on the fake Bot API: the real command core,
// store, engine and dispatcher, with this package's Bot as both the
// command transport and the alert sender.
type topicRig struct {
	api   *telegramtest.Server
	calls chan string
	feed  *storyFeed
	db    *sqlite.DB
	eng   *engine.Engine
}

const (
	forum      = int64(-1001234567890)
	forumAdmin = int64(7)
	forumUser  = int64(8)
)

func newTopicRig(t *testing.T) *topicRig {
	t.Helper()
	ctx := context.Background()
	api := telegramtest.NewServer(testToken)
	t.Cleanup(api.Close)
	api.SetTopics(fmt.Sprint(forum), 42)
	api.SetMember(forum, forumAdmin, "administrator")
	feed := &storyFeed{}
	feed.add("Old news from before")
	srv := httptest.NewServer(feed)
	t.Cleanup(srv.Close)

	dbPath := filepath.Join(t.TempDir(), "nh.db")
	cfg, err := config.Parse(fmt.Appendf(nil, `
store:
  path: %s
feeds:
  - url: %s/rss
    name: Wire
watches:
  - name: kyiv
    query: 'Kyiv'
  - name: odesa
    query: 'Odesa'
`, dbPath, srv.URL), "e2e.yaml")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	calls := make(chan string, 1000)
	tg, err := New(ctx, Options{Token: testToken, API: api.URL(), PollTimeout: time.Second,
		Client: &http.Client{Transport: callWatch{base: http.DefaultTransport, calls: calls}}})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"telegram": tg}})
	if err != nil {
		t.Fatal(err)
	}
	core := bot.New(bot.Deps{Store: db, Watchlist: eng.Watchlist(), Wake: eng.Dispatcher().Wake})
	runBot(t, tg, core, db)
	// First poll: the feed's current items are remembered, not alerted.
	if err := eng.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	return &topicRig{api: api, calls: calls, feed: feed, db: db, eng: eng}
}

// say sends text as user in forum topic topic and waits for the reply.
func (r *topicRig) say(t *testing.T, topic, user int64, text string) telegramtest.Message {
	t.Helper()
	before := len(r.api.Sent())
	r.api.PushMessage(telegramtest.TopicMessage(forum, topic, user, text))
	await(t, r.calls, "sendMessage", 1)
	sent := r.api.Sent()
	if len(sent) != before+1 {
		t.Fatalf("%s: %d messages sent, want one reply", text, len(sent)-before)
	}
	return sent[before]
}

// poll adds stories to the feed and runs one poll and delivery, returning
// the alerts sent, with their message ids.
func (r *topicRig) poll(t *testing.T, titles ...string) map[string]int {
	t.Helper()
	before := len(r.api.Sent())
	r.feed.add(titles...)
	if err := r.eng.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for i, m := range r.api.Sent()[before:] {
		out[strings.SplitN(m.Visible, "\n", 2)[0]] = before + i + 1
	}
	return out
}

func TestForumTopicCommandsAndAlerts(t *testing.T) {
	r := newTopicRig(t)
	topic := Destination(forum, 42)

	reply := r.say(t, 42, forumAdmin, "/watch Kyiv OR Odesa")
	if reply.Topic != "42" || reply.ChatID != fmt.Sprint(forum) || !strings.Contains(reply.Visible, "Subscribed") {
		t.Fatalf("reply to /watch in topic 42 = %+v, want it in topic 42", reply)
	}
	subs, err := r.db.Subscriptions(context.Background(), "")
	if err != nil || len(subs) != 1 || subs[0].Chat != topic {
		t.Fatalf("subscriptions = %+v, %v; want one for %s", subs, err, topic)
	}
	// A reply in an ordinary group thread (message_thread_id without
	// is_topic_message) is the chat itself, not a topic.
	m := telegramtest.TextMessage(forum, forumAdmin, "/list")
	m["message_thread_id"] = 99
	r.api.PushMessage(m)
	await(t, r.calls, "sendMessage", 1)
	if last := r.api.Sent()[len(r.api.Sent())-1]; last.Topic != "" || !strings.Contains(last.Visible, "no subscriptions") {
		t.Errorf("/list in a reply thread = %+v, want the chat's own (empty) list outside topics", last)
	}

	alerts := r.poll(t, "Kyiv metro reopens")
	id, ok := alerts["Kyiv metro reopens"]
	if !ok || len(alerts) != 1 {
		t.Fatalf("alerts sent = %v, want the Kyiv story", alerts)
	}
	sent := r.api.Sent()[id-1]
	if sent.Topic != "42" || sent.ChatID != fmt.Sprint(forum) {
		t.Errorf("alert went to chat %s topic %q, want topic 42", sent.ChatID, sent.Topic)
	}
	if kb := r.api.Keyboard(id); len(kb) != 1 || len(kb[0]) != 2 || !strings.HasPrefix(kb[0][0].CallbackData, "nh:m:") {
		t.Errorf("alert keyboard = %+v, want mute and unsubscribe buttons", kb)
	}
}

func TestAlertButtonsThroughTelegram(t *testing.T) {
	r := newTopicRig(t)
	ctx := context.Background()
	topic := Destination(forum, 42)
	for _, w := range []string{"/subscribe kyiv", "/subscribe odesa"} {
		if got := r.say(t, 42, forumAdmin, w); !strings.Contains(got.Visible, "Subscribed") {
			t.Fatalf("%s: %s", w, got.Visible)
		}
	}
	alerts := r.poll(t, "Kyiv metro reopens")
	id := alerts["Kyiv metro reopens"]
	if id == 0 {
		t.Fatalf("alerts = %v", alerts)
	}
	kb := r.api.Keyboard(id)
	mute := kb[0][0].CallbackData

	// A member without rights: an alert box to them alone, nothing changed.
	r.api.PushCallback(forumUser, id, mute)
	await(t, r.calls, "answerCallbackQuery", 1)
	ans := r.api.Answers()
	if len(ans) != 1 || !ans[0].ShowAlert || !strings.Contains(ans[0].Text, "only its administrators") {
		t.Fatalf("answers = %+v, want one refusal shown as an alert", ans)
	}
	if got := r.api.Keyboard(id); fmt.Sprint(got) != fmt.Sprint(kb) {
		t.Errorf("refused press changed the keyboard to %+v", got)
	}
	if m, _ := r.db.WatchMutes(ctx, topic); len(m) != 0 {
		t.Errorf("refused press muted %+v", m)
	}

	// The chat's administrator: the watch is muted in this topic, and the
	// pressed button now says so.
	r.api.PushCallback(forumAdmin, id, mute)
	await(t, r.calls, "answerCallbackQuery", 1)
	ans = r.api.Answers()
	if len(ans) != 2 || ans[1].ShowAlert || !strings.Contains(ans[1].Text, "Muted kyiv") {
		t.Fatalf("admin's answer = %+v, want a toast saying kyiv is muted", ans[len(ans)-1])
	}
	got := r.api.Keyboard(id)
	if len(got) != 1 || len(got[0]) != 2 || !strings.Contains(got[0][0].Text, "kyiv muted 24 h by user7") ||
		got[0][0].CallbackData != bot.DoneToken || got[0][1] != kb[0][1] {
		t.Errorf("keyboard after the mute = %+v, want the mute button replaced by the done line", got)
	}
	if m, _ := r.db.WatchMutes(ctx, topic); len(m) != 1 || m[0].Watch != "kyiv" {
		t.Errorf("watch mutes = %+v, want kyiv in the topic", m)
	}

	// The next kyiv story is skipped; odesa still alerts.
	alerts = r.poll(t, "Kyiv bridge closed", "Odesa port reopens")
	if _, ok := alerts["Kyiv bridge closed"]; ok || alerts["Odesa port reopens"] == 0 {
		t.Errorf("alerts after the mute = %v, want only the Odesa story", alerts)
	}

	// The done button does nothing, and says so to the presser alone.
	r.api.PushCallback(forumAdmin, id, bot.DoneToken)
	await(t, r.calls, "answerCallbackQuery", 1)
	if ans := r.api.Answers(); !ans[2].ShowAlert || !strings.Contains(ans[2].Text, "already done") {
		t.Errorf("done button answer = %+v", ans[2])
	}
}
