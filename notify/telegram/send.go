package telegram

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
)

// Telegram's published limits (https://core.telegram.org/bots/faq): about
// one message per second in a chat, 20 per minute in a group, 30 per second
// in all.
var (
	privateRate  = notify.Rate{N: 1, Per: time.Second}
	groupRate    = notify.Rate{N: 20, Per: time.Minute}
	platformRate = notify.Rate{N: 30, Per: time.Second}
)

// maxReplyWait is the longest retry_after a reply or notice waits for
// before giving up (alerts never wait here: the dispatcher does).
const maxReplyWait = 30 * time.Second

// Kind is the telegram destination kind: a chat by numeric id or public
// @username, optionally a forum topic of it after a slash.
var Kind = notify.Kind{
	Name:  "telegram",
	Usage: "telegram:CHAT_ID or telegram:CHAT_ID/TOPIC_ID, like telegram:-1001234567890/42",
	Check: func(target string) error {
		// One spelling per chat: subscriptions use the numeric id, so a
		// route to @name would alert the same channel a second time.
		if strings.HasPrefix(target, "@") {
			return errors.New("use the numeric chat id, not the @username")
		}
		_, err := parseTarget(target)
		return err
	},
}

// chatRef is a parsed chat: a numeric id or a public @username, and a forum
// topic (message_thread_id) or 0.
type chatRef struct {
	id       int64
	username string // with the @
	topic    int64
}

// key is the chat_id parameter Telegram sees, used for the 429 holds (a
// forum's topics share their chat's limits).
func (c chatRef) key() string {
	if c.username != "" {
		return strings.ToLower(c.username)
	}
	return strconv.FormatInt(c.id, 10)
}

// group reports whether the chat is a group, supergroup or channel: negative
// ids and @usernames (which only channels and public groups have).
func (c chatRef) group() bool { return c.username != "" || c.id < 0 }

func (c chatRef) base() tgbotapi.BaseChat {
	return tgbotapi.BaseChat{ChatID: c.id, ChannelUsername: c.username}
}

// Destination returns the destination of chat id, in topic when topic is not 0.
func Destination(chatID, topic int64) model.Destination {
	d := "telegram:" + strconv.FormatInt(chatID, 10)
	if topic != 0 {
		d += "/" + strconv.FormatInt(topic, 10)
	}
	return model.Destination(d)
}

// parseDest parses a telegram destination (see Kind).
func parseDest(dest model.Destination) (chatRef, error) {
	if dest.Kind() != Kind.Name {
		return chatRef{}, fmt.Errorf("telegram: destination %q is not telegram:CHAT_ID", dest)
	}
	c, err := parseTarget(dest.Target())
	if err != nil {
		return chatRef{}, fmt.Errorf("telegram: destination %q: %w", dest, err)
	}
	return c, nil
}

func parseTarget(target string) (chatRef, error) {
	chat, topic, hasTopic := strings.Cut(target, "/")
	var c chatRef
	if strings.HasPrefix(chat, "@") && len(chat) > 1 {
		c.username = chat
	} else {
		id, err := strconv.ParseInt(chat, 10, 64)
		if err != nil || id == 0 {
			return chatRef{}, errors.New("chat id is not a non-zero integer")
		}
		c.id = id
	}
	if hasTopic {
		t, err := strconv.ParseInt(topic, 10, 64)
		if err != nil || t <= 0 {
			return chatRef{}, errors.New("topic id is not a positive integer")
		}
		c.topic = t
	}
	return c, nil
}

// messageParams spells msg for sendMessage by hand, with what
// telegram-bot-api v5.5.1 (Bot API 5.5) lacks: message_thread_id, which
// puts the message in c's forum topic. Its Chattable cannot be extended from
// outside the library, so every message goes through MakeRequest this way.
func messageParams(c chatRef, msg tgbotapi.MessageConfig) tgbotapi.Params {
	p := tgbotapi.Params{}
	if c.username != "" {
		p["chat_id"] = c.username
	} else {
		p.AddNonZero64("chat_id", c.id)
	}
	p.AddNonZero64("message_thread_id", c.topic)
	p["text"] = msg.Text
	p.AddNonEmpty("parse_mode", msg.ParseMode)
	p.AddBool("disable_web_page_preview", msg.DisableWebPagePreview)
	p.AddBool("disable_notification", msg.DisableNotification)
	p.AddNonZero("reply_to_message_id", msg.ReplyToMessageID)
	p.AddBool("allow_sending_without_reply", msg.AllowSendingWithoutReply)
	// An inline keyboard of our own making always marshals.
	_ = p.AddInterface("reply_markup", msg.ReplyMarkup)
	return p
}

