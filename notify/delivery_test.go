package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/telegram"
	"github.com/newshound/newshound/notify/telegram/telegramtest"
	"github.com/newshound/newshound/store/sqlite"
)

const fakeToken = "123456:SECRET-TOKEN"

// queueStories queues one alert per story, spread round-robin over chats
// (private chats, positive ids).
func queueStories(tb testing.TB, db *sqlite.DB, chats, stories int) {
	tb.Helper()
	items := make([]model.NewItem, 0, stories)
	for i := range stories {
		dest := model.Destination(fmt.Sprintf("telegram:%d", 1000+i%chats))
		items = append(items, model.NewItem{Key: fmt.Sprintf("s%d", i), Published: time.Now().Add(time.Duration(i-stories) * time.Second),
			Alerts: []model.Alert{{Destination: dest, Title: fmt.Sprintf("story %04d", i), Feed: "Wire"}}})
	}
	if _, err := db.Ingest(context.Background(), model.FeedState{URL: "http://wire"}, nil, items); err != nil {
		tb.Fatal(err)
	}
}

func newTelegram(tb testing.TB, srv *telegramtest.Server) *telegram.Bot {
	tb.Helper()
	bot, err := telegram.New(context.Background(), telegram.Options{Token: fakeToken, API: srv.URL()})
	if err != nil {
		tb.Fatal(err)
	}
	return bot
}

// TestOutageThenRecovery: the Bot API answers 500 for a while, then
// recovers. Every alert arrives exactly once, in order per chat, and the
// recovery floods no one: the fake enforces Telegram's limits strictly and
// must never have to answer 429.
func TestOutageThenRecovery(t *testing.T) {
	const chats, stories = 5, 25
	srv := telegramtest.NewServer(fakeToken)
	defer srv.Close()
	srv.SetLimits(telegramtest.TelegramLimits())
	var outage []telegramtest.Reply
	for range 12 {
		outage = append(outage, telegramtest.APIError(http.StatusInternalServerError, "Internal Server Error", nil))
	}
	srv.FailCall("sendMessage", outage...)
	db := openStore(t)
	queueStories(t, db, chats, stories)
	d := notify.NewDispatcher(db, notify.DispatcherOptions{
		Senders: map[string]notify.Sender{"telegram": newTelegram(t, srv)},
		Poll:    20 * time.Millisecond,
		Backoff: func(n int) time.Duration { return 50 * time.Millisecond << min(n, 3) },
	})
	runDispatcher(t, d)
	waitFor(t, "all delivered after the outage", func() bool { return len(srv.Sent()) == stories })
	seen := map[string]int{}
	last := map[string]string{}
	for _, m := range srv.Sent() {
		seen[m.Visible]++
		if prev := last[m.ChatID]; prev > m.Visible {
			t.Errorf("chat %s got %q after %q: order broken", m.ChatID, m.Visible, prev)
		}
		last[m.ChatID] = m.Visible
	}
	for text, n := range seen {
		if n != 1 {
			t.Errorf("%q delivered %d times", text, n)
		}
	}
	if n := len(srv.Calls("sendMessage")); n < stories+12 {
		t.Fatalf("only %d sendMessage calls: the outage was not hit", n)
	}
	if n := srv.Limited(); n > 0 {
		t.Errorf("recovery flooded the chats: %d requests answered 429", n)
	}
	// The last MarkSent may land just after the fake recorded the message.
	waitFor(t, "an empty queue", func() bool {
		st, _ := db.QueueStats(context.Background())
		return st.Pending == 0 && st.Parked == 0
	})
}

// BenchmarkTelegramLimits delivers 1,000 alerts to 50 private chats through
// the real Telegram sender against a fake that enforces Telegram's limits
// (1/s per chat, 30/s in all) with 429s. The floor is the global limit:
// after the first 30, each further 30 need one more second, so 1,000
// messages need at least 33 s. Reported: seconds, ratio to the floor, and
// the share of requests answered 429.
func BenchmarkTelegramLimits(b *testing.B) {
	const chats, stories = 50, 1000
	floor := time.Duration((stories-1)/30) * time.Second
	for range b.N {
		srv := telegramtest.NewServer(fakeToken)
		srv.SetLimits(telegramtest.TelegramLimits())
		db := openStore(b)
		queueStories(b, db, chats, stories)
		d := notify.NewDispatcher(db, notify.DispatcherOptions{Senders: map[string]notify.Sender{"telegram": newTelegram(b, srv)}, Poll: 50 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		start := time.Now()
		go func() { d.Run(ctx); close(done) }()
		for len(srv.Sent()) < stories {
			time.Sleep(5 * time.Millisecond)
		}
		sent := srv.Sent()
		elapsed := sent[len(sent)-1].At.Sub(start)
		cancel()
		<-done
		calls := len(srv.Calls("sendMessage"))
		srv.Close()
		b.ReportMetric(elapsed.Seconds(), "s/1000alerts")
		b.ReportMetric(elapsed.Seconds()/floor.Seconds(), "x-floor")
		b.ReportMetric(100*float64(srv.Limited())/float64(calls), "%429")
	}
}
