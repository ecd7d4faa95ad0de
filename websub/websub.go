// Package websub is Newshound's WebSub subscriber (W3C WebSub, formerly
// PubSubHubbub): it subscribes feeds that advertise a hub, answers the
// hub's verification of intent, checks the HMAC signature of every push and
// hands the good ones to the engine, which ingests them exactly as a poll
// (same parse, same dedup, same transaction). It renews leases before they
// end and reports a subscription as not active whenever pushes cannot be
// trusted to arrive, so the engine falls back to polling.
//
// Written here rather than taken from a library: the Go WebSub subscribers
// available keep their state in memory, run their own HTTP server and do
// not let the hub request go through our SSRF guard; the protocol part is
// small (a form POST, a GET echo and an HMAC).
package websub

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
)

// Path is where the callbacks live under the public URL: Path + ID.
const Path = "/websub/"

// DefaultLease is the lease asked of hubs; hubs may grant less.
const DefaultLease = 7 * 24 * time.Hour

// pendingTimeout is how long a subscribe or unsubscribe request may stay
// unverified before it is sent again.
const pendingTimeout = 10 * time.Minute

// maxUnsubscribeTries is how many unsubscribe requests are sent for a feed
// no longer polled before its subscription is forgotten unverified: the
// hub's lease then ends by itself, and pushes until then are refused.
const maxUnsubscribeTries = 3

// ErrGone is what Options.Push returns (wrapped) for a feed that is no
// longer polled: the push is answered 410 Gone, which tells the hub to
// stop (WebSub §7: a hub may end a subscription whose callback answers 410).
var ErrGone = errors.New("websub: the feed is no longer polled")

// Options configures a Subscriber.
type Options struct {
	// PublicURL is http.public_url, without a trailing slash.
	PublicURL string
	Store     store.WebSub
	// Client sends the subscribe requests to hubs a feed's own host
	// serves; Guarded those to any other host (SSRF guard: a hub URL comes
	// from the publisher, like an article link).
	Client, Guarded *http.Client
	// Push ingests the body of a verified push for feed.
	Push func(ctx context.Context, feed string, body []byte, contentType string) error
	// MaxBody bounds a push body (poll.max_body_size).
	MaxBody int64
	// Lease is asked of hubs; DefaultLease when 0.
	Lease time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	Log *slog.Logger
}

// Subscriber keeps the subscriptions (in memory, written through to the
// store) and serves the callbacks.
type Subscriber struct {
	o    Options
	mu   sync.Mutex
	subs map[string]*model.WebSubSubscription // by feed
	byID map[string]*model.WebSubSubscription
	wg   sync.WaitGroup
}

// New loads the stored subscriptions.
func New(ctx context.Context, o Options) (*Subscriber, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.MaxBody <= 0 {
		o.MaxBody = feeds.DefaultMaxBodySize
	}
	s := &Subscriber{o: o, subs: map[string]*model.WebSubSubscription{}, byID: map[string]*model.WebSubSubscription{}}
	saved, err := o.Store.WebSubs(ctx)
	if err != nil {
		return nil, err
	}
	for i := range saved {
		sub := &saved[i]
		s.subs[sub.Feed], s.byID[sub.ID] = sub, sub
	}
	return s, nil
}

// Active reports whether pushes are expected for feed now: the hub
// verified the subscription and its lease has not ended. The engine then
// polls the feed only as a safety net.
func (s *Subscriber) Active(feed string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[feed]
	return sub != nil && sub.State == model.WebSubActive && s.o.Now().Before(sub.LeaseUntil)
}

// Ensure subscribes feed at hub for topic unless a subscription for them
// is active, or waiting for verification, or failed recently (backoff).
// trusted says the feed may reach private addresses (a config feed): its
// hub may then too, on the feed's own host only. The request is sent in
// the background.
func (s *Subscriber) Ensure(ctx context.Context, feed, hub, topic string, trusted bool) {
	now := s.o.Now()
	s.mu.Lock()
	sub := s.subs[feed]
	if sub != nil && sub.Hub == hub && sub.Topic == topic {
		switch {
		case sub.State == model.WebSubActive && now.Before(s.renewAt(sub)),
			sub.State == model.WebSubPending && now.Sub(sub.Requested) < pendingTimeout,
			sub.State == model.WebSubFailed && now.Sub(sub.Requested) < feeds.Backoff(sub.Failures, mrand.Float64):
			s.mu.Unlock()
			return
		}
	}
	next := s.request(sub, feed, hub, topic, now)
	s.mu.Unlock()
	s.send(ctx, next, trusted)
}

