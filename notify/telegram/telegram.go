// Package telegram is Newshound's Telegram transport: it delivers alerts to
// "telegram:CHAT_ID" destinations (a notify.Sender that also publishes
// Telegram's rate limits) and carries bot commands between Telegram's
// getUpdates long poll and the command core (bot.Handler). It talks to the
// Bot API through github.com/go-telegram-bot-api/telegram-bot-api/v5, with
// every request bound to a context and no error or log line ever holding the
// bot token.
//
// Wiring (cmd/engine):
//
//	tg, err := telegram.New(ctx, telegram.Options{
//		Token: cfg.Telegram.Token, API: cfg.Telegram.API, Logger: log,
//	})
//	if err != nil { ... }                  // the error never holds the token
//	senders["telegram"] = tg               // notify.Sender and notify.Paced
//	go tg.Run(ctx, core, db)               // db: store implementing OffsetStore
//	tg.SendText(ctx, adminUserID, "...")   // plain-text admin notices
//
// Send maps Bot API failures to notify's kinds: 429 is a
// *notify.RetryAfterError with Telegram's retry_after; 403 and 400 "chat not
// found" (and similar) are a *notify.PermanentError; a group upgraded to a
// supergroup is a *notify.PermanentError whose MigrateTo is the new
// "telegram:ID"; anything else (5xx, timeouts) is a plain error to retry.
package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/newshound/newshound/notify"
)

// DefaultAPI is the Bot API base URL used when Options.API is empty.
const DefaultAPI = "https://api.telegram.org"

// DefaultPollTimeout is the getUpdates long-poll timeout used when
// Options.PollTimeout is zero.
const DefaultPollTimeout = 50 * time.Second

// requestTimeout bounds a single API call other than getUpdates when the
// caller's context has no earlier deadline.
const requestTimeout = 30 * time.Second

// Options configure a Bot.
type Options struct {
	// Token is the bot token from @BotFather. It never appears in errors or logs.
	Token string
	// API is the Bot API base URL (config telegram.api); requests go to
	// {API}/bot{Token}/{method}. Empty means DefaultAPI.
	API string
	// Client is the HTTP client to use; nil means a new http.Client. Its
	// Timeout, if set, must exceed PollTimeout or long polls will fail.
	Client *http.Client
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// PollTimeout is the getUpdates long-poll timeout; zero means
	// DefaultPollTimeout. Telegram rounds it to whole seconds.
	PollTimeout time.Duration
	// Now is the clock of the 429 holds; nil means time.Now. A test that
	// runs the dispatcher on a fake clock gives the bot the same one, so a
	// retry_after it waited out on that clock is over for the bot too.
	Now func() time.Time
}

// Bot is a Telegram bot: an alert sender and a command transport. It is safe
// for concurrent use: the dispatcher may call Send from many goroutines
// while Run receives commands.
type Bot struct {
	api         *tgbotapi.BotAPI // template; copied per call with a context-bound client
	token       string
	client      *http.Client
	log         *slog.Logger
	pollTimeout time.Duration
	self        tgbotapi.User

	mu   sync.Mutex
	hold map[string]time.Time // chat_id param -> no requests before this time (429)
	now  func() time.Time
}

