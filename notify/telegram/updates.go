package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/notify"
)

// OffsetKey is the OffsetStore key under which Run keeps the next
// getUpdates offset.
const OffsetKey = "telegram.offset"

// OffsetStore persists small named values; GetState returns "" for a key
// never set. The daemon's store implements it.
type OffsetStore interface {
	GetState(ctx context.Context, key string) (string, error)
	SetState(ctx context.Context, key, value string) error
}

// Backoff bounds for getUpdates failures.
const (
	minBackoff = time.Second
	maxBackoff = time.Minute
)

// anonymousAdminBot is @GroupAnonymousBot, the sender Telegram shows for
// messages an anonymous group administrator posts as the group.
const anonymousAdminBot = 1087968824

// commandName is what Telegram accepts as a bot command name.
var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// Run registers the command list (setMyCommands) and then long-polls
// getUpdates until ctx is done, passing every command addressed to this bot
// to h and sending its reply. The offset of the next update is saved in st
// after each update is handled, so a restart neither replays nor skips
// commands. Network errors back off (capped, with jitter) and retry_after is
// obeyed. Run returns nil when ctx is done, and an error only when polling
// can never work (the token was revoked).
func (b *Bot) Run(ctx context.Context, h bot.Handler, st OffsetStore) error {
	if err := b.SetCommands(ctx, bot.Commands()); err != nil {
		b.log.Warn("telegram setMyCommands failed; commands still work, the menu may be stale", "err", err)
	}
	offset, err := b.loadOffset(ctx, st)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	backoff := minBackoff
	for ctx.Err() == nil {
		updates, err := b.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			wait, fatal := b.pollFailure(err, &backoff)
			if fatal {
				return err
			}
			if !sleep(ctx, wait) {
				return nil
			}
			continue
		}
		backoff = minBackoff
		sort.Slice(updates, func(i, j int) bool { return updates[i].UpdateID < updates[j].UpdateID })
		for _, u := range updates {
			if ctx.Err() != nil {
				return nil // the rest of the batch comes again after a restart
			}
			if u.UpdateID < offset {
				// Telegram never returns updates below the offset it was
				// given, except after a week without updates, when it
				// restarts the ids at random: take the new sequence.
				b.log.Info("telegram update ids restarted", "update_id", u.UpdateID, "offset", offset)
			}
			b.handleUpdate(ctx, h, u)
			offset = u.UpdateID + 1
			b.saveOffset(ctx, st, offset)
		}
	}
	return nil
}

// pollFailure logs a getUpdates failure and says how long to wait before
// polling again, or that polling can never succeed.
func (b *Bot) pollFailure(err error, backoff *time.Duration) (wait time.Duration, fatal bool) {
	var ra *notify.RetryAfterError
	if errors.As(err, &ra) {
		b.log.Warn("telegram getUpdates rate limited", "retry_after", ra.After)
		return ra.After, false
	}
	var api *APIError
	if errors.As(err, &api) && (api.Code == http.StatusUnauthorized || api.Code == http.StatusNotFound) {
		// 401: token revoked; 404: no such bot. Polling again cannot help.
		return 0, true
	}
	if errors.As(err, &api) && api.Code == http.StatusConflict {
		b.log.Error("telegram getUpdates conflict: another instance polls this bot, or a webhook is set", "err", err)
	} else {
		b.log.Warn("telegram getUpdates failed", "err", err, "retry_in", *backoff)
	}
	wait = *backoff/2 + rand.N(*backoff/2+1)
	*backoff = min(*backoff*2, maxBackoff)
	return wait, false
}

// sleep waits d or until ctx is done, reporting whether the full wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// getUpdates long-polls for updates from offset on.
func (b *Bot) getUpdates(ctx context.Context, offset int) ([]update, error) {
	cfg := tgbotapi.UpdateConfig{
		Offset:         offset,
		Limit:          100,
		Timeout:        int(b.pollTimeout / time.Second),
		AllowedUpdates: []string{"message", "callback_query"},
	}
	resp, err := b.call(ctx, cfg, "getUpdates", b.pollTimeout+15*time.Second)
	if err != nil {
		return nil, err
	}
	var updates []update
	if err := json.Unmarshal(resp.Result, &updates); err != nil {
		return nil, fmt.Errorf("telegram getUpdates: malformed result: %w", err)
	}
	return updates, nil
}

