package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
)

// The destination kinds this package serves.
var (
	// Kind is a text, announcement or forum channel, by id (bot token).
	Kind = notify.Kind{
		Name:  "discord",
		Usage: "discord:CHANNEL_ID, like discord:112233445566778899",
		Check: checkSnowflake("channel id"),
	}
	// DMKind is a direct message to a user, by id (bot token); admin notices go this way.
	DMKind = notify.Kind{
		Name:  "discord-dm",
		Usage: "discord-dm:USER_ID, like discord-dm:112233445566778899",
		Check: checkSnowflake("user id"),
	}
	// WebhookKind is a channel webhook (no bot token needed).
	WebhookKind = notify.Kind{
		Name:  "discord-webhook",
		Usage: "discord-webhook:https://discord.com/api/webhooks/ID/TOKEN",
		Check: func(target string) error {
			if _, _, err := webhookTarget(target); err != nil {
				return err
			}
			u, _ := url.Parse(target)
			if u.Scheme != "https" && !isLoopback(u.Hostname()) {
				return errors.New("a webhook URL must be https (http only for loopback, in tests)")
			}
			return nil
		},
	}
)

func checkSnowflake(what string) func(string) error {
	return func(target string) error {
		if !model.IsSnowflake(target) {
			return fmt.Errorf("%s %q is not a Discord id (a number)", what, target)
		}
		return nil
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Published Discord rate limits the dispatcher paces to.
var (
	channelRate = notify.Rate{N: 5, Per: 5 * time.Second}
	webhookRate = notify.Rate{N: 5, Per: 2 * time.Second}
	globalRate  = notify.Rate{N: 50, Per: time.Second}
)

// APIError is a refusal from Discord's REST API: HTTP status plus Discord's
// JSON error code and message. It never holds the request URL or headers.
type APIError struct {
	Status  int
	Code    int
	Message string
}

// Error implements error.
func (e *APIError) Error() string {
	s := "discord: HTTP " + strconv.Itoa(e.Status)
	if t := http.StatusText(e.Status); t != "" {
		s += " " + t
	}
	if e.Code != 0 {
		s += fmt.Sprintf(" (code %d)", e.Code)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// messagePayload is a channel message or webhook execution. discordgo's
// MessageSend has no nonce/enforce_nonce, so we marshal our own.
type messagePayload struct {
	Content         string                    `json:"content,omitempty"`
	Embeds          []*discordgo.MessageEmbed `json:"embeds,omitempty"`
	AllowedMentions allowedMentions           `json:"allowed_mentions"`
	Nonce           string                    `json:"nonce,omitempty"`
	EnforceNonce    bool                      `json:"enforce_nonce,omitempty"`
	// Flags carries SUPPRESS_NOTIFICATIONS for quiet hours in silent mode.
	Flags int `json:"flags,omitempty"`
	// Components are the alert's buttons (bot messages only).
	Components []discordgo.MessageComponent `json:"components,omitempty"`
}

// allowedMentions with an empty (not null) parse list: nobody is pinged.
type allowedMentions struct {
	Parse []string `json:"parse"`
}

func noMentions() allowedMentions { return allowedMentions{Parse: []string{}} }

// Nonce derives Discord's message nonce (at most 25 characters) from an
// alert: the same alert always yields the same nonce, so with enforce_nonce
// Discord returns the first message instead of posting a second one.
func Nonce(a model.Alert) string {
	key := a.Nonce
	if key == "" {
		if a.ID == 0 {
			return ""
		}
		key = "outbox-" + strconv.FormatInt(a.ID, 10)
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:maxNonce]
}

// Send delivers one alert as an embed to "discord:CHANNEL_ID" (bot token) or
// "discord-webhook:URL". A forum or media channel gets a post per alert,
// named by the headline and tagged with the forum's tags named like the
// alert's watches (see sendPost on repeats); the channel's type is looked
// up once and cached (see channel). It returns *notify.RetryAfterError on 429 or while
// a bucket is known to be exhausted, *notify.PermanentError when the
// destination refuses us for good (401, 403, 404, bad destination), and a
// plain error for 5xx, timeouts and other transient failures.
func (d *Discord) Send(ctx context.Context, a model.Alert) error {
	_, err := d.SendRef(ctx, a)
	return err
}

// alertPayload is a's message: its embed (a digest's, for a digest), the
// silent flag of quiet hours, pinging nobody. Channel destinations add the
// nonce and the buttons.
func alertPayload(a model.Alert) messagePayload {
	p := messagePayload{
		Embeds:          []*discordgo.MessageEmbed{BuildEmbed(a)},
		AllowedMentions: noMentions(),
	}
	if len(a.Digest) > 0 {
		p.Embeds[0] = buildDigestEmbed(a)
	}
	if a.Silent {
		p.Flags = flagSuppressNotifications
	}
	return p
}

// SendText posts a plain notice (escaped, cut to 2000 characters, pinging
// nobody) to any destination of this package's kinds. Errors are
// classified as in Send.
func (d *Discord) SendText(ctx context.Context, dest model.Destination, text string) error {
	p := messagePayload{Content: Escape(text, MaxContent), AllowedMentions: noMentions()}
	if strings.TrimSpace(p.Content) == "" {
		p.Content = "(empty)"
	}
	switch dest.Kind() {
	case Kind.Name:
		firstLine, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
		_, err := d.toChannel(ctx, dest.Target(), p, threadName(firstLine, "Newshound"), nil, false)
		return err
	case WebhookKind.Name:
		return d.sendWebhook(ctx, dest.Target(), p)
	case DMKind.Name:
		ch, err := d.dmChannel(ctx, dest.Target())
		if err != nil {
			return err
		}
		return d.sendChannel(ctx, ch, p)
	default:
		return &notify.PermanentError{Err: fmt.Errorf("discord: cannot send to %q", dest)}
	}
}

// Limits reports Discord's published limits for dest: 5 messages per 5s per
// channel, 5 per 2s per webhook, 50 requests per second per bot.
func (d *Discord) Limits(dest model.Destination) (perDest, platform notify.Rate) {
	if dest.Kind() == WebhookKind.Name {
		return webhookRate, globalRate
	}
	return channelRate, globalRate
}

// checkChannel refuses, for good, a channel id that is not one or a
// channel destination without a bot token.
func (d *Discord) checkChannel(channelID string) error {
	if !model.IsSnowflake(channelID) {
		return &notify.PermanentError{Err: fmt.Errorf("discord: channel id %q is not a Discord id", channelID)}
	}
	if d.bot == nil {
		return &notify.PermanentError{Err: errors.New("discord: no bot token configured (discord.token) for channel destinations")}
	}
	return nil
}

// sendChannel posts a plain message to a text, announcement, thread or DM
// channel.
func (d *Discord) sendChannel(ctx context.Context, channelID string, p messagePayload) error {
	if err := d.checkChannel(channelID); err != nil {
		return err
	}
	key := "channel:" + channelID
	if err := d.limits.check(key); err != nil {
		return err
	}
	_, err := d.postChannel(ctx, channelID, key, p)
	return err
}

// postChannel posts p to the channel and returns Discord's answer (the message).
func (d *Discord) postChannel(ctx context.Context, channelID, key string, p messagePayload) ([]byte, error) {
	endpoint := discordgo.EndpointChannelMessages(channelID)
	ctx, info := withInfo(ctx)
	body, err := d.bot.RequestWithBucketID(http.MethodPost, endpoint, p, endpoint, discordgo.WithContext(ctx))
	err = d.classify(ctx, key, "send to channel "+channelID, info, err)
	d.forgetRefused(channelID, info)
	return body, err
}

// webhookTarget validates a webhook URL and returns it with wait=true, plus
// the webhook id (safe to log).
func webhookTarget(raw string) (target, id string, err error) {
	u, perr := url.Parse(raw)
	if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", fmt.Errorf("discord: webhook destination %q is not an http(s) URL", redactURL(raw))
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 0; i+2 < len(parts); i++ {
		if parts[i] == "webhooks" && model.IsSnowflake(parts[i+1]) && parts[i+2] != "" {
			id = parts[i+1]
			break
		}
	}
	if id == "" {
		return "", "", fmt.Errorf("discord: webhook destination %q has no /webhooks/ID/TOKEN path", redactURL(raw))
	}
	q := u.Query()
	q.Set("wait", "true")
	u.RawQuery = q.Encode()
	return u.String(), id, nil
}

func (d *Discord) sendWebhook(ctx context.Context, raw string, p messagePayload) error {
	target, id, err := webhookTarget(raw)
	if err != nil {
		return &notify.PermanentError{Err: err}
	}
	key := "webhook:" + id
	if err := d.limits.check(key); err != nil {
		return err
	}
	ctx, info := withInfo(ctx)
	bucket := strings.SplitN(target, "?", 2)[0]
	_, err = d.hook.RequestWithBucketID(http.MethodPost, target, p, bucket, discordgo.WithContext(ctx))
	return d.classify(ctx, key, "execute webhook "+id, info, err)
}

// dmChannel opens (or recalls) the DM channel with a user.
func (d *Discord) dmChannel(ctx context.Context, userID string) (string, error) {
	if !model.IsSnowflake(userID) {
		return "", &notify.PermanentError{Err: fmt.Errorf("discord: user id %q is not a Discord id", userID)}
	}
	if d.bot == nil {
		return "", &notify.PermanentError{Err: errors.New("discord: no bot token configured (discord.token) for direct messages")}
	}
	d.dmMu.Lock()
	ch, ok := d.dms[userID]
	d.dmMu.Unlock()
	if ok {
		return ch, nil
	}
	ctx, info := withInfo(ctx)
	c, err := d.bot.UserChannelCreate(userID, discordgo.WithContext(ctx))
	if err = d.classify(ctx, "dm-open", "open DM with user "+userID, info, err); err != nil {
		return "", err
	}
	if c == nil || !model.IsSnowflake(c.ID) {
		return "", errors.New("discord: open DM: Discord returned no channel id")
	}
	d.dmMu.Lock()
	d.dms[userID] = c.ID
	d.dmMu.Unlock()
	return c.ID, nil
}

// classify turns a discordgo result into the notify error contract, and
// records what the response said about the bucket.
func (d *Discord) classify(ctx context.Context, key, what string, info *respInfo, err error) error {
	d.limits.observe(key, info)
	if info.status == http.StatusTooManyRequests {
		after, global := retryAfter(info, err)
		after = max(after, bucketReset(info))
		return &notify.RetryAfterError{After: after, Global: global,
			Err: fmt.Errorf("discord: %s: rate limited (HTTP 429%s)", what, scopeNote(global))}
	}
	if err == nil {
		return nil
	}
	if info.status == 0 {
		// No response: network failure, timeout or cancellation.
		if ctx.Err() != nil {
			return fmt.Errorf("discord: %s: %w", what, ctx.Err())
		}
		return fmt.Errorf("discord: %s: %w", what, d.scrub(err))
	}
	apiErr := &APIError{Status: info.status}
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Message != nil {
		apiErr.Code = rest.Message.Code
		apiErr.Message = rest.Message.Message
	}
	switch {
	case info.status == http.StatusUnauthorized:
		return &notify.PermanentError{Err: fmt.Errorf("discord: %s: the bot token or webhook token was rejected (check discord.token / the webhook URL): %w", what, apiErr)}
	case info.status == http.StatusForbidden, info.status == http.StatusNotFound:
		return &notify.PermanentError{Err: fmt.Errorf("discord: %s: %w", what, apiErr)}
	case info.status >= 500:
		return fmt.Errorf("discord: %s: server error: %w", what, apiErr)
	case info.status >= 200 && info.status < 300:
		// A 2xx with an unreadable body: delivered, most likely, but say so.
		return fmt.Errorf("discord: %s: unexpected response: %w", what, d.scrub(err))
	default:
		return fmt.Errorf("discord: %s: %w", what, apiErr)
	}
}

func scopeNote(global bool) string {
	if global {
		return ", global"
	}
	return ""
}

// retryAfter reads the wait from the 429 body (seconds, fractional), falling
// back to the Retry-After and X-RateLimit-Reset-After headers, then to 1s.
func retryAfter(info *respInfo, err error) (time.Duration, bool) {
	var body struct {
		RetryAfter *float64 `json:"retry_after"`
		Global     bool     `json:"global"`
	}
	_ = json.Unmarshal(info.body, &body)
	global := body.Global || strings.EqualFold(info.header.Get("X-RateLimit-Global"), "true") ||
		strings.EqualFold(info.header.Get("X-RateLimit-Scope"), "global")
	if body.RetryAfter != nil && *body.RetryAfter > 0 {
		return secs(*body.RetryAfter), global
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil && rl.RetryAfter > 0 {
		return rl.RetryAfter, global
	}
	for _, h := range []string{"Retry-After", "X-RateLimit-Reset-After"} {
		if f, perr := strconv.ParseFloat(info.header.Get(h), 64); perr == nil && f > 0 {
			return secs(f), global
		}
	}
	return time.Second, global
}

func secs(f float64) time.Duration {
	const maxWait = 24 * time.Hour
	if f*float64(time.Second) > float64(maxWait) {
		return maxWait
	}
	return time.Duration(f * float64(time.Second))
}

// limiter remembers buckets Discord told us are exhausted, so that the next
// send to them fails fast with the remaining wait instead of queueing inside
// discordgo (which sleeps without honouring the context).
type limiter struct {
	mu      sync.Mutex
	now     func() time.Time
	until   map[string]time.Time
	globalT time.Time
}

func newLimiter() *limiter {
	return &limiter{now: time.Now, until: map[string]time.Time{}}
}

func (l *limiter) check(key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Before(l.globalT) {
		return &notify.RetryAfterError{After: l.globalT.Sub(now), Global: true,
			Err: errors.New("discord: global rate limit in force")}
	}
	if t, ok := l.until[key]; ok {
		if now.Before(t) {
			return &notify.RetryAfterError{After: t.Sub(now),
				Err: fmt.Errorf("discord: rate limit bucket for %s exhausted", key)}
		}
		delete(l.until, key)
	}
	return nil
}

// observe records bucket state from response headers: Remaining 0 with
// Reset-After blocks the bucket; a 429 blocks it (or everything, if global)
// for its retry_after.
func (l *limiter) observe(key string, info *respInfo) {
	if info == nil || info.header == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if info.status == http.StatusTooManyRequests {
		after, global := retryAfter(info, nil)
		after = max(after, bucketReset(info))
		if global {
			l.globalT = now.Add(after)
		} else {
			l.until[key] = now.Add(after)
		}
		return
	}
	if wait := bucketReset(info); wait > 0 {
		l.until[key] = now.Add(wait)
	}
}

// bucketReset is how long the bucket stays empty, when the response says it
// is (X-RateLimit-Remaining 0 with X-RateLimit-Reset-After); discordgo would
// otherwise sleep that long, ignoring the context, on the next request.
func bucketReset(info *respInfo) time.Duration {
	if info.header == nil || info.header.Get("X-RateLimit-Remaining") != "0" {
		return 0
	}
	f, err := strconv.ParseFloat(info.header.Get("X-RateLimit-Reset-After"), 64)
	if err != nil || f <= 0 {
		return 0
	}
	return secs(f)
}