// Renew re-subscribes every active subscription whose lease ends soon;
// the engine calls it on each scheduler tick.
func (s *Subscriber) Renew(ctx context.Context, trusted func(feed string) bool) {
	now := s.o.Now()
	s.mu.Lock()
	var due []model.WebSubSubscription
	for _, sub := range s.subs {
		if sub.State == model.WebSubActive && !now.Before(s.renewAt(sub)) {
			due = append(due, s.request(sub, sub.Feed, sub.Hub, sub.Topic, now))
		}
	}
	s.mu.Unlock()
	for _, sub := range due {
		s.send(ctx, sub, trusted(sub.Feed))
	}
}

// Lost marks feed's subscription failed: a safety-net poll found items no
// push brought. The feed goes back to its adaptive interval, and the next
// poll subscribes again.
func (s *Subscriber) Lost(ctx context.Context, feed, reason string) {
	s.mu.Lock()
	sub := s.subs[feed]
	if sub == nil || sub.State != model.WebSubActive {
		s.mu.Unlock()
		return
	}
	sub.State, sub.Error, sub.Failures = model.WebSubFailed, reason, sub.Failures+1
	saved := *sub
	s.mu.Unlock()
	s.o.Log.Warn("websub: pushes stopped; polling the feed again", "sub", saved, "reason", reason)
	s.save(ctx, saved)
}

// Retain unsubscribes the feeds keep says are no longer polled (removed
// from the config, from chat or with `feed rm`): a subscription the hub may
// still hold (its lease has not ended) gets an unsubscribe request, and is
// forgotten, row included, once the hub verifies it; one the hub never
// verified, or whose lease ended, is forgotten at once. An unsubscribe left
// unverified is sent again after pendingTimeout, up to maxUnsubscribeTries
// times. The engine calls it on each scheduler tick; trusted is as for
// Renew.
func (s *Subscriber) Retain(ctx context.Context, keep, trusted func(feed string) bool) {
	now := s.o.Now()
	var send []model.WebSubSubscription
	var forget []model.WebSubSubscription
	s.mu.Lock()
	for feed, sub := range s.subs {
		if keep(feed) {
			continue
		}
		switch {
		case sub.State == model.WebSubUnsubscribing && now.Sub(sub.Requested) < pendingTimeout:
			// waiting for the hub's verification
		case sub.State == model.WebSubUnsubscribing && sub.Failures >= maxUnsubscribeTries,
			sub.State != model.WebSubUnsubscribing && !now.Before(sub.LeaseUntil):
			forget = append(forget, *sub)
			s.drop(sub)
		default:
			if sub.State != model.WebSubUnsubscribing {
				sub.State, sub.Failures, sub.Error = model.WebSubUnsubscribing, 0, ""
			}
			sub.Failures++
			sub.Requested = now
			send = append(send, *sub)
		}
	}
	s.mu.Unlock()
	for _, sub := range forget {
		if sub.State == model.WebSubUnsubscribing {
			s.o.Log.Warn("websub: the hub never verified the unsubscribe; forgetting the subscription (its lease ends by itself)", "sub", sub)
		}
		s.delete(ctx, sub)
	}
	for _, sub := range send {
		s.o.Log.Info("websub: unsubscribing a feed no longer polled", "sub", sub)
		s.save(ctx, sub)
		client := s.o.Guarded
		if trusted(sub.Feed) && sameHost(sub.Hub, sub.Feed) {
			client = s.o.Client
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.post(ctx, client, sub, "unsubscribe"); err != nil && ctx.Err() == nil {
				// Sent again after pendingTimeout, like an unanswered one.
				s.o.Log.Warn("websub: unsubscribing failed", "sub", sub, "err", err)
			}
		}()
	}
}

// drop removes sub from the maps. Called with s.mu held.
func (s *Subscriber) drop(sub *model.WebSubSubscription) {
	if s.subs[sub.Feed] == sub {
		delete(s.subs, sub.Feed)
	}
	delete(s.byID, sub.ID)
}

// delete forgets sub in the store.
func (s *Subscriber) delete(ctx context.Context, sub model.WebSubSubscription) {
	if err := s.o.Store.DeleteWebSub(context.WithoutCancel(ctx), sub.Feed); err != nil {
		s.o.Log.Error("websub: deleting the subscription failed", "sub", sub, "err", err)
	}
}