// Limits implements notify.Paced: one message per second to a private chat,
// 20 per minute to a group or channel, 30 per second for the whole bot.
func (b *Bot) Limits(dest model.Destination) (perDest, platform notify.Rate) {
	c, err := parseDest(dest)
	if err != nil || c.group() {
		return groupRate, platformRate
	}
	return privateRate, platformRate
}

// Send implements notify.Sender for "telegram:CHAT_ID" destinations: it
// posts the alert as HTML with every feed-supplied string escaped, cut to
// Telegram's length limit. It returns *notify.RetryAfterError on 429 (and
// without a request while an earlier 429 for the chat is still running),
// *notify.PermanentError when the chat is gone, blocked the bot or moved
// (MigrateTo), and other errors for failures worth retrying.
func (b *Bot) Send(ctx context.Context, a model.Alert) error {
	_, err := b.SendRef(ctx, a)
	return err
}

// SendRef implements notify.RefSender: Send, returning the message_id
// Telegram gave the alert, which Edit takes.
func (b *Bot) SendRef(ctx context.Context, a model.Alert) (model.MessageRef, error) {
	c, err := parseDest(a.Destination)
	if err != nil {
		return "", &notify.PermanentError{Err: err}
	}
	text, ok := renderAlert(a, MaxMessageLen)
	if len(a.Digest) > 0 {
		text, ok = renderDigest(a, MaxMessageLen), true
	}
	if !ok {
		return "", &notify.PermanentError{Err: fmt.Errorf("telegram: alert %d cannot be cut to %d characters", a.ID, MaxMessageLen)}
	}
	msg := tgbotapi.MessageConfig{BaseChat: c.base(), Text: text, ParseMode: tgbotapi.ModeHTML, DisableWebPagePreview: true}
	msg.DisableNotification = a.Silent // quiet hours in silent mode
	msg.ReplyMarkup = alertKeyboard(a) // "Mute this watch 24 h", "Unsubscribe"
	resp, err := b.sendMessageResp(ctx, c, "sendMessage", messageParams(c, msg))
	var api *APIError
	if errors.As(err, &api) && api.Code == 400 && strings.Contains(strings.ToLower(api.Description), "can't parse entities") {
		// Our markup is balanced by construction; should Telegram still
		// refuse it, the alert goes out as plain text rather than never.
		b.log.Warn("telegram refused alert markup; sending as plain text", "alert", a.ID, "chat", c.key(), "err", err)
		msg.Text = plainAlert(a)
		msg.ParseMode = ""
		resp, err = b.sendMessageResp(ctx, c, "sendMessage", messageParams(c, msg))
	}
	if err != nil {
		return "", err
	}
	return messageRef(resp), nil
}

// sendMessage sends one message, refusing early while a 429 for the chat
// is still running, and recording new 429s.
func (b *Bot) sendMessage(ctx context.Context, c chatRef, msg tgbotapi.MessageConfig) error {
	_, err := b.sendMessageResp(ctx, c, "sendMessage", messageParams(c, msg))
	return err
}

// sendMessageResp calls method (sendMessage, editMessageText) for chat c,
// refusing early while a 429 for the chat is still running (edits count
// against the same limits as sends), and recording new 429s.
func (b *Bot) sendMessageResp(ctx context.Context, c chatRef, method string, p tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	now := time.Now
	if b.now != nil {
		now = b.now
	}
	if until := b.holdUntil(c.key()); now().Before(until) {
		return nil, &notify.RetryAfterError{After: until.Sub(now()), Err: errors.New("telegram: chat " + c.key() + " is still rate limited")}
	}
	resp, err := b.callParams(ctx, method, p, requestTimeout)
	var ra *notify.RetryAfterError
	if errors.As(err, &ra) {
		b.setHold(c.key(), now().Add(ra.After))
	}
	return resp, err
}

