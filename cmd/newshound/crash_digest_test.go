package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify/telegram/telegramtest"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/sqlite"
)

// holdingProxy stands in front of the fake Bot API and holds the n-th
// sendMessage to one chat until the daemon that sent it goes away: a kill
// lands while that message is in flight and before Telegram has it, so
// the message is neither delivered nor marked sent, and nothing about
// the kill's timing is left to chance.
type holdingProxy struct {
	srv   *httptest.Server
	chat  string
	mu    sync.Mutex
	sends int           // sendMessage calls to chat seen
	holdN int           // the call to hold (0: none)
	held  chan struct{} // closed when the held call arrived
}

func newHoldingProxy(t *testing.T, target, chat string) *holdingProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &holdingProxy{chat: chat}
	rp := httputil.NewSingleHostReverseProxy(u)
	// A killed daemon's long poll (getUpdates) ends in an error: expected.
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/sendMessage") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if p.ours(r, body) {
				p.mu.Lock()
				p.sends++
				hold, held := p.sends == p.holdN, p.held
				p.mu.Unlock()
				if hold {
					close(held)
					<-r.Context().Done() // the daemon is killed; Telegram never sees it
					return
				}
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// ours reports whether a sendMessage request goes to p.chat.
func (p *holdingProxy) ours(r *http.Request, body []byte) bool {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		v, err := url.ParseQuery(string(body))
		return err == nil && v.Get("chat_id") == p.chat
	}
	return bytes.Contains(body, []byte(`name="chat_id"`+"\r\n\r\n"+p.chat+"\r\n"))
}

// holdNext makes the n-th sendMessage to the chat (counting from the
// start) the one held, and returns a channel closed when it arrives.
func (p *holdingProxy) holdNext(n int) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.holdN, p.held = n, make(chan struct{})
	return p.held
}