// Wait waits for the subscribe requests in flight.
func (s *Subscriber) Wait() { s.wg.Wait() }

// renewAt is when an active lease is renewed: a tenth of it before its
// end, at least five minutes before.
func (s *Subscriber) renewAt(sub *model.WebSubSubscription) time.Time {
	lease := sub.LeaseUntil.Sub(sub.Requested)
	return sub.LeaseUntil.Add(-max(lease/10, 5*time.Minute))
}

// request records a new pending request (a fresh callback id and secret
// for a new hub or topic, the old ones for a renewal, so pushes in flight
// still verify) and returns a copy. Called with s.mu held.
func (s *Subscriber) request(sub *model.WebSubSubscription, feed, hub, topic string, now time.Time) model.WebSubSubscription {
	if sub == nil || sub.Hub != hub || sub.Topic != topic {
		if sub != nil {
			delete(s.byID, sub.ID)
		}
		sub = &model.WebSubSubscription{Feed: feed, Hub: hub, Topic: topic, ID: randomHex(16), Secret: randomHex(32)}
		s.subs[feed], s.byID[sub.ID] = sub, sub
	}
	if sub.State == model.WebSubUnsubscribing {
		// The feed is polled again: subscribe afresh, no backoff owed.
		sub.Failures, sub.Error = 0, ""
	}
	if sub.State != model.WebSubActive {
		sub.State = model.WebSubPending
	}
	sub.Requested = now
	return *sub
}

// send posts the subscribe request in the background and records a failure.
func (s *Subscriber) send(ctx context.Context, sub model.WebSubSubscription, trusted bool) {
	s.save(ctx, sub)
	client := s.o.Guarded
	if trusted && sameHost(sub.Hub, sub.Feed) {
		client = s.o.Client
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := s.post(ctx, client, sub, "subscribe")
		if err == nil || ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		cur := s.subs[sub.Feed]
		if cur == nil || cur.ID != sub.ID {
			s.mu.Unlock()
			return
		}
		cur.State, cur.Error, cur.Failures = model.WebSubFailed, err.Error(), cur.Failures+1
		saved := *cur
		s.mu.Unlock()
		s.o.Log.Warn("websub: subscribing failed; the feed is polled", "sub", saved, "err", err)
		s.save(ctx, saved)
	}()
}

// post sends a subscribe or unsubscribe request (mode) for sub to its hub.
func (s *Subscriber) post(ctx context.Context, client *http.Client, sub model.WebSubSubscription, mode string) error {
	form := url.Values{
		"hub.mode":     {mode},
		"hub.topic":    {sub.Topic},
		"hub.callback": {s.o.PublicURL + Path + sub.ID},
	}
	if mode == "subscribe" {
		form.Set("hub.secret", sub.Secret)
		form.Set("hub.lease_seconds", strconv.Itoa(int(s.o.Lease/time.Second)))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Hub, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s at %s: %w", mode, sub.Hub, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s at %s: hub answered %s", mode, sub.Hub, resp.Status)
	}
	return nil
}

func (s *Subscriber) save(ctx context.Context, sub model.WebSubSubscription) {
	if err := s.o.Store.SaveWebSub(context.WithoutCancel(ctx), sub); err != nil {
		s.o.Log.Error("websub: saving the subscription failed", "sub", sub, "err", err)
	}
}

