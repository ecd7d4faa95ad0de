package websub_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/store/sqlite"
	"github.com/newshound/newshound/websub"
)

// hub is a loopback WebSub hub: it answers subscribe requests 202 (or 503
// when down) and hands each request's form to the test, which then plays
// the hub's side of verification and delivery.
type hub struct {
	srv  *httptest.Server
	reqs chan url.Values
	mu   sync.Mutex
	down bool
}

func newHub(t *testing.T) *hub {
	h := &hub{reqs: make(chan url.Values, 8)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		h.mu.Lock()
		down := h.down
		h.mu.Unlock()
		if down {
			http.Error(w, "gone", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		h.reqs <- r.PostForm
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// verify does the hub's GET on the callback and returns status and body.
func verify(t *testing.T, callback string, q url.Values) (int, string) {
	t.Helper()
	resp, err := http.Get(callback + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type pushed struct {
	feed string
	body []byte
}

// setup returns a subscriber served on loopback, its pushes, and its clock.
func setup(t *testing.T) (*websub.Subscriber, chan pushed, *clock) {
	sub, pushes, clk, _ := setupDB(t)
	return sub, pushes, clk
}

// setupDB is setup with the subscriber's store.
func setupDB(t *testing.T) (*websub.Subscriber, chan pushed, *clock, *sqlite.DB) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	pushes := make(chan pushed, 8)
	var sub *websub.Subscriber
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sub.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	sub, err = websub.New(context.Background(), websub.Options{
		PublicURL: srv.URL, Store: db, Client: http.DefaultClient, Guarded: http.DefaultClient, Now: clk.Now,
		Push: func(_ context.Context, feed string, body []byte, _ string) error {
			pushes <- pushed{feed, body}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return sub, pushes, clk, db
}

const feedURL, topic = "http://127.0.0.1/feed", "http://127.0.0.1/feed.self"

// subscribe runs Ensure and returns the hub's received form.
func subscribe(t *testing.T, sub *websub.Subscriber, h *hub) url.Values {
	t.Helper()
	sub.Ensure(context.Background(), feedURL, h.srv.URL, topic, true)
	sub.Wait()
	select {
	case f := <-h.reqs:
		return f
	default:
		t.Fatal("the hub got no subscribe request")
		return nil
	}
}

func TestVerificationOfIntent(t *testing.T) {
	sub, _, _ := setup(t)
	h := newHub(t)
	form := subscribe(t, sub, h)
	if form.Get("hub.mode") != "subscribe" || form.Get("hub.topic") != topic || len(form.Get("hub.secret")) < 32 {
		t.Fatalf("subscribe form %v", form)
	}
	cb := form.Get("hub.callback")
	if !strings.Contains(cb, websub.Path) || len(cb[strings.LastIndex(cb, "/")+1:]) < 32 {
		t.Fatalf("callback %q has no unguessable id", cb)
	}
	for _, tt := range []struct {
		name   string
		q      url.Values
		status int
		body   string
	}{
		{"another topic", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {"http://evil/"}, "hub.challenge": {"c1"}, "hub.lease_seconds": {"600"}}, 404, ""},
		{"unsubscribe not asked for", url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {topic}, "hub.challenge": {"c2"}}, 404, ""},
		{"no challenge", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}}, 404, ""},
		{"the hub's challenge", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"c-42"}, "hub.lease_seconds": {"600"}}, 200, "c-42"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := verify(t, cb, tt.q)
			if status != tt.status || (tt.body != "" && body != tt.body) {
				t.Errorf("status %d body %q, want %d %q", status, body, tt.status, tt.body)
			}
		})
	}
	if !sub.Active(feedURL) {
		t.Error("not active after the hub's verification")
	}
	if status, _ := verify(t, strings.TrimSuffix(cb, cb[len(cb)-4:])+"0000", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"x"}}); status != 404 {
		t.Errorf("an unknown callback id answered %d", status)
	}
}

func TestPushSignatures(t *testing.T) {
	sub, pushes, _ := setup(t)
	h := newHub(t)
	form := subscribe(t, sub, h)
	cb, secret := form.Get("hub.callback"), form.Get("hub.secret")
	verify(t, cb, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"c"}, "hub.lease_seconds": {"600"}})
	body := []byte(`<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>new</title></item></channel></rss>`)
	sign := func(method string, key string) string {
		return method + "=" + strings.SplitN(websub.Sign(key, body), "=", 2)[1]
	}
	for _, tt := range []struct {
		name, sig string
		ingested  bool
	}{
		{"no signature", "", false},
		{"wrong secret", websub.Sign("guess", body), false},
		{"unknown method", sign("md5", secret), false},
		{"not hex", "sha256=zz", false},
		{"sha256", websub.Sign(secret, body), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, cb, bytes.NewReader(body))
			if tt.sig != "" {
				req.Header.Set("X-Hub-Signature", tt.sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				t.Errorf("status %d: a hub must get 2xx either way", resp.StatusCode)
			}
			select {
			case p := <-pushes:
				if !tt.ingested {
					t.Errorf("a push signed %q was ingested", tt.sig)
				} else if p.feed != feedURL || !bytes.Equal(p.body, body) {
					t.Errorf("pushed %q %q", p.feed, p.body)
				}
			default:
				if tt.ingested {
					t.Error("a correctly signed push was not ingested")
				}
			}
		})
	}
}

