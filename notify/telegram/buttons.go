package telegram

import (
	"context"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/model"
)

// maxCallbackAnswer is Telegram's limit on answerCallbackQuery's text.
const maxCallbackAnswer = 200

// alertKeyboard is the inline keyboard under alert a (bot.AlertButtons,
// one row), or nil when a carries no buttons. It goes out as sendMessage's
// reply_markup.
func alertKeyboard(a model.Alert) any {
	bs := bot.AlertButtons(a)
	if len(bs) == 0 {
		return nil
	}
	row := make([]tgbotapi.InlineKeyboardButton, 0, len(bs))
	for _, b := range bs {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(b.Label, b.Token))
	}
	return tgbotapi.NewInlineKeyboardMarkup(row)
}

// handleCallback passes a button press (callback_query) to h as a
// bot.Request from the presser, in the chat and forum topic of the alert
// under the button. A refusal is shown to the presser alone, as an alert
// box; an action done replaces the pressed button, for everyone, with a
// line saying what was done and by whom.
func (b *Bot) handleCallback(ctx context.Context, h bot.Handler, u update) {
	q := u.CallbackQuery
	// Reply even if ctx was cancelled meanwhile: the press was handled.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), requestTimeout)
	defer cancel()
	if q.From == nil || q.Message == nil || q.Message.Chat == nil {
		// A button on an inline-mode message: none of ours.
		b.answerCallback(rctx, q.ID, "", false)
		return
	}
	m := q.Message
	req := b.sender(m.Chat, q.From, u.topic, false)
	req.Button = q.Data
	reply, ok := b.safeHandle(ctx, h, req)
	switch {
	case !ok:
		b.answerCallback(rctx, q.ID, "Sorry, something went wrong on our side. Nothing was changed.", true)
		return
	case reply.Refused || reply.Done == "":
		b.answerCallback(rctx, q.ID, reply.Text, reply.Refused)
		return
	}
	kb := doneKeyboard(m.ReplyMarkup, q.Data, reply.Done)
	edit := tgbotapi.NewEditMessageReplyMarkup(m.Chat.ID, m.MessageID, kb)
	if _, err := b.call(rctx, edit, "editMessageReplyMarkup", requestTimeout); err != nil {
		// The action stands; only the alert's buttons still look pressable.
		b.log.Warn("telegram: could not update the alert's buttons", "chat", m.Chat.ID, "err", err)
	}
	b.answerCallback(rctx, q.ID, reply.Text, false)
}

// doneKeyboard is kb with the button whose callback_data is pressed
// replaced by one labelled done that does nothing (bot.DoneToken); Telegram
// cannot disable a button. Without kb (an older client sent no markup) it is
// the done button alone.
func doneKeyboard(kb *tgbotapi.InlineKeyboardMarkup, pressed, done string) tgbotapi.InlineKeyboardMarkup {
	doneBtn := tgbotapi.NewInlineKeyboardButtonData(done, bot.DoneToken)
	var out tgbotapi.InlineKeyboardMarkup
	replaced := false
	if kb != nil {
		for _, row := range kb.InlineKeyboard {
			var nr []tgbotapi.InlineKeyboardButton
			for _, btn := range row {
				if btn.CallbackData != nil && *btn.CallbackData == pressed && !replaced {
					btn, replaced = doneBtn, true
				}
				nr = append(nr, btn)
			}
			out.InlineKeyboard = append(out.InlineKeyboard, nr)
		}
	}
	if !replaced {
		out = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(doneBtn))
	}
	return out
}

// answerCallback answers a callback query, which Telegram requires for
// every press (the client shows a spinner until then): text as a toast, or
// as an alert box the presser must dismiss when alert is set.
func (b *Bot) answerCallback(ctx context.Context, id, text string, alert bool) {
	text = oneLineKeepBreaks(text)
	if utf16Len(text) > maxCallbackAnswer {
		text = cutUTF16(text, maxCallbackAnswer-1) + ellipsis
	}
	cfg := tgbotapi.CallbackConfig{CallbackQueryID: id, Text: text, ShowAlert: alert}
	if _, err := b.call(ctx, cfg, "answerCallbackQuery", requestTimeout); err != nil {
		b.log.Warn("telegram: could not answer a button press", "err", err)
	}
}

// oneLineKeepBreaks trims text and drops control characters other than
// line breaks (an alert box shows those).
func oneLineKeepBreaks(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' {
			return -1
		}
		return r
	}, s))
}

// sender describes who sent a command or pressed a button, where: the
// chat (the forum topic's destination when topic is not 0), its kind, the
// user, and how to check whether the user administers the chat. anonAdmin
// says the message came from an anonymous administrator, posting as the group.
func (b *Bot) sender(chat *tgbotapi.Chat, from *tgbotapi.User, topic int64, anonAdmin bool) bot.Request {
	chatID, userID := chat.ID, from.ID
	kind := bot.ChatGroup
	if chat.Type == "private" {
		kind = bot.ChatPrivate
	}
	name := from.UserName
	if name == "" {
		name = strings.TrimSpace(from.FirstName + " " + from.LastName)
	}
	return bot.Request{
		Platform: "telegram",
		Chat:     Destination(chatID, topic),
		Kind:     kind,
		UserID:   strconv.FormatInt(userID, 10),
		UserName: name,
		IsChatAdmin: func(ctx context.Context) (bool, error) {
			if kind == bot.ChatPrivate || anonAdmin {
				return true, nil
			}
			return b.IsChatAdmin(ctx, chatID, userID)
		},
	}
}