// TestKill9AroundADigest is the digest guarantee of issue 15 under kill -9
// of the real binary: a chat's daily digest that falls due while the
// daemon is down is sent when it comes back, and a kill while its parts
// are being sent loses none and repeats none; no alert goes out one by one.
//
// The schedule is the store's: the test writes the digest's due instant
// (model.Delivery.DigestNext) while no daemon runs, first an hour ahead
// (so the first run only ingests and holds) and then a moment ahead, as
// if the clock had reached it while the daemon was down. Nothing sleeps
// until 08:00; the daemon runs on its real clock.
func TestKill9AroundADigest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon repeatedly")
	}
	const (
		stories = 120 // about four digest parts at notify.DigestBudget
		chatID  = "777001"
		dest    = model.Destination("telegram:" + chatID)
	)
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>`)
		for i := range stories {
			fmt.Fprintf(&b, `<item><guid>d%d</guid><title>%s</title><link>https://n.example/%d</link><pubDate>%s</pubDate></item>`,
				i, crashTitle(i), i, time.Date(2026, 11, 1, 0, 0, i, 0, time.UTC).Format(time.RFC1123Z))
		}
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, b.String())
	}))
	defer feed.Close()
	tg := telegramtest.NewServer(fakeTelegramToken)
	defer tg.Close()
	proxy := newHoldingProxy(t, tg.URL(), chatID)

	dir := t.TempDir()
	dbPath := filepath.Join(dir, "nh.db")
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, `poll:
  schedule: "@every 1s"
  fulltext: never
  backfill: %d
store:
  path: %s
http:
  listen: ""
feeds:
  - url: %s
watches:
  - name: apt29
    query: actor:APT29
routes:
  - watches: [apt29]
    to: ["%s"]
telegram:
  token: %s
  api: %s
`, stories, dbPath, feed.URL, dest, fakeTelegramToken, proxy.srv.URL), 0o600); err != nil {
		t.Fatal(err)
	}
	// withStore opens the store while no daemon runs.
	withStore := func(f func(ctx context.Context, db *sqlite.DB)) {
		t.Helper()
		ctx := context.Background()
		db, err := sqlite.Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		f(ctx, db)
	}
	dueAt := func(at time.Time) {
		t.Helper()
		withStore(func(ctx context.Context, db *sqlite.DB) {
			d := model.Delivery{Destination: dest, Digest: model.DigestTime{On: true, Minute: 8 * 60}, DigestChosen: true, DigestNext: at}
			if err := db.SetDelivery(ctx, d); err != nil {
				t.Fatal(err)
			}
		})
	}
	ours := func() []telegramtest.Message {
		var out []telegramtest.Message
		for _, m := range tg.Sent() {
			if m.ChatID == chatID {
				out = append(out, m)
			}
		}
		return out
	}

	// Run 1 ingests the stories and holds them for a digest an hour away.
	dueAt(time.Now().Add(time.Hour))
	run1 := startDaemon(t, dir, cfgPath, "run1")
	if !waitUntil(60*time.Second, func() bool { return strings.Contains(run1.log(), "first poll of") || !run1.alive() }) || !run1.alive() {
		t.Fatalf("run 1 never ingested the feed:\n%s", run1.log())
	}
	run1.kill()
	withStore(func(ctx context.Context, db *sqlite.DB) {
		if held, err := db.ListOutbox(ctx, store.StateHeld, dest, 1000); err != nil || len(held) != stories {
			t.Fatalf("after run 1: %d held, %v; want all %d held for the digest", len(held), err, stories)
		}
	})
	if n := len(ours()); n != 0 {
		t.Fatalf("run 1 sent %d messages to a digest chat", n)
	}

	// The digest falls due while the daemon is down. Run 2 queues it when
	// it comes back and is killed while sending its second part.
	dueAt(time.Now().Add(-time.Minute))
	held := proxy.holdNext(2)
	run2 := startDaemon(t, dir, cfgPath, "run2")
	select {
	case <-held:
	case <-time.After(60 * time.Second):
		t.Fatalf("run 2 never sent a second digest part; sent %d; log:\n%s", len(ours()), run2.log())
	}
	run2.kill()
	if n := len(ours()); n != 1 {
		t.Fatalf("before the kill Telegram had %d messages, want the first part only", n)
	}

	// Run 3 sends the rest of that digest, and no second one.
	run3 := startDaemon(t, dir, cfgPath, "run3")
	parts := 0
	partRE := regexp.MustCompile(`\((\d+)/(\d+)\)`)
	if !waitUntil(60*time.Second, func() bool {
		ms := ours()
		if len(ms) > 0 && parts == 0 {
			if m := partRE.FindStringSubmatch(ms[0].Visible); m != nil {
				parts, _ = strconv.Atoi(m[2])
			}
		}
		return parts > 0 && len(ms) >= parts
	}) {
		t.Fatalf("run 3: %d of %d parts; log:\n%s", len(ours()), parts, run3.log())
	}
	// The digester looks at start-up and every 15 s: a schedule left
	// behind would queue a second digest at once. Give it that look.
	if !waitUntil(30*time.Second, func() bool { return strings.Contains(run3.log(), "newshound running") }) {
		t.Fatalf("run 3 never said it was running:\n%s", run3.log())
	}
	time.Sleep(2 * time.Second) // a repeat would have to arrive; nothing we wait for
	run3.kill()

	ms := ours()
	if parts < 2 || len(ms) != parts {
		t.Fatalf("Telegram got %d messages for a digest of %d parts, want each part once", len(ms), parts)
	}
	var all strings.Builder
	for i, m := range ms {
		if !strings.Contains(m.Visible, fmt.Sprintf("(%d/%d)", i+1, parts)) {
			t.Errorf("message %d is not part %d/%d: %.80q", i+1, i+1, parts, m.Visible)
		}
		all.WriteString(m.Visible + "\n")
	}
	for i := range stories {
		if n := strings.Count(all.String(), "• "+crashTitle(i)+" — "); n != 1 {
			t.Errorf("story %d is in the digest %d times, want once (%q anywhere: %v)", i, n, crashTitle(i), strings.Contains(all.String(), crashTitle(i)))
		}
	}
	withStore(func(ctx context.Context, db *sqlite.DB) {
		d, err := db.Delivery(ctx, dest)
		if err != nil || !d.DigestNext.After(time.Now()) {
			t.Errorf("the schedule after the digest: %+v, %v; want the next one in the future", d, err)
		}
		if rows, err := db.ListOutbox(ctx, "", dest, 1000); err != nil || len(rows) != 0 {
			t.Errorf("left in the outbox: %d, %v; want nothing held or pending", len(rows), err)
		}
	})
	t.Logf("digest of %d stories in %d parts; run 2 killed with part 2 in flight", stories, parts)
}