func TestValidSignatureMethods(t *testing.T) {
	body := []byte("payload")
	for _, tt := range []struct{ header string }{
		{"sha1=" + hexMAC("sha1", "k", body)}, {"sha256=" + hexMAC("sha256", "k", body)},
		{"sha384=" + hexMAC("sha384", "k", body)}, {"sha512=" + hexMAC("sha512", "k", body)},
	} {
		if !websub.ValidSignature(tt.header, "k", body) {
			t.Errorf("%s refused", tt.header)
		}
		if websub.ValidSignature(tt.header, "k", []byte("payloaD")) {
			t.Errorf("%s accepted for another body", tt.header)
		}
	}
}

func TestLeaseRenewalAndHubGone(t *testing.T) {
	sub, _, clk := setup(t)
	h := newHub(t)
	form := subscribe(t, sub, h)
	cb := form.Get("hub.callback")
	verify(t, cb, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"c"}, "hub.lease_seconds": {"3600"}})
	trusted := func(string) bool { return true }

	// Well before the end of the lease nothing is renewed.
	clk.add(30 * time.Minute)
	sub.Renew(context.Background(), trusted)
	sub.Wait()
	if len(h.reqs) != 0 {
		t.Fatal("renewed half-way through the lease")
	}
	// Five minutes before its end the lease is renewed, with the same callback.
	clk.add(26 * time.Minute)
	sub.Renew(context.Background(), trusted)
	sub.Wait()
	select {
	case f := <-h.reqs:
		if f.Get("hub.callback") != cb {
			t.Errorf("renewal moved the callback: %q", f.Get("hub.callback"))
		}
	default:
		t.Fatal("no renewal before the lease ended")
	}
	if !sub.Active(feedURL) {
		t.Error("inactive while the renewal waits for verification, with the old lease still running")
	}
	// The renewal is never verified: at the lease's end pushes are no
	// longer expected, and the engine polls.
	clk.add(5 * time.Minute)
	if sub.Active(feedURL) {
		t.Error("still active after the lease ended")
	}

	// The hub is gone: the subscribe request fails, the subscription
	// stays inactive, and it is not retried before its backoff.
	h.mu.Lock()
	h.down = true
	h.mu.Unlock()
	clk.add(pendingTimeout())
	sub.Ensure(context.Background(), feedURL, h.srv.URL, topic, true)
	sub.Wait()
	if sub.Active(feedURL) {
		t.Error("active with the hub down")
	}
	h.srv.Close()
	sub.Ensure(context.Background(), feedURL, h.srv.URL, topic, true)
	sub.Wait()
	if sub.Active(feedURL) {
		t.Error("active with the hub gone")
	}
}

func pendingTimeout() time.Duration { return 11 * time.Minute }

func TestLostSubscription(t *testing.T) {
	sub, _, _ := setup(t)
	h := newHub(t)
	form := subscribe(t, sub, h)
	verify(t, form.Get("hub.callback"), url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"c"}, "hub.lease_seconds": {"3600"}})
	if !sub.Active(feedURL) {
		t.Fatal("not active")
	}
	sub.Lost(context.Background(), feedURL, "a poll found 2 items no push brought")
	if sub.Active(feedURL) {
		t.Error("still active after Lost")
	}
}