// ServeHTTP serves Path + ID: the hub's GET verification of intent and
// its POSTed pushes.
func (s *Subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, ok := strings.CutPrefix(r.URL.Path, Path)
	s.mu.Lock()
	sub := s.byID[id]
	var cur model.WebSubSubscription
	if sub != nil {
		cur = *sub
	}
	s.mu.Unlock()
	if !ok || sub == nil {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.verify(w, r, cur)
	case http.MethodPost:
		s.push(w, r, cur)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// verify answers the hub's verification of intent: the challenge is echoed
// only for a subscription we asked for, on its own topic.
func (s *Subscriber) verify(w http.ResponseWriter, r *http.Request, sub model.WebSubSubscription) {
	q := r.URL.Query()
	if q.Get("hub.topic") != sub.Topic {
		http.NotFound(w, r)
		return
	}
	switch q.Get("hub.mode") {
	case "denied":
		s.update(r.Context(), sub.ID, func(cur *model.WebSubSubscription) {
			cur.State, cur.Error, cur.Failures = model.WebSubFailed, "hub denied the subscription: "+q.Get("hub.reason"), cur.Failures+1
		})
		w.WriteHeader(http.StatusOK)
	case "unsubscribe":
		// Only an unsubscribe we asked for (the feed is no longer polled):
		// anyone else's would silently stop the pushes.
		challenge := q.Get("hub.challenge")
		if challenge == "" || sub.State != model.WebSubUnsubscribing {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		cur := s.byID[sub.ID]
		if cur != nil && cur.State == model.WebSubUnsubscribing {
			s.drop(cur)
		}
		s.mu.Unlock()
		if cur == nil || cur.State != model.WebSubUnsubscribing {
			http.NotFound(w, r) // re-subscribed meanwhile
			return
		}
		s.delete(r.Context(), *cur)
		s.o.Log.Info("websub: unsubscribed", "sub", *cur)
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, challenge)
	case "subscribe":
		challenge := q.Get("hub.challenge")
		if challenge == "" || (sub.State != model.WebSubPending && sub.State != model.WebSubActive) {
			http.NotFound(w, r)
			return
		}
		lease := s.o.Lease
		if n, err := strconv.ParseInt(q.Get("hub.lease_seconds"), 10, 64); err == nil && n > 0 {
			lease = time.Duration(min(n, 1<<31)) * time.Second
		}
		now := s.o.Now()
		s.update(r.Context(), sub.ID, func(cur *model.WebSubSubscription) {
			cur.State, cur.Error, cur.Failures = model.WebSubActive, "", 0
			cur.Requested, cur.LeaseUntil = now, now.Add(lease)
		})
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, challenge)
	default:
		http.NotFound(w, r)
	}
}

// push checks a delivery's signature and hands its body to Options.Push.
// A delivery without a valid signature is dropped, but answered 2xx as
// the WebSub spec requires (a hub must not retry it, and an attacker
// learns nothing).
func (s *Subscriber) push(w http.ResponseWriter, r *http.Request, sub model.WebSubSubscription) {
	if sub.State == model.WebSubUnsubscribing {
		http.Error(w, "the feed is no longer polled", http.StatusGone)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.o.MaxBody+1))
	if err != nil {
		http.Error(w, "read error", http.StatusBadRequest)
		return
	}
	if int64(len(body)) > s.o.MaxBody {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if !ValidSignature(r.Header.Get("X-Hub-Signature"), sub.Secret, body) {
		s.o.Log.Warn("websub: push with a missing or bad signature dropped", "sub", sub)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	now := s.o.Now()
	s.update(r.Context(), sub.ID, func(cur *model.WebSubSubscription) { cur.LastPush = now })
	if err := s.o.Push(r.Context(), sub.Feed, body, r.Header.Get("Content-Type")); err != nil {
		s.o.Log.Warn("websub: push not ingested", "sub", sub, "err", err)
		if errors.Is(err, ErrGone) {
			http.Error(w, "the feed is no longer polled", http.StatusGone)
			return
		}
		// A hub retries a failed delivery: that is what we want when our
		// store failed, and harmless for a malformed body.
		http.Error(w, "not ingested", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Subscriber) update(ctx context.Context, id string, fn func(*model.WebSubSubscription)) {
	s.mu.Lock()
	cur := s.byID[id]
	if cur == nil {
		s.mu.Unlock()
		return
	}
	fn(cur)
	saved := *cur
	s.mu.Unlock()
	s.save(ctx, saved)
}

// ValidSignature checks an X-Hub-Signature header ("sha256=HEX"; sha1,
// sha384 and sha512 too, as the spec allows) against body and secret, in
// constant time.
func ValidSignature(header, secret string, body []byte) bool {
	method, sig, ok := strings.Cut(header, "=")
	if !ok || secret == "" {
		return false
	}
	var h func() hash.Hash
	switch strings.ToLower(method) {
	case "sha1":
		h = sha1.New
	case "sha256":
		h = sha256.New
	case "sha384":
		h = sha512.New384
	case "sha512":
		h = sha512.New
	default:
		return false
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	mac := hmac.New(h, []byte(secret))
	mac.Write(body)
	return hmac.Equal(mac.Sum(nil), want)
}

// Sign returns the X-Hub-Signature a hub sends for body (sha256), for tests
// and loopback hubs.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// sameHost reports whether a and b name the same host (ports aside).
func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Hostname() != "" && strings.EqualFold(ua.Hostname(), ub.Hostname())
}
