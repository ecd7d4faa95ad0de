// Package webhook delivers alerts to "webhook:URL" destinations: one JSON
// POST per alert to any HTTP(S) endpoint.
//
// # Request
//
//	POST URL
//	Content-Type: application/json
//	User-Agent: newshound-webhook/1
//	Idempotency-Key: <the alert's id, stable across retries>
//	X-Newshound-Timestamp: <Unix seconds of this attempt>
//	X-Newshound-Signature: sha256=<hex>   (only when webhook.secret is set)
//
// The body is a Payload (version 2): fields may be added in later versions,
// none is renamed, retyped or removed. A retry of the same alert carries the
// same Idempotency-Key and "id", so a receiver that remembers the keys it
// has seen shows each alert once even when a response was lost.
//
// # Living alerts (edits)
//
// A later report of the story an alert told of (another outlet, a new
// watch) edits the alert, as Telegram and Discord messages are edited:
// a new POST to the same URL, with the same headers and signature, whose
// Payload has "event": "edit", the message's "ref", a "rev" that grows
// with each later state, and the story as it is now (title, watches,
// "also_reported": the other outlets, in the order they reported). An
// alert has "event": "alert" and no ref. At most one edit per story and
// destination is sent per minute; the last state is always sent.
//
// The ref is the receiver's: a 2xx answer to the alert whose body is JSON
// with an "id" (a string, or a number; at most 200 printable characters)
// names the message, and edits carry that id as "ref". Without one, the
// ref is the alert's Idempotency-Key (its "id"). An edit's own
// Idempotency-Key and "id" are the alert's followed by "-edit-" and the
// rev: the same on every retry of one state, new for the next state.
//
// To an edit, 404 and 410 mean the receiver no longer has the message, or
// keeps none: the edit is dropped and logged, and the alert is never sent
// again. 429 waits for Retry-After as for alerts; other answers are those
// of an alert. A receiver that shows each POST as it comes and ignores
// "event" would show an edit as one more alert: it answers edits 404, or
// its routes take "also_reported: quiet".
//
//	{"version": 2, "event": "edit", "id": "k3J…-edit-1", "ref": "msg-81",
//	 "rev": 1, "title": "…", "feed": "Wire A", "also_reported": ["Wire B"], …}
//
// Version 2 added event, ref, rev and also_reported to version 1.
//
// # Signature
//
// With webhook.secret set, X-Newshound-Signature is "sha256=" and the
// lower-case hex HMAC-SHA256, keyed with the secret, of
//
//	TIMESTAMP + "." + BODY
//
// where TIMESTAMP is the X-Newshound-Timestamp header exactly as sent and
// BODY the raw request body. A receiver recomputes it over the bytes it
// received, compares in constant time (hmac.Equal), and rejects timestamps
// more than a few minutes from its clock: a captured request cannot be
// replayed later, since changing the timestamp breaks the signature. Each
// attempt is signed afresh with its own timestamp.
//
// # Responses
//
// Any 2xx is delivered. 429 waits for Retry-After (seconds or an HTTP date;
// at least 1s, 5s when absent) without counting a failure. 408, 5xx, timeouts and network
// errors are retried with backoff. Redirects are not followed (the
// signature and the SSRF guard are for the configured URL) and, like any
// other 4xx, park the alert and disable the destination until `outbox retry`.
// Only the first few KiB of a response are read.
//
// # Private addresses
//
// Unless webhook.allow_private is set, connections to loopback, private,
// link-local and other non-public addresses are refused after DNS
// resolution (the feeds package's SSRF guard), and such a destination is
// parked: a route cannot make the daemon probe its own network.
//
// The destination URL (its path and query often hold a token) and the
// secret never appear in errors or logs: destinations print redacted.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
)

// Kind is the webhook destination kind: webhook:URL, an http or https URL
// with a host.
var Kind = notify.Kind{
	Name:  "webhook",
	Usage: "webhook:URL, like webhook:https://hooks.example/newshound",
	Check: func(target string) error {
		_, err := parseURL(target)
		return err
	},
}

// Header names of a webhook request.
const (
	HeaderSignature   = "X-Newshound-Signature"
	HeaderTimestamp   = "X-Newshound-Timestamp"
	HeaderIdempotency = "Idempotency-Key"
)

// UserAgent is sent with every request.
const UserAgent = "newshound-webhook/1"

// PayloadVersion is the version of Payload this package sends: 2 since
// living alerts (event, ref, rev, also_reported).
const PayloadVersion = 2