// New checks the token with getMe and returns a ready Bot. Its errors never
// contain the token.
func New(ctx context.Context, o Options) (*Bot, error) {
	if strings.TrimSpace(o.Token) == "" {
		return nil, errors.New("telegram: no bot token")
	}
	api := strings.TrimRight(strings.TrimSpace(o.API), "/")
	if api == "" {
		api = DefaultAPI
	}
	u, err := url.Parse(api)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("telegram: api %q is not an http(s) URL", api)
	}
	b := &Bot{
		token:       o.Token,
		client:      o.Client,
		log:         o.Logger,
		pollTimeout: o.PollTimeout,
		hold:        make(map[string]time.Time),
		now:         o.Now,
	}
	if b.client == nil {
		b.client = &http.Client{}
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.pollTimeout <= 0 {
		b.pollTimeout = DefaultPollTimeout
	}
	if t := b.client.Timeout; t > 0 && t < b.pollTimeout+5*time.Second {
		// The client would cut every long poll short; poll shorter instead.
		b.pollTimeout = t - 5*time.Second
	}
	if b.pollTimeout < time.Second {
		b.pollTimeout = time.Second
	}
	// The library formats the endpoint with Sprintf(endpoint, token, method).
	endpoint := strings.ReplaceAll(api, "%", "%%") + "/bot%s/%s"

	cctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	d := &ctxDoer{ctx: cctx, base: b.client}
	// NewBotAPIWithClient calls getMe through d, so it honours ctx.
	tg, err := tgbotapi.NewBotAPIWithClient(o.Token, endpoint, d)
	if err != nil {
		return nil, b.mapError("getMe", d, err)
	}
	tg.Client = b.client
	b.api = tg
	b.self = tg.Self
	b.log.Info("telegram bot ready", "username", tg.Self.UserName, "id", tg.Self.ID)
	return b, nil
}

// UserName returns the bot's @username (without the @), as getMe reported.
func (b *Bot) UserName() string { return b.self.UserName }

// ctxDoer binds the library's context-free requests to a context and
// remembers the HTTP status and Retry-After header of the response.
type ctxDoer struct {
	ctx        context.Context
	base       *http.Client
	status     int
	retryAfter string
}

// Do sends req under the doer's context.
func (d *ctxDoer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.base.Do(req.WithContext(d.ctx))
	if resp != nil {
		d.status = resp.StatusCode
		d.retryAfter = resp.Header.Get("Retry-After")
	}
	return resp, err
}

// call sends c through the library with ctx, bounded by timeout when ctx
// has no earlier deadline, and maps failures to notify's error kinds.
func (b *Bot) call(ctx context.Context, c tgbotapi.Chattable, method string, timeout time.Duration) (*tgbotapi.APIResponse, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	api := *b.api // a shallow copy: only Client differs, per call
	d := &ctxDoer{ctx: cctx, base: b.client}
	api.Client = d
	resp, err := api.Request(c)
	if err != nil {
		return nil, b.mapError(method, d, err)
	}
	return resp, nil
}

// callParams is call for a method with hand-built parameters (what the
// library's types cannot express).
func (b *Bot) callParams(ctx context.Context, method string, params tgbotapi.Params, timeout time.Duration) (*tgbotapi.APIResponse, error) {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	api := *b.api
	d := &ctxDoer{ctx: cctx, base: b.client}
	api.Client = d
	resp, err := api.MakeRequest(method, params)
	if err != nil {
		return nil, b.mapError(method, d, err)
	}
	return resp, nil
}

// APIError is a failure the Bot API reported (ok:false), with the token
// never part of it.
type APIError struct {
	Method      string
	Code        int    // error_code, or the HTTP status when the body was not JSON
	Description string // Telegram's description
}

// Error implements error.
func (e *APIError) Error() string {
	if e.Description == "" {
		return fmt.Sprintf("telegram %s: error %d", e.Method, e.Code)
	}
	return fmt.Sprintf("telegram %s: %s (error %d)", e.Method, e.Description, e.Code)
}

// permanentDescriptions are 400 descriptions meaning the chat will never
// accept messages from this bot (lower case, matched as substrings).
var permanentDescriptions = []string{
	"chat not found",
	"chat_id is empty",
	"peer_id_invalid",
	"user not found",
	"bot was kicked",
	"bot was blocked",
	"bot is not a member",
	"user is deactivated",
	"group chat was deactivated",
	"have no rights to send",
	"not enough rights to send",
	"need administrator rights",
	"channel_private",
	"chat_write_forbidden",
	"chat_restricted",
	// A forum topic that was deleted (or never existed): the destination
	// names the topic, so it is that destination that is gone.
	"message thread not found",
}

