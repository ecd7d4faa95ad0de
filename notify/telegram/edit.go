package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/notify"
)

// messageRef is the message_id of a sendMessage answer as a MessageRef
// ("" when the answer has none: the alert was sent, it just cannot be edited).
func messageRef(resp *tgbotapi.APIResponse) model.MessageRef {
	if resp == nil {
		return ""
	}
	var m struct {
		MessageID int64 `json:"message_id"`
	}
	if json.Unmarshal(resp.Result, &m) != nil || m.MessageID == 0 {
		return ""
	}
	return model.MessageRef(strconv.FormatInt(m.MessageID, 10))
}

// Descriptions of editMessageText answers (lower case, substrings). An
// unchanged message is what we wanted; one deleted or too old to edit is
// left as it is (notify.ErrMessageGone), never sent again.
var (
	notModified  = "message is not modified"
	goneMessages = []string{"message to edit not found", "message can't be edited", "message_id_invalid"}
)

// Edit implements notify.Editor: editMessageText of the message ref (a
// message_id SendRef returned) in a's chat with a rendered as Send renders
// it, HTML with every feed-supplied string escaped. Edits count against
// the chat's rate limits like sends: a 429 is a *notify.RetryAfterError.
func (b *Bot) Edit(ctx context.Context, ref model.MessageRef, a model.Alert) error {
	c, err := parseDest(a.Destination)
	if err != nil {
		return &notify.PermanentError{Err: err}
	}
	id, err := strconv.ParseInt(string(ref), 10, 64)
	if err != nil || id <= 0 {
		return fmt.Errorf("telegram: message ref %q: %w", ref, notify.ErrMessageGone)
	}
	text, ok := renderAlert(a, MaxMessageLen)
	if !ok {
		return &notify.PermanentError{Err: fmt.Errorf("telegram: alert %d cannot be cut to %d characters", a.ID, MaxMessageLen)}
	}
	p := tgbotapi.Params{}
	if c.username != "" {
		p["chat_id"] = c.username
	} else {
		p.AddNonZero64("chat_id", c.id)
	}
	p.AddNonZero64("message_id", id)
	p["text"] = text
	p["parse_mode"] = tgbotapi.ModeHTML
	p.AddBool("disable_web_page_preview", true)
	// An edit without reply_markup would drop the alert's buttons.
	if kb := alertKeyboard(a); kb != nil {
		_ = p.AddInterface("reply_markup", kb)
	}
	_, err = b.sendMessageResp(ctx, c, "editMessageText", p)
	var api *APIError
	if errors.As(err, &api) && api.Code == 400 {
		desc := strings.ToLower(api.Description)
		if strings.Contains(desc, notModified) {
			return nil
		}
		for _, g := range goneMessages {
			if strings.Contains(desc, g) {
				return fmt.Errorf("%w: %w", notify.ErrMessageGone, err)
			}
		}
	}
	return err
}

var (
	_ notify.RefSender = (*Bot)(nil)
	_ notify.Editor    = (*Bot)(nil)
)