// plainAlert is the alert as plain text, for the fallback without markup.
func plainAlert(a model.Alert) string {
	var sb strings.Builder
	sb.WriteString(oneLine(a.Title))
	if href := safeHref(a.Link); href != "" {
		sb.WriteString("\n" + href)
	}
	sb.WriteString("\n" + oneLine(a.Feed))
	if !a.Published.IsZero() {
		sb.WriteString(" · " + a.Published.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if s := strings.TrimSpace(cleanText(a.Snippet)); s != "" {
		if a.FromArticle {
			s = model.ArticleLabel + " " + s
		}
		sb.WriteString("\n\n" + s)
	}
	for _, w := range a.Watches {
		sb.WriteString("\n🔎 " + oneLine(w.Name) + ": " + oneLine(strings.Join(w.Terms, "; ")))
	}
	parts := splitText(sb.String(), MaxMessageLen)
	if len(parts) == 0 {
		return "(empty alert)"
	}
	return parts[0]
}

// SendText sends a plain-text notice (no parse mode: nothing in it is
// interpreted as markup), split into several messages when longer than
// Telegram's limit. It waits out a short retry_after itself.
func (b *Bot) SendText(ctx context.Context, chatID int64, text string) error {
	return b.sendPlain(ctx, chatRef{id: chatID}, text, 0)
}

// sendPlain sends text without parse mode, in as many messages as needed,
// the first one replying to replyTo when it is not zero.
func (b *Bot) sendPlain(ctx context.Context, c chatRef, text string, replyTo int) error {
	for i, part := range splitText(cleanText(text), MaxMessageLen) {
		msg := tgbotapi.MessageConfig{BaseChat: c.base(), Text: part, DisableWebPagePreview: true}
		if i == 0 && replyTo != 0 {
			msg.ReplyToMessageID = replyTo
			msg.AllowSendingWithoutReply = true
		}
		if err := b.sendWaiting(ctx, c, msg); err != nil {
			return err
		}
	}
	return nil
}

// sendWaiting sends msg, waiting out retry_after up to maxReplyWait, a few
// times at most.
func (b *Bot) sendWaiting(ctx context.Context, c chatRef, msg tgbotapi.MessageConfig) error {
	for attempt := 0; ; attempt++ {
		err := b.sendMessage(ctx, c, msg)
		var ra *notify.RetryAfterError
		if !errors.As(err, &ra) || attempt >= 3 || ra.After > maxReplyWait {
			return err
		}
		t := time.NewTimer(ra.After)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("telegram: waiting out rate limit: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// splitText splits plain text into parts of at most limit UTF-16 units,
// preferring line breaks, then spaces, never splitting a character. Parts
// are trimmed (Telegram trims messages) and empty parts dropped.
func splitText(text string, limit int) []string {
	var parts []string
	rest := strings.TrimSpace(text)
	for rest != "" {
		if utf16Len(rest) <= limit {
			parts = append(parts, rest)
			break
		}
		head := cutPrefix(rest, limit)
		cut := len(head)
		if i := strings.LastIndexByte(head, '\n'); i >= len(head)/2 {
			cut = i
		} else if i := strings.LastIndexAny(head, " \t"); i >= len(head)/2 {
			cut = i
		}
		if p := strings.TrimSpace(rest[:cut]); p != "" {
			parts = append(parts, p)
		}
		rest = strings.TrimSpace(rest[cut:])
	}
	return parts
}

// cutPrefix returns the longest prefix of s of at most n UTF-16 units,
// whole characters only (at least one character, so splitting progresses).
func cutPrefix(s string, n int) string {
	used := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if used+w > n {
			if i == 0 {
				_, size := utf8.DecodeRuneInString(s)
				return s[:size]
			}
			return s[:i]
		}
		used += w
	}
	return s
}
