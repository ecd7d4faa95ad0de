package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/webhook"
	"github.com/newshound/newshound/store/sqlite"
)

const (
	secret    = "whsec-SECRETvalue-0123456789"
	urlToken  = "TOKENinPATH-abcdef"
	urlSecret = "QUERYsecret-987"
)

// receiver is a webhook endpoint that verifies signatures as a real
// receiver would, with its own HMAC, and answers from a script.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu     sync.Mutex
	reqs   []received
	script []func(w http.ResponseWriter) bool // true: answered
}

type received struct {
	path    string
	header  http.Header
	body    []byte
	payload webhook.Payload
	signed  bool // the signature verified
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	got := received{path: req.URL.RequestURI(), header: req.Header.Clone(), body: body}
	if err := json.Unmarshal(body, &got.payload); err != nil {
		r.t.Errorf("body is not a Payload: %v: %s", err, body)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(req.Header.Get("X-Newshound-Timestamp") + "." + string(body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	got.signed = hmac.Equal([]byte(want), []byte(req.Header.Get("X-Newshound-Signature")))
	r.mu.Lock()
	r.reqs = append(r.reqs, got)
	var step func(http.ResponseWriter) bool
	if len(r.script) > 0 {
		step, r.script = r.script[0], r.script[1:]
	}
	r.mu.Unlock()
	if step != nil && step(w) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// then queues answers for the next requests (after them: 204).
func (r *receiver) then(steps ...func(w http.ResponseWriter) bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.script = append(r.script, steps...)
}

func status(code int, header ...string) func(http.ResponseWriter) bool {
	return func(w http.ResponseWriter) bool {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte("receiver says no, seen " + urlToken + " " + urlSecret + " " + secret))
		return true
	}
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.reqs...)
}

// dest is a destination at the receiver with a token in the path and query.
func (r *receiver) dest() model.Destination {
	return model.Destination("webhook:" + r.srv.URL + "/hooks/" + urlToken + "?sig=" + urlSecret)
}

// clock is the fake clock the dispatcher and the sender share.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// rig is the real dispatcher over the SQLite store with a webhook Sender.
type rig struct {
	t    *testing.T
	db   *sqlite.DB
	clk  *clock
	d    *notify.Dispatcher
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newRig(t *testing.T, o webhook.Options) *rig {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// The clock starts a little ahead: alerts queued at the real now are due.
	clk := &clock{t: time.Now().Add(time.Second)}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o.Logger = log
	o.Now = clk.Now
	d := notify.NewDispatcher(db, notify.DispatcherOptions{
		Senders: map[string]notify.Sender{webhook.Kind.Name: webhook.New(o)},
		Logger:  log,
		Now:     clk.Now,
		Backoff: func(int) time.Duration { return 10 * time.Second },
	})
	return &rig{t: t, db: db, clk: clk, d: d, logs: logs}
}

var published = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

func (r *rig) queue(dest model.Destination, title string) {
	r.t.Helper()
	a := model.Alert{
		Destination: dest, Title: title, Link: "https://news.example/a", Feed: "Example News",
		Published: published, Snippet: "officials blamed «APT29» for the breach",
		Watches: []model.WatchMatch{{Name: "apt29", Terms: []string{`APT29, as "Cozy Bear"`}}},
	}
	item := model.NewItem{Key: title, Published: published, Alerts: []model.Alert{a}}
	if _, err := r.db.Ingest(context.Background(), model.FeedState{URL: "http://feed/" + r.t.Name()}, nil, []model.NewItem{item}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) drain() {
	r.t.Helper()
	if err := r.d.Drain(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) outbox(state string) []model.OutboxRow {
	r.t.Helper()
	rows, err := r.db.ListOutbox(context.Background(), state, "", 100)
	if err != nil {
		r.t.Fatal(err)
	}
	return rows
}

// noSecrets fails if the secret or the URL's token appear in the logs or
// in anything the store keeps (parked reasons show in outbox ls and the
// web console).
func (r *rig) noSecrets() {
	r.t.Helper()
	var stored strings.Builder
	for _, row := range r.outbox("") {
		stored.WriteString(row.LastError + "\n")
	}
	dis, _ := r.db.DisabledDestinations(context.Background())
	for _, reason := range dis {
		stored.WriteString(reason + "\n")
	}
	r.t.Logf("logs:\n%s\nstored:\n%s", r.logs.String(), stored.String())
	for what, text := range map[string]string{"logs": r.logs.String(), "store": stored.String()} {
		for _, s := range []string{secret, urlToken, urlSecret} {
			if strings.Contains(text, s) {
				r.t.Errorf("%s contain %q:\n%s", what, s, text)
			}
		}
	}
}

func TestDeliverySigned(t *testing.T) {
	recv := newReceiver(t)
	r := newRig(t, webhook.Options{Secret: secret, AllowPrivate: true})
	r.queue(recv.dest(), "APT29 breach")
	r.drain()

	reqs := recv.requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	got := reqs[0]
	if !got.signed {
		t.Errorf("signature %q does not verify", got.header.Get("X-Newshound-Signature"))
	}
	if ts := got.header.Get("X-Newshound-Timestamp"); ts != strconv.FormatInt(r.clk.Now().Unix(), 10) {
		t.Errorf("timestamp %q, want the clock's %d", ts, r.clk.Now().Unix())
	}
	if got.path != "/hooks/"+urlToken+"?sig="+urlSecret {
		t.Errorf("posted to %q", got.path)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	p := got.payload
	key := got.header.Get("Idempotency-Key")
	if key == "" || p.ID != key {
		t.Errorf("Idempotency-Key %q, payload id %q", key, p.ID)
	}
	if p.Version != webhook.PayloadVersion || p.Event != webhook.EventAlert || p.Ref != "" || p.AlsoReported == nil || p.Title != "APT29 breach" || p.Link != "https://news.example/a" || p.Feed != "Example News" ||
		p.Published == nil || !p.Published.Equal(published) || p.Snippet != "officials blamed APT29 for the breach" ||
		len(p.Watches) != 1 || p.Watches[0].Name != "apt29" || len(p.Watches[0].Terms) != 1 {
		t.Errorf("payload = %+v", p)
	}
	if strings.Contains(string(got.body), urlToken) || p.Destination != "webhook:"+recv.srv.URL+"/…" {
		t.Errorf("destination in the body is not redacted: %q", p.Destination)
	}
	if sent := r.outbox("sent"); len(sent) != 1 {
		t.Errorf("sent rows = %+v", sent)
	}
	r.noSecrets()
}

func TestUnsignedWithoutSecret(t *testing.T) {
	recv := newReceiver(t)
	r := newRig(t, webhook.Options{AllowPrivate: true})
	r.queue(recv.dest(), "unsigned")
	r.drain()
	reqs := recv.requests()
	if len(reqs) != 1 || reqs[0].header.Get("X-Newshound-Signature") != "" {
		t.Fatalf("requests = %+v", reqs)
	}
}

func TestRetryAfterObeyed(t *testing.T) {
	for _, form := range []string{"seconds", "date"} {
		t.Run(form, func(t *testing.T) {
			recv := newReceiver(t)
			r := newRig(t, webhook.Options{Secret: secret, AllowPrivate: true})
			wait := "30"
			if form == "date" {
				wait = r.clk.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
			}
			recv.then(status(http.StatusTooManyRequests, "Retry-After", wait))
			r.queue(recv.dest(), "limited")
			r.drain()
			if n := len(recv.requests()); n != 1 {
				t.Fatalf("%d requests after the 429, want 1", n)
			}
			pending := r.outbox("pending")
			if len(pending) != 1 || pending[0].Attempts != 0 {
				t.Fatalf("after a 429 the alert waits without counting a failure: %+v", pending)
			}
			r.clk.advance(29 * time.Second)
			r.drain()
			if n := len(recv.requests()); n != 1 {
				t.Fatalf("sent again %d times before Retry-After passed", n-1)
			}
			r.clk.advance(time.Second)
			r.drain()
			reqs := recv.requests()
			if len(reqs) != 2 || len(r.outbox("sent")) != 1 {
				t.Fatalf("not delivered once Retry-After passed: %d requests", len(reqs))
			}
			if reqs[0].header.Get("Idempotency-Key") != reqs[1].header.Get("Idempotency-Key") {
				t.Error("the retry has another Idempotency-Key")
			}
			if !reqs[1].signed {
				t.Error("the retry's signature does not verify")
			}
			r.noSecrets()
		})
	}
}

func TestServerErrorRetried(t *testing.T) {
	recv := newReceiver(t)
	r := newRig(t, webhook.Options{Secret: secret, AllowPrivate: true})
	recv.then(status(http.StatusInternalServerError), status(http.StatusRequestTimeout))
	r.queue(recv.dest(), "flaky")
	r.drain()
	pending := r.outbox("pending")
	if len(pending) != 1 || pending[0].Attempts != 1 || !strings.Contains(pending[0].LastError, "HTTP 500") {
		t.Fatalf("after a 500: %+v", pending)
	}
	r.clk.advance(10 * time.Second)
	r.drain()
	if pending := r.outbox("pending"); len(pending) != 1 || pending[0].Attempts != 2 {
		t.Fatalf("after a 408: %+v", pending)
	}
	r.clk.advance(10 * time.Second)
	r.drain()
	if n := len(recv.requests()); n != 3 || len(r.outbox("sent")) != 1 {
		t.Fatalf("%d requests, sent %d", n, len(r.outbox("sent")))
	}
	r.noSecrets()
}

// parked checks that dest's alert is parked and dest disabled, with no
// request made beyond wantRequests.
func (r *rig) parked(dest model.Destination, reason string) {
	r.t.Helper()
	parked := r.outbox("parked")
	if len(parked) != 1 || !strings.Contains(parked[0].LastError, reason) {
		r.t.Fatalf("parked = %+v, want one with %q", parked, reason)
	}
	dis, err := r.db.DisabledDestinations(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	if _, ok := dis[dest]; !ok {
		r.t.Errorf("destination not disabled: %v", dis)
	}
	// Disabled: a later drain sends nothing more.
	r.clk.advance(time.Hour)
	r.drain()
}

func TestNotFoundParks(t *testing.T) {
	recv := newReceiver(t)
	r := newRig(t, webhook.Options{Secret: secret, AllowPrivate: true})
	recv.then(status(http.StatusNotFound))
	r.queue(recv.dest(), "gone")
	r.drain()
	r.parked(recv.dest(), "HTTP 404")
	if n := len(recv.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	r.noSecrets()
}

func TestRedirectNotFollowed(t *testing.T) {
	recv := newReceiver(t)
	r := newRig(t, webhook.Options{Secret: secret, AllowPrivate: true})
	recv.then(status(http.StatusTemporaryRedirect, "Location", recv.srv.URL+"/elsewhere"))
	r.queue(recv.dest(), "moved")
	r.drain()
	r.parked(recv.dest(), "redirects are not followed")
	if reqs := recv.requests(); len(reqs) != 1 {
		t.Errorf("redirect followed: %+v", reqs)
	}
	r.noSecrets()
}

func TestPrivateTargetRefused(t *testing.T) {
	recv := newReceiver(t) // on 127.0.0.1
	r := newRig(t, webhook.Options{Secret: secret})
	r.queue(recv.dest(), "to loopback")
	r.drain()
	r.parked(recv.dest(), "non-public address 127.0.0.1")
	if n := len(recv.requests()); n != 0 {
		t.Errorf("the guard let %d requests through", n)
	}
	r.noSecrets()
}

func TestUnreachableRetried(t *testing.T) {
	recv := newReceiver(t)
	dest := recv.dest()
	recv.srv.Close() // connection refused
	r := newRig(t, webhook.Options{Secret: secret, AllowPrivate: true})
	r.queue(dest, "unreachable")
	r.drain()
	pending := r.outbox("pending")
	if len(pending) != 1 || pending[0].Attempts != 1 {
		t.Fatalf("a network failure is not retried: %+v", pending)
	}
	if !strings.Contains(pending[0].LastError, "connection refused") {
		t.Errorf("reason %q does not say why", pending[0].LastError)
	}
	r.noSecrets()
}

func TestKindCheck(t *testing.T) {
	kinds := notify.NewKinds(webhook.Kind)
	for _, ok := range []string{"webhook:https://hooks.example/x", "webhook:http://127.0.0.1:8080/h?t=1"} {
		if _, err := kinds.Parse(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"webhook:ftp://hooks.example/x", "webhook:hooks.example/x", "webhook:https:///x", "webhook:https://" + "%zz"} {
		if _, err := kinds.Parse(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	_, err := kinds.Parse("webhook:ftp://hooks.example/" + urlToken)
	if err == nil || strings.Contains(err.Error(), urlToken) {
		t.Errorf("error leaks the URL: %v", err)
	}
}

func TestSign(t *testing.T) {
	// A fixed vector, so receivers in other languages can check theirs.
	got := webhook.Sign("key", "1700000000", []byte(`{"a":1}`))
	mac := hmac.New(sha256.New, []byte("key"))
	mac.Write([]byte(`1700000000.{"a":1}`))
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}