// Payload is the JSON body of a webhook request (see the package doc for
// the stability promise).
type Payload struct {
	// Version is PayloadVersion.
	Version int `json:"version"`
	// ID identifies the alert, the same on every retry (also the
	// Idempotency-Key header).
	ID string `json:"id"`
	// Destination is where the alert was routed, redacted ("webhook:https://hooks.example/…").
	Destination string `json:"destination"`
	// Title is the story's headline.
	Title string `json:"title"`
	// Link is the article URL ("" when the feed gave none).
	Link string `json:"link"`
	// Feed is the name of the feed that reported it.
	Feed string `json:"feed"`
	// Published is when the feed says it was published (RFC 3339, UTC), or null.
	Published *time.Time `json:"published"`
	// Snippet is plain text around the hits.
	Snippet string `json:"snippet"`
	// FromArticle says the snippet, and the match, come from the article
	// page rather than what the feed gave (poll.fulltext).
	FromArticle bool `json:"from_article"`
	// Watches are the watches that fired and the terms that made them fire.
	Watches []Watch `json:"watches"`
	// Event is EventAlert for a new alert, EventEdit for a later state of
	// one already sent (version 2).
	Event string `json:"event"`
	// Ref, in an edit, names the message edited: the "id" the receiver
	// answered the alert with, else the alert's Idempotency-Key. "" in an
	// alert.
	Ref string `json:"ref,omitempty"`
	// Rev, in an edit, grows with each later state of the message: a
	// receiver that got a higher one ignores a lower.
	Rev int64 `json:"rev,omitempty"`
	// AlsoReported are the other outlets that reported the story, in the
	// order they did (never null).
	AlsoReported []string `json:"also_reported"`
}

// Events of a Payload.
const (
	EventAlert = "alert"
	EventEdit  = "edit"
)

// Watch is one watch that fired.
type Watch struct {
	Name  string   `json:"name"`
	Terms []string `json:"terms"`
}

// Options configures a Sender.
type Options struct {
	// Secret, when set, signs every request (webhook.secret).
	Secret string
	// AllowPrivate lets requests reach non-public addresses (webhook.allow_private).
	AllowPrivate bool
	// Timeout bounds one request; default 15s (the dispatcher's own
	// SendTimeout applies too).
	Timeout time.Duration
	// Logger; default discards.
	Logger *slog.Logger
	// Now is the clock for the timestamp header and Retry-After dates; default time.Now.
	Now func() time.Time
}

// Limits the dispatcher paces to: 5 requests per second per destination,
// so a burst of stories does not flood a small receiver.
var destRate = notify.Rate{N: 5, Per: time.Second}

const (
	// maxErrorBody is how much of a refusal's body goes into the error.
	maxErrorBody = 256
	// maxIDBody is how much of a 2xx answer is read for its message id.
	maxIDBody = 4 << 10
	// maxDrain is how much of a response is read at most (to reuse the connection).
	maxDrain = 64 << 10
	// defaultRetryAfter is the wait for a 429 without a usable Retry-After.
	defaultRetryAfter = 5 * time.Second
	// maxRetryAfter caps what a receiver can make us wait.
	maxRetryAfter = 24 * time.Hour
)

// Sender posts alerts to webhook destinations, and edits of them. It
// implements notify.Sender, notify.RefSender, notify.Editor and
// notify.Paced.
type Sender struct {
	o      Options
	client *http.Client
	log    *slog.Logger
}

var (
	_ notify.Sender    = (*Sender)(nil)
	_ notify.Paced     = (*Sender)(nil)
	_ notify.RefSender = (*Sender)(nil)
	_ notify.Editor    = (*Sender)(nil)
)