// loadOffset reads the saved offset, retrying store errors with backoff
// until ctx is done. A value that is not a number is logged and ignored.
func (b *Bot) loadOffset(ctx context.Context, st OffsetStore) (int, error) {
	backoff := minBackoff
	for {
		v, err := st.GetState(ctx, OffsetKey)
		if err == nil {
			if v == "" {
				return 0, nil
			}
			n, perr := strconv.Atoi(strings.TrimSpace(v))
			if perr != nil || n < 0 {
				b.log.Error("telegram: ignoring saved offset that is not a number", "value", v)
				return 0, nil
			}
			return n, nil
		}
		b.log.Warn("telegram: reading saved offset failed", "err", err, "retry_in", backoff)
		if !sleep(ctx, backoff) {
			return 0, fmt.Errorf("telegram: reading saved offset: %w", err)
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// saveOffset stores offset even when ctx was cancelled while the update was
// being handled: the update has been handled and must not run again.
func (b *Bot) saveOffset(ctx context.Context, st OffsetStore, offset int) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := st.SetState(sctx, OffsetKey, strconv.Itoa(offset)); err != nil {
		// The in-memory offset still moves on; the next save catches up.
		b.log.Error("telegram: saving offset failed; a restart may repeat the last command", "offset", offset, "err", err)
	}
}

// handleUpdate passes a command message (or a button press) to h and sends
// the reply, in the forum topic the command came from. Panics in h are
// recovered and logged, so one bogus command harms nothing else.
func (b *Bot) handleUpdate(ctx context.Context, h bot.Handler, u update) {
	if u.CallbackQuery != nil {
		b.handleCallback(ctx, h, u)
		return
	}
	m := u.Message
	if m == nil || m.Chat == nil {
		return
	}
	if m.MigrateToChatID != 0 {
		b.log.Info("telegram group became a supergroup", "chat", m.Chat.ID, "new_chat", m.MigrateToChatID)
		return
	}
	req, ok := b.request(m, u.topic)
	if !ok {
		return
	}
	reply, ok := b.safeHandle(ctx, h, req)
	if !ok || strings.TrimSpace(reply.Text) == "" {
		return
	}
	// Reply even if ctx was cancelled meanwhile: the command ran.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), requestTimeout)
	defer cancel()
	if err := b.sendPlain(rctx, chatRef{id: m.Chat.ID, topic: u.topic}, reply.Text, m.MessageID); err != nil {
		b.log.Warn("telegram: reply not delivered", "chat", m.Chat.ID, "command", req.Command, "err", err)
	}
}

func (b *Bot) safeHandle(ctx context.Context, h bot.Handler, req bot.Request) (reply bot.Reply, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("telegram: command handler panicked", "command", req.Command, "chat", req.Chat, "panic", fmt.Sprint(p))
			ok = false
		}
	}()
	return h.Handle(ctx, req), true
}

// request turns a message into a bot.Request, or reports false when the
// message is not a command for this bot (plain text, a command addressed
// to another bot, a forward, a message without a sender). A command sent
// in forum topic topic (not 0) applies to that topic: its Chat is the
// topic's destination, telegram:CHAT/TOPIC.
func (b *Bot) request(m *tgbotapi.Message, topic int64) (bot.Request, bool) {
	if m.From == nil || m.ForwardDate != 0 || m.ForwardFrom != nil || m.ForwardFromChat != nil || m.IsAutomaticForward {
		return bot.Request{}, false
	}
	cmd, target, args, ok := parseCommand(m.Text)
	if !ok {
		return bot.Request{}, false
	}
	if target != "" && !strings.EqualFold(target, b.self.UserName) {
		return bot.Request{}, false
	}
	if cmd == "start" {
		// Telegram sends /start when a user opens the bot; answer with help.
		cmd = "help"
	}
	// An anonymous administrator writes as the group itself.
	anonAdmin := m.From.ID == anonymousAdminBot && m.SenderChat != nil && m.SenderChat.ID == m.Chat.ID
	req := b.sender(m.Chat, m.From, topic, anonAdmin)
	req.Command, req.Args = cmd, args
	return req, true
}

// parseCommand splits "/Cmd@BotName rest" into the lower-case command, the
// addressed bot name (may be empty) and the trimmed rest.
func parseCommand(text string) (cmd, target, args string, ok bool) {
	if !strings.HasPrefix(text, "/") {
		return "", "", "", false
	}
	head, rest := text[1:], ""
	if i := strings.IndexFunc(head, unicode.IsSpace); i >= 0 {
		head, rest = head[:i], head[i:]
	}
	cmd, target, _ = strings.Cut(head, "@")
	cmd = strings.ToLower(cmd)
	if !commandName.MatchString(cmd) {
		return "", "", "", false
	}
	return cmd, target, strings.TrimSpace(rest), true
}

// IsChatAdmin reports whether user is the creator or an administrator of
// chat (getChatMember).
func (b *Bot) IsChatAdmin(ctx context.Context, chatID, userID int64) (bool, error) {
	cfg := tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tgbotapi.ChatConfigWithUser{ChatID: chatID, UserID: userID}}
	resp, err := b.call(ctx, cfg, "getChatMember", requestTimeout)
	if err != nil {
		return false, err
	}
	var member tgbotapi.ChatMember
	if err := json.Unmarshal(resp.Result, &member); err != nil {
		return false, fmt.Errorf("telegram getChatMember: malformed result: %w", err)
	}
	return member.Status == "creator" || member.Status == "administrator", nil
}

// SetCommands registers cmds as the bot's command menu (setMyCommands).
// Names Telegram would refuse are skipped; descriptions are fitted to
// Telegram's 3-256 characters.
func (b *Bot) SetCommands(ctx context.Context, cmds []bot.Command) error {
	var list []tgbotapi.BotCommand
	for _, c := range cmds {
		name := strings.ToLower(c.Name)
		if !commandName.MatchString(name) {
			b.log.Warn("telegram: skipping command with a name Telegram refuses", "command", c.Name)
			continue
		}
		desc := oneLine(c.MenuDescription())
		switch {
		case c.Arg != "" && c.ArgRequired:
			desc += " (" + c.Arg + ")"
		case c.Arg != "":
			desc += " (" + c.Arg + ", optional)"
		}
		if utf16Len(desc) < 3 {
			desc = "/" + name
		}
		if utf16Len(desc) > 256 {
			desc = cutUTF16(desc, 255) + ellipsis
		}
		list = append(list, tgbotapi.BotCommand{Command: name, Description: desc})
	}
	if len(list) > 100 {
		list = list[:100]
	}
	// setMyCommands returns true, not a Message: Request, not Send.
	_, err := b.call(ctx, tgbotapi.NewSetMyCommands(list...), "setMyCommands", requestTimeout)
	return err
}