// mapError turns a library or transport error into an error without the
// token: *notify.RetryAfterError for 429, *notify.PermanentError for a chat
// that is gone, blocked us or moved, an *APIError or transport error
// otherwise (retry with backoff).
func (b *Bot) mapError(method string, d *ctxDoer, err error) error {
	var tgErr *tgbotapi.Error
	if errors.As(err, &tgErr) {
		code := tgErr.Code
		if code == 0 {
			code = d.status
		}
		apiErr := &APIError{Method: method, Code: code, Description: b.scrub(tgErr.Message)}
		switch {
		case tgErr.MigrateToChatID != 0:
			return &notify.PermanentError{Err: apiErr, MigrateTo: Destination(tgErr.MigrateToChatID, 0)}
		case code == http.StatusTooManyRequests || tgErr.RetryAfter > 0:
			after := time.Duration(tgErr.RetryAfter) * time.Second
			if after <= 0 {
				after = parseRetryAfter(d.retryAfter)
			}
			return &notify.RetryAfterError{After: after, Err: apiErr}
		case code == http.StatusForbidden:
			return &notify.PermanentError{Err: apiErr}
		case code == http.StatusBadRequest && isPermanentDescription(tgErr.Message):
			return &notify.PermanentError{Err: apiErr}
		}
		return apiErr
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		// url.Error's text holds the request URL, and with it the token:
		// keep only the cause (which stays inspectable: context errors,
		// net.Error timeouts).
		return &transportError{method: method, msg: b.scrub(urlErr.Err.Error()), err: urlErr.Err}
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if d.status != 0 && (d.status < 200 || d.status > 299 || errors.As(err, &syntaxErr) || errors.As(err, &typeErr)) {
		// Not a Bot API answer: a proxy or load balancer spoke.
		if d.status == http.StatusTooManyRequests {
			return &notify.RetryAfterError{After: parseRetryAfter(d.retryAfter), Err: &APIError{Method: method, Code: d.status, Description: "HTTP 429 without a Bot API body"}}
		}
		if d.status < 200 || d.status > 299 {
			return &APIError{Method: method, Code: d.status, Description: "HTTP " + strconv.Itoa(d.status) + " " + http.StatusText(d.status) + " without a Bot API body"}
		}
		return fmt.Errorf("telegram %s: malformed response: %s", method, b.scrub(err.Error()))
	}
	return fmt.Errorf("telegram %s: %s", method, b.scrub(err.Error()))
}

// parseRetryAfter reads an HTTP Retry-After header in seconds, defaulting
// to one second.
func parseRetryAfter(h string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return time.Second
}

func isPermanentDescription(desc string) bool {
	d := strings.ToLower(desc)
	for _, p := range permanentDescriptions {
		if strings.Contains(d, p) {
			return true
		}
	}
	return false
}

// transportError is a network failure of one API call, with the URL (and
// so the token) left out of its text.
type transportError struct {
	method string
	msg    string
	err    error
}

func (e *transportError) Error() string { return "telegram " + e.method + ": " + e.msg }

// Unwrap exposes the cause (context.Canceled, a net.Error...) without the URL.
func (e *transportError) Unwrap() error { return e.err }

// Timeout reports whether the cause was a timeout.
func (e *transportError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.err, &t) && t.Timeout()
}

// scrub removes the token, raw or URL-escaped, from s.
func (b *Bot) scrub(s string) string {
	if b.token == "" {
		return s
	}
	s = strings.ReplaceAll(s, b.token, "<token>")
	if esc := url.PathEscape(b.token); esc != b.token {
		s = strings.ReplaceAll(s, esc, "<token>")
	}
	if esc := url.QueryEscape(b.token); esc != b.token {
		s = strings.ReplaceAll(s, esc, "<token>")
	}
	return s
}

// holdUntil reports until when requests to chat must wait after a 429.
func (b *Bot) holdUntil(chat string) time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hold[chat]
}

// setHold records that chat may not be sent to before t.
func (b *Bot) setHold(chat string, t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	for k, v := range b.hold {
		if !v.After(now) {
			delete(b.hold, k)
		}
	}
	if t.After(b.hold[chat]) {
		b.hold[chat] = t
	}
}