// post sends body to a callback, signed with secret, and returns the status.
func post(t *testing.T, callback, secret string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, callback, bytes.NewReader(body))
	req.Header.Set("X-Hub-Signature", websub.Sign(secret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// rows returns the stored subscriptions by feed.
func rows(t *testing.T, db *sqlite.DB) map[string]string {
	t.Helper()
	subs, err := db.WebSubs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range subs {
		out[s.Feed] = s.State
	}
	return out
}

// TestUnsubscribeWhenTheFeedIsRemoved: a feed no longer polled gets an
// unsubscribe request at its hub; the hub's challenge is echoed only then,
// the row is deleted once it is, and pushes are refused meanwhile (410)
// and afterwards (404), never ingested.
func TestUnsubscribeWhenTheFeedIsRemoved(t *testing.T) {
	sub, pushes, _, db := setupDB(t)
	h := newHub(t)
	form := subscribe(t, sub, h)
	cb, secret := form.Get("hub.callback"), form.Get("hub.secret")
	verify(t, cb, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"c"}, "hub.lease_seconds": {"3600"}})
	keep := true
	retain := func() {
		sub.Retain(context.Background(), func(string) bool { return keep }, func(string) bool { return true })
		sub.Wait()
	}
	retain()
	if len(h.reqs) != 0 || !sub.Active(feedURL) {
		t.Fatal("a feed still polled was unsubscribed")
	}

	keep = false
	retain()
	var un url.Values
	select {
	case un = <-h.reqs:
	default:
		t.Fatal("the hub got no unsubscribe request")
	}
	if un.Get("hub.mode") != "unsubscribe" || un.Get("hub.topic") != topic || un.Get("hub.callback") != cb {
		t.Fatalf("unsubscribe form %v", un)
	}
	if sub.Active(feedURL) {
		t.Error("still active while unsubscribing")
	}
	if got := rows(t, db)[feedURL]; got != "unsubscribing" {
		t.Errorf("stored state %q, want unsubscribing", got)
	}
	retain() // the next tick waits for the verification
	if len(h.reqs) != 0 {
		t.Error("the unsubscribe was sent again before its verification could come")
	}
	body := []byte(`<rss version="2.0"><channel><title>t</title><item><guid>late</guid><title>late</title></item></channel></rss>`)
	if status := post(t, cb, secret, body); status != http.StatusGone {
		t.Errorf("a push while unsubscribing answered %d, want 410", status)
	}
	if status, _ := verify(t, cb, url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {"http://evil/"}, "hub.challenge": {"x"}}); status != 404 {
		t.Errorf("an unsubscribe of another topic answered %d", status)
	}
	status, echoed := verify(t, cb, url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {topic}, "hub.challenge": {"bye-7"}})
	if status != 200 || echoed != "bye-7" {
		t.Fatalf("the hub's unsubscribe challenge: %d %q", status, echoed)
	}
	if r := rows(t, db); len(r) != 0 {
		t.Errorf("rows after the verified unsubscribe: %v", r)
	}
	if status := post(t, cb, secret, body); status != http.StatusNotFound {
		t.Errorf("a push after the unsubscribe answered %d, want 404", status)
	}
	if status, _ := verify(t, cb, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"again"}}); status != 404 {
		t.Errorf("a subscribe verification after the unsubscribe answered %d", status)
	}
	select {
	case p := <-pushes:
		t.Errorf("a push for a removed feed was ingested: %q", p.body)
	default:
	}
	retain()
	if len(h.reqs) != 0 {
		t.Error("unsubscribed twice")
	}
}

// TestUnsubscribeUnverified: a subscription the hub never verified is
// forgotten without a request; an unsubscribe the hub never verifies is
// sent again after the pending timeout, and forgotten after three tries.
func TestUnsubscribeUnverified(t *testing.T) {
	sub, _, clk, db := setupDB(t)
	h := newHub(t)
	subscribe(t, sub, h) // never verified
	gone := func(string) bool { return false }
	trusted := func(string) bool { return true }
	sub.Retain(context.Background(), gone, trusted)
	sub.Wait()
	if len(h.reqs) != 0 {
		t.Error("an unsubscribe was sent for a subscription the hub never verified")
	}
	if r := rows(t, db); len(r) != 0 {
		t.Errorf("rows: %v", r)
	}

	form := subscribe(t, sub, h)
	verify(t, form.Get("hub.callback"), url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"c"}, "hub.lease_seconds": {"86400"}})
	for try := 1; try <= 3; try++ {
		sub.Retain(context.Background(), gone, trusted)
		sub.Wait()
		select {
		case f := <-h.reqs:
			if f.Get("hub.mode") != "unsubscribe" {
				t.Fatalf("try %d: %v", try, f)
			}
		default:
			t.Fatalf("try %d: no unsubscribe request", try)
		}
		clk.add(pendingTimeout())
	}
	sub.Retain(context.Background(), gone, trusted)
	sub.Wait()
	if len(h.reqs) != 0 {
		t.Error("a fourth unsubscribe was sent")
	}
	if r := rows(t, db); len(r) != 0 {
		t.Errorf("rows after three unanswered unsubscribes: %v", r)
	}
}

// TestResubscribeAfterUnsubscribing: a feed added back while its
// unsubscribe waits is subscribed afresh, and the stale unsubscribe
// verification is refused.
func TestResubscribeAfterUnsubscribing(t *testing.T) {
	sub, _, _, _ := setupDB(t)
	h := newHub(t)
	form := subscribe(t, sub, h)
	cb := form.Get("hub.callback")
	verify(t, cb, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"c"}, "hub.lease_seconds": {"86400"}})
	sub.Retain(context.Background(), func(string) bool { return false }, func(string) bool { return true })
	sub.Wait()
	<-h.reqs
	again := subscribe(t, sub, h)
	if again.Get("hub.mode") != "subscribe" {
		t.Fatalf("form %v", again)
	}
	if status, _ := verify(t, cb, url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {topic}, "hub.challenge": {"late"}}); status != 404 {
		t.Errorf("a stale unsubscribe verification answered %d", status)
	}
	if status, body := verify(t, again.Get("hub.callback"), url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.challenge": {"c2"}, "hub.lease_seconds": {"86400"}}); status != 200 || body != "c2" {
		t.Errorf("re-subscribe verification: %d %q", status, body)
	}
	if !sub.Active(feedURL) {
		t.Error("not active after subscribing again")
	}
}