// New returns a Sender with o's zero fields defaulted.
func New(o Options) *Sender {
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	proxy := http.ProxyFromEnvironment
	if !o.AllowPrivate {
		feeds.GuardDialer(dialer)
		proxy = nil // a proxy would hide the real destination from the guard
	}
	tr := &http.Transport{
		Proxy:                  proxy,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &Sender{
		o:   o,
		log: o.Logger,
		client: &http.Client{
			Transport: tr,
			// Redirects are answered, not followed: see classify.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// Limits implements notify.Paced: 5 requests per second per destination,
// no limit across destinations (they are different receivers).
func (s *Sender) Limits(model.Destination) (perDest, platform notify.Rate) {
	return destRate, notify.Rate{}
}

// parseURL checks a webhook target: an absolute http or https URL with a host.
func parseURL(target string) (*url.URL, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("the URL must start with http:// or https://")
	}
	if u.Hostname() == "" {
		return nil, errors.New("the URL has no host")
	}
	return u, nil
}

// Body returns the JSON body of a's request and its idempotency key: an
// alert's, or for an edit (a.Edit) the edit's of the message at a.Ref.
func Body(a model.Alert) (body []byte, key string, err error) {
	key = a.Nonce
	if key == "" && a.ID != 0 {
		key = "outbox-" + strconv.FormatInt(a.ID, 10)
	}
	event := EventAlert
	var ref string
	var rev int64
	if a.Edit {
		// One edit row carries every later state of the message, a revision
		// each: the key names the revision, so a receiver that drops
		// repeated keys drops retries of one state, not the next state.
		event, ref, rev = EventEdit, string(a.Ref), a.Rev+1
		key += "-edit-" + strconv.FormatInt(rev, 10)
	}
	also := a.AlsoReported
	if also == nil {
		also = []string{}
	}
	p := Payload{
		Version:      PayloadVersion,
		Event:        event,
		Ref:          ref,
		Rev:          rev,
		AlsoReported: also,
		ID:           key,
		Destination:  a.Destination.Redacted(),
		Title:        a.Title,
		Link:         a.Link,
		Feed:         a.Feed,
		Snippet:      stripMarkers.Replace(a.Snippet),
		FromArticle:  a.FromArticle,
		Watches:      make([]Watch, 0, len(a.Watches)),
	}
	if !a.Published.IsZero() {
		t := a.Published.UTC()
		p.Published = &t
	}
	for _, w := range a.Watches {
		terms := w.Terms
		if terms == nil {
			terms = []string{}
		}
		p.Watches = append(p.Watches, Watch{Name: w.Name, Terms: terms})
	}
	body, err = json.Marshal(p)
	return body, key, err
}

// stripMarkers removes the « » hit markers: receivers get plain text.
var stripMarkers = strings.NewReplacer("«", "", "»", "")

// Sign returns the X-Newshound-Signature value for body sent with
// timestamp: "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Send implements notify.Sender: it POSTs a as a Payload to its
// destination's URL. Errors follow the notify contract (see the package
// doc) and never contain the URL beyond its host, nor the secret.
func (s *Sender) Send(ctx context.Context, a model.Alert) error {
	_, err := s.SendRef(ctx, a)
	return err
}

// SendRef implements notify.RefSender: Send, returning the ref a later
// edit names, the receiver's message id ({"id": ...} in a 2xx answer) or
// else the alert's Idempotency-Key.
func (s *Sender) SendRef(ctx context.Context, a model.Alert) (model.MessageRef, error) {
	a.Edit = false
	body, key, err := Body(a)
	if err != nil {
		return "", &notify.PermanentError{Err: fmt.Errorf("%s: encoding alert %d: %v", a.Destination, a.ID, err)}
	}
	head, err := s.post(ctx, a, body, key, false)
	if err != nil {
		return "", err
	}
	if id := messageID(head); id != "" {
		return model.MessageRef(id), nil
	}
	return model.MessageRef(key), nil
}

// Edit implements notify.Editor: a POST of a as an edit Payload (event
// "edit", ref, the story's outlets now) to the destination's URL, signed
// and keyed like an alert. A 404 or 410 answer is notify.ErrMessageGone:
// the receiver no longer has the message (or keeps none), and the edit is
// dropped, never sent as a new alert.
func (s *Sender) Edit(ctx context.Context, ref model.MessageRef, a model.Alert) error {
	a.Edit, a.Ref = true, ref
	body, key, err := Body(a)
	if err != nil {
		return &notify.PermanentError{Err: fmt.Errorf("%s: encoding edit %d: %v", a.Destination, a.ID, err)}
	}
	_, err = s.post(ctx, a, body, key, true)
	return err
}

// maxRefLen bounds a receiver's message id kept as a ref: a longer one is
// not an id, and the Idempotency-Key names the message instead.
const maxRefLen = 200

// messageID reads {"id": "..."} (or a number) from the start of a 2xx
// answer; "" when there is none, or it is not a short printable id.
func messageID(head []byte) string {
	var v struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(head, &v) != nil || len(v.ID) == 0 {
		return ""
	}
	var id string
	if json.Unmarshal(v.ID, &id) != nil {
		var n json.Number
		if json.Unmarshal(v.ID, &n) != nil {
			return ""
		}
		id = n.String()
	}
	if id == "" || len(id) > maxRefLen || printable([]byte(id)) != id {
		return ""
	}
	return id
}

// post makes one signed request of body to a's destination and returns
// the start of a 2xx answer (for its message id); edit maps 404 and 410 to
// notify.ErrMessageGone.
func (s *Sender) post(ctx context.Context, a model.Alert, body []byte, key string, edit bool) ([]byte, error) {
	dest := a.Destination
	if dest.Kind() != Kind.Name {
		return nil, &notify.PermanentError{Err: fmt.Errorf("webhook: cannot send to %s", dest)}
	}
	u, err := parseURL(dest.Target())
	if err != nil {
		return nil, &notify.PermanentError{Err: fmt.Errorf("%s: %v", dest, err)}
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, &notify.PermanentError{Err: fmt.Errorf("%s: %s", dest, s.scrub(dest, err.Error()))}
	}
	ts := strconv.FormatInt(s.o.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderTimestamp, ts)
	if key != "" {
		req.Header.Set(HeaderIdempotency, key)
	}
	if s.o.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(s.o.Secret, ts, body))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.transportError(ctx, dest, err)
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxIDBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	if edit && (resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone) {
		return nil, fmt.Errorf("%s: HTTP %d to an edit of %q: %w", dest, resp.StatusCode, s.scrub(dest, printable([]byte(a.Ref))), notify.ErrMessageGone)
	}
	if err := s.classify(dest, resp, head[:min(len(head), maxErrorBody)]); err != nil {
		return nil, err
	}
	s.log.Debug("webhook delivered", "dest", dest, "alert", a.ID, "edit", edit, "status", resp.StatusCode)
	return head, nil
}

// StatusError is a webhook receiver's refusal: its HTTP status and the
// start of its body. It never holds the URL.
type StatusError struct {
	Dest   model.Destination
	Status int
	Body   string
}

// Error implements error.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", e.Dest, e.Status)
	if t := http.StatusText(e.Status); t != "" {
		s += " " + t
	}
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// classify maps a response to the notify error contract.
func (s *Sender) classify(dest model.Destination, resp *http.Response, head []byte) error {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return nil
	}
	se := &StatusError{Dest: dest, Status: code, Body: s.scrub(dest, printable(head))}
	switch {
	case code == http.StatusTooManyRequests:
		return &notify.RetryAfterError{After: retryAfter(resp.Header.Get("Retry-After"), s.o.Now()), Err: se}
	case code == http.StatusRequestTimeout, code >= 500:
		return se
	case code >= 300 && code < 400:
		return &notify.PermanentError{Err: fmt.Errorf("%w (redirects are not followed: set the destination to the final URL)", se)}
	default:
		return &notify.PermanentError{Err: se}
	}
}

// transportError names the destination redacted and keeps only the cause
// of a failed request: url.Error's text holds the full URL.
func (s *Sender) transportError(ctx context.Context, dest model.Destination, err error) error {
	var blocked *feeds.BlockedAddressError
	if errors.As(err, &blocked) {
		return &notify.PermanentError{Err: fmt.Errorf("%s: refused to connect to non-public address %s (set webhook.allow_private to allow it)", dest, blocked.Addr)}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: timed out: %w", dest, scrubbed{s.scrub(dest, err.Error()), err})
	}
	return fmt.Errorf("%s: %w", dest, scrubbed{s.scrub(dest, err.Error()), err})
}

// scrubbed is an error whose text was cleaned of secrets but which still
// unwraps to the cause (timeouts stay inspectable).
type scrubbed struct {
	msg string
	err error
}

func (e scrubbed) Error() string { return e.msg }
func (e scrubbed) Unwrap() error { return e.err }

// scrub removes from text the secret and every part of the destination's
// URL that may be a token: the whole URL, its path and query, their longer
// segments and values, and its user info. A receiver's error page may echo
// any of them.
func (s *Sender) scrub(dest model.Destination, text string) string {
	var parts []string
	if t := dest.Target(); t != "" {
		parts = append(parts, t)
		if u, err := url.Parse(t); err == nil {
			parts = append(parts, u.RawQuery, u.EscapedPath(), u.Path)
			if u.User != nil {
				p, _ := u.User.Password()
				parts = append(parts, u.User.String(), u.User.Username(), p)
			}
			parts = append(parts, strings.Split(u.Path, "/")...)
			for _, vs := range u.Query() {
				parts = append(parts, vs...)
			}
		}
	}
	// Longest first, so a part is not half-replaced by one it contains.
	slices.SortFunc(parts, func(a, b string) int { return len(b) - len(a) })
	for _, p := range parts {
		if len(p) >= minSecretLen {
			text = strings.ReplaceAll(text, p, "…")
		}
	}
	if s.o.Secret != "" {
		text = strings.ReplaceAll(text, s.o.Secret, "<secret>")
	}
	return text
}

// minSecretLen is the shortest URL part scrub removes: shorter ones ("/",
// "v1", "api") are not tokens, and removing them would garble messages.
const minSecretLen = 6

// printable is b as one line of printable text.
func printable(b []byte) string {
	s := strings.Map(func(r rune) rune {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, string(b))
	return strings.Join(strings.Fields(s), " ")
}

// retryAfter reads Retry-After, in seconds or as an HTTP date, at least 1s
// (a receiver cannot make us spin) and at most 24h; defaultRetryAfter when
// absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(min(max(n, 0), int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return defaultRetryAfter
	}
	return min(max(d, time.Second), maxRetryAfter)
}
