package telegramtest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// Edit is an editMessageText call the server accepted.
type Edit struct {
	ChatID    string
	MessageID int
	Text      string // as sent
	Visible   string // after entity parsing, trimmed
	At        time.Time
}

// Edits returns the edits accepted so far, in order.
func (s *Server) Edits() []Edit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Edit(nil), s.edits...)
}

// DeleteMessage deletes the message id (as a user would): editing it then
// fails with "message to edit not found".
func (s *Server) DeleteMessage(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleted == nil {
		s.deleted = map[int]bool{}
	}
	s.deleted[id] = true
}

// editMessageText follows Telegram: the message must be one this bot sent
// to that chat and not deleted; new text identical to the current one is
// refused as "message is not modified"; the text obeys the rules of
// sendMessage; and an edit counts against the chat's rate limits like a
// send (Telegram's 20 a minute in a group are messages and edits together).
// An accepted edit replaces the message's text in Sent.
func (s *Server) editMessageText(w http.ResponseWriter, r *http.Request) {
	chat := r.Form.Get("chat_id")
	id, err := strconv.Atoi(r.Form.Get("message_id"))
	if chat == "" || err != nil || id <= 0 {
		APIError(http.StatusBadRequest, "Bad Request: message identifier is not specified", nil).write(w)
		return
	}
	text := r.Form.Get("text")
	visible := text
	if strings.EqualFold(r.Form.Get("parse_mode"), "HTML") {
		vis, _, err := ParseHTML(text)
		if err != nil {
			APIError(http.StatusBadRequest, "Bad Request: can't parse entities: "+err.Error(), nil).write(w)
			return
		}
		visible = vis
	}
	visible = strings.TrimSpace(visible)
	if n := len(utf16.Encode([]rune(visible))); n == 0 || n > MaxMessageLen {
		APIError(http.StatusBadRequest, "Bad Request: message text is empty or too long", nil).write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id > len(s.sent) || s.sent[id-1].ChatID != chat || s.deleted[id] {
		APIError(http.StatusBadRequest, "Bad Request: message to edit not found", nil).write(w)
		return
	}
	if s.sent[id-1].Text == text {
		APIError(http.StatusBadRequest, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message", nil).write(w)
		return
	}
	now := time.Now()
	if wait := s.admit(chat, now); wait > 0 {
		s.limited++
		r := APIError(http.StatusTooManyRequests, fmt.Sprintf("Too Many Requests: retry after %d", wait), map[string]any{"retry_after": wait})
		r.Header = map[string]string{"Retry-After": strconv.Itoa(wait)}
		r.write(w)
		return
	}
	s.accepted[chat] = append(s.accepted[chat], now)
	s.global = append(s.global, now)
	s.sent[id-1].Text, s.sent[id-1].Visible = text, visible
	s.edits = append(s.edits, Edit{ChatID: chat, MessageID: id, Text: text, Visible: visible, At: now})
	ok(w, map[string]any{"message_id": id, "date": now.Unix(), "edit_date": now.Unix(), "text": visible})
}
