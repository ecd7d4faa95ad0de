package telegram

import (
	"encoding/json"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// update is one getUpdates entry: the library's Update, plus what
// telegram-bot-api v5.5.1 (Bot API 5.5) predates, read from the same raw
// JSON: whether the message (a command, or the alert under a pressed
// button) is in a forum topic, and which one.
type update struct {
	tgbotapi.Update
	// topic is the forum topic (message_thread_id) of the update's message,
	// 0 outside topics.
	topic int64
}

// threadFields are the forum fields of a Message.
type threadFields struct {
	ThreadID int64 `json:"message_thread_id"`
	IsTopic  bool  `json:"is_topic_message"`
}

// topicOf returns the message's forum topic. A reply in an ordinary group
// also carries a message_thread_id (the thread of replies it belongs to);
// only is_topic_message says it names a topic that a destination can be.
func topicOf(t *threadFields) int64 {
	if t == nil || !t.IsTopic {
		return 0
	}
	return t.ThreadID
}

// UnmarshalJSON decodes the library's Update, then the forum fields beside it.
func (u *update) UnmarshalJSON(raw []byte) error {
	if err := json.Unmarshal(raw, &u.Update); err != nil {
		return err
	}
	var extra struct {
		Message       *threadFields `json:"message"`
		CallbackQuery *struct {
			Message *threadFields `json:"message"`
		} `json:"callback_query"`
	}
	if err := json.Unmarshal(raw, &extra); err != nil {
		return err
	}
	u.topic = topicOf(extra.Message)
	if extra.CallbackQuery != nil {
		u.topic = topicOf(extra.CallbackQuery.Message)
	}
	return nil
}
