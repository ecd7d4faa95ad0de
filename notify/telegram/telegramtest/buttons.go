package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf16"
)

// maxCallbackData is Telegram's limit on an inline button's callback_data.
const maxCallbackData = 64

// maxCallbackAnswer is Telegram's limit on answerCallbackQuery's text.
const maxCallbackAnswer = 200

// Button is one inline keyboard button of a sent message.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// CallbackAnswer is an answerCallbackQuery call the server accepted.
type CallbackAnswer struct {
	QueryID   string
	Text      string
	ShowAlert bool
}

// buttonState is what the server keeps for inline keyboards and callback
// queries, under Server.mu.
type buttonState struct {
	queries map[string]bool // callback query id -> answered
	answers []CallbackAnswer
	nextQ   int
}

// parseKeyboard checks a reply_markup parameter as Telegram does for an
// inline keyboard: valid JSON, every button with a text and exactly one
// action, callback_data of 1 to 64 bytes. "" is no keyboard.
func parseKeyboard(raw string) ([][]Button, error) {
	if raw == "" {
		return nil, nil
	}
	var m struct {
		InlineKeyboard [][]Button `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, fmt.Errorf("can't parse reply keyboard markup JSON object")
	}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			switch {
			case b.Text == "":
				return nil, fmt.Errorf("text buttons are unallowed in the inline keyboard")
			case (b.CallbackData == "") == (b.URL == ""):
				return nil, fmt.Errorf("can't find field \"callback_data\" or \"url\"")
			case len(b.CallbackData) > maxCallbackData:
				return nil, fmt.Errorf("BUTTON_DATA_INVALID")
			}
		}
	}
	return m.InlineKeyboard, nil
}

// PushCallback queues a callback_query update: user pressed the button
// with callback data data under sent message messageID (as Sent numbers
// them, from 1), which Telegram describes with its chat, forum topic and
// current keyboard. It returns the callback query id.
func (s *Server) PushCallback(user int64, messageID int, data string) string {
	s.mu.Lock()
	if messageID < 1 || messageID > len(s.sent) {
		s.mu.Unlock()
		panic(fmt.Sprintf("telegramtest: no sent message %d", messageID))
	}
	sent := s.sent[messageID-1]
	if s.buttons.queries == nil {
		s.buttons.queries = map[string]bool{}
	}
	s.buttons.nextQ++
	qid := "cbq" + strconv.Itoa(s.buttons.nextQ)
	s.buttons.queries[qid] = false
	s.mu.Unlock()

	msg := s.messageObject(messageID, sent)
	s.push("callback_query", map[string]any{
		"id":            qid,
		"from":          map[string]any{"id": user, "is_bot": false, "first_name": "User", "username": fmt.Sprintf("user%d", user)},
		"message":       msg,
		"chat_instance": "ci" + sent.ChatID,
		"data":          data,
	})
	return qid
}

// messageObject is sent message id as Telegram shows it in updates: chat,
// forum topic, text and current inline keyboard.
func (s *Server) messageObject(id int, m Message) map[string]any {
	chatType := "private"
	if isGroupChat(m.ChatID) {
		chatType = "supergroup"
	}
	chat := map[string]any{"id": 0, "type": chatType}
	if n, err := strconv.ParseInt(m.ChatID, 10, 64); err == nil {
		chat["id"] = n
	} else {
		chat["username"] = m.ChatID[1:]
	}
	obj := map[string]any{"message_id": id, "date": m.At.Unix(), "chat": chat, "text": m.Visible,
		"from": map[string]any{"id": BotID, "is_bot": true, "first_name": "Newshound", "username": BotUserName}}
	if m.Topic != "" {
		t, _ := strconv.ParseInt(m.Topic, 10, 64)
		obj["message_thread_id"], obj["is_topic_message"] = t, true
		chat["is_forum"] = true
	}
	if len(m.Keyboard) > 0 {
		obj["reply_markup"] = map[string]any{"inline_keyboard": m.Keyboard}
	}
	return obj
}

// TopicMessage is TextMessage sent in forum topic topic of a supergroup.
func TopicMessage(chat, topic, user int64, text string) map[string]any {
	m := TextMessage(chat, user, text)
	m["message_thread_id"], m["is_topic_message"] = topic, true
	m["chat"].(map[string]any)["is_forum"] = true
	return m
}

// Answers returns the answerCallbackQuery calls accepted so far, in order.
func (s *Server) Answers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackAnswer(nil), s.buttons.answers...)
}

// Keyboard returns the current inline keyboard of sent message id (from 1).
func (s *Server) Keyboard(id int) [][]Button {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id < 1 || id > len(s.sent) {
		return nil
	}
	return s.sent[id-1].Keyboard
}

// answerCallbackQuery accepts one answer per pushed query, with Telegram's
// 200-character limit on the text.
func (s *Server) answerCallbackQuery(w http.ResponseWriter, r *http.Request) {
	id, text := r.Form.Get("callback_query_id"), r.Form.Get("text")
	if len(utf16.Encode([]rune(text))) > maxCallbackAnswer {
		APIError(http.StatusBadRequest, "Bad Request: MESSAGE_TOO_LONG", nil).write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	answered, known := s.buttons.queries[id]
	if !known || answered {
		APIError(http.StatusBadRequest, "Bad Request: query is too old and response timeout expired or query ID is invalid", nil).write(w)
		return
	}
	s.buttons.queries[id] = true
	s.buttons.answers = append(s.buttons.answers, CallbackAnswer{QueryID: id, Text: text, ShowAlert: r.Form.Get("show_alert") == "true"})
	ok(w, true)
}

// editMessageReplyMarkup replaces a sent message's inline keyboard; the
// message must be in the chat named.
func (s *Server) editMessageReplyMarkup(w http.ResponseWriter, r *http.Request) {
	kb, err := parseKeyboard(r.Form.Get("reply_markup"))
	if err != nil {
		APIError(http.StatusBadRequest, "Bad Request: "+err.Error(), nil).write(w)
		return
	}
	id, _ := strconv.Atoi(r.Form.Get("message_id"))
	s.mu.Lock()
	if id < 1 || id > len(s.sent) || s.sent[id-1].ChatID != r.Form.Get("chat_id") {
		s.mu.Unlock()
		APIError(http.StatusBadRequest, "Bad Request: message to edit not found", nil).write(w)
		return
	}
	s.sent[id-1].Keyboard = kb
	m := s.sent[id-1]
	s.mu.Unlock()
	ok(w, s.messageObject(id, m))
}

// push queues an update carrying field: value. Called without s.mu.
func (s *Server) push(field string, value any) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID
	s.nextID++
	raw, err := json.Marshal(map[string]any{"update_id": id, field: value})
	if err != nil {
		panic(fmt.Sprintf("telegramtest: update does not marshal: %v", err))
	}
	s.updates = append(s.updates, raw)
	s.updateIDs = append(s.updateIDs, id)
	close(s.wake)
	s.wake = make(chan struct{})
	return id
}
