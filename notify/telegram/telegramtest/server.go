// Package telegramtest is a loopback fake of the Telegram Bot API for tests:
// getMe, getUpdates (with Telegram's offset confirmation and long polling),
// sendMessage (with Telegram's HTML rules and 4096-character limit, forum
// topics by message_thread_id, inline keyboards), editMessageText (see
// Edit), button presses (callback_query updates, answerCallbackQuery,
// editMessageReplyMarkup),
// setMyCommands and getChatMember, scripted failures, and optional
// enforcement of Telegram's rate limits with 429 answers. Point a bot at
// Server.URL (the {api} of {api}/bot{token}/{method}).
package telegramtest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// BotUserName is the @username getMe reports.
const BotUserName = "newshound_bot"

// BotID is the bot's user id getMe reports.
const BotID = 42

// MaxMessageLen is Telegram's limit on a message's text after entity
// parsing, in UTF-16 code units.
const MaxMessageLen = 4096

// Reply is a scripted HTTP answer. A Body starting with "{" is sent as JSON.
type Reply struct {
	Status int
	Body   string
	Header map[string]string
}

// APIError builds a Bot API error reply; params may be nil or hold
// "retry_after" / "migrate_to_chat_id".
func APIError(code int, description string, params map[string]any) Reply {
	body := map[string]any{"ok": false, "error_code": code, "description": description}
	if params != nil {
		body["parameters"] = params
	}
	raw, _ := json.Marshal(body)
	return Reply{Status: code, Body: string(raw)}
}

// Message is a sendMessage call the server accepted.
type Message struct {
	ChatID    string
	Topic     string // message_thread_id (a forum topic), "" if none
	Text      string // as sent (HTML when ParseMode is HTML)
	ParseMode string
	ReplyTo   string // reply_to_message_id, "" if none
	NoPreview bool   // disable_web_page_preview
	Visible   string // the text after entity parsing, trimmed
	// VisibleLen is Visible's length in UTF-16 code units.
	VisibleLen int
	Entities   []Entity
	At         time.Time
	// Silent is disable_notification (quiet hours in silent mode).
	Silent bool
	// Keyboard is the message's inline keyboard (reply_markup), as sent or
	// as editMessageReplyMarkup last set it.
	Keyboard [][]Button
}

// Entity is a formatting entity found while parsing Telegram HTML.
type Entity struct {
	Type string // "b", "i", "a", ...
	Text string // the visible text it covers
	Href string // for "a"
}

// Rate allows at most N accepted messages in any window of length Per.
type Rate struct {
	N   int
	Per time.Duration
}

// Limits are the rate limits the server enforces on sendMessage; a zero
// Rate is not enforced. Tolerance is subtracted from each window to absorb
// timer jitter in the client.
type Limits struct {
	Private   Rate // per private chat (positive id)
	Group     Rate // per group, supergroup or channel (negative id or @name)
	Global    Rate // for the whole bot
	Tolerance time.Duration
}

// TelegramLimits returns Telegram's published limits: 1 message per second
// in a chat, 20 per minute in a group, 30 per second in all.
func TelegramLimits() Limits {
	return Limits{
		Private: Rate{N: 1, Per: time.Second},
		Group:   Rate{N: 20, Per: time.Minute},
		Global:  Rate{N: 30, Per: time.Second},
	}
}

// Server is the fake Bot API. It is safe for concurrent use.
type Server struct {
	token string
	srv   *httptest.Server

	mu        sync.Mutex
	updates   []json.RawMessage
	updateIDs []int
	nextID    int
	wake      chan struct{}
	sent      []Message
	commands  []map[string]string
	members   map[string]string          // "chat/user" -> status
	failChat  map[string][]Reply         // chat_id -> replies before success
	topics    map[string]map[string]bool // forum chat_id -> its topics (message_thread_id)
	failCall  map[string][]Reply         // method -> replies before success
	calls     map[string][]time.Time
	limits    Limits
	accepted  map[string][]time.Time // chat_id -> accepted sends (rate windows)
	global    []time.Time
	limited   int
	buttons   buttonState
	edits     []Edit       // accepted editMessageText calls (edit.go)
	deleted   map[int]bool // message ids deleted by DeleteMessage
}

// NewServer starts a fake Bot API that accepts token. Close it when done.
func NewServer(token string) *Server {
	s := &Server{
		token:    token,
		nextID:   1000,
		wake:     make(chan struct{}),
		members:  map[string]string{},
		failChat: map[string][]Reply{},
		topics:   map[string]map[string]bool{},
		failCall: map[string][]Reply{},
		calls:    map[string][]time.Time{},
		accepted: map[string][]time.Time{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the API base: requests go to URL/bot{token}/{method}.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// SetLimits makes sendMessage answer 429 (with retry_after, as Telegram
// does) when a message would exceed l.
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
}

// SetMember sets user's status in chat for getChatMember ("creator",
// "administrator", "member", ...). Unknown pairs are "member".
func (s *Server) SetMember(chat, user int64, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[fmt.Sprintf("%d/%d", chat, user)] = status
}

// FailChat queues replies that sendMessage to chatID (the chat_id
// parameter, e.g. "-100123") gets before it succeeds again.
func (s *Server) FailChat(chatID string, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failChat[chatID] = append(s.failChat[chatID], replies...)
}

// SetTopics makes chatID (the chat_id parameter) a forum whose topics are
// the given message_thread_ids: sendMessage to any other topic of it fails
// as Telegram's does, 400 "Bad Request: message thread not found". A
// message without a topic goes to the forum's General topic. Chats never
// given topics accept any message_thread_id.
func (s *Server) SetTopics(chatID string, topics ...int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := map[string]bool{}
	for _, t := range topics {
		set[strconv.FormatInt(t, 10)] = true
	}
	s.topics[chatID] = set
}

// FailCall queues replies that the next calls of method get.
func (s *Server) FailCall(method string, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCall[method] = append(s.failCall[method], replies...)
}

// Sent returns the messages accepted so far, in order.
func (s *Server) Sent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.sent...)
}

// Limited is how many sendMessage calls were answered 429 by rate
// enforcement (scripted failures excluded).
func (s *Server) Limited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// Calls returns the arrival times of every call of method.
func (s *Server) Calls(method string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.calls[method]...)
}

// Commands returns the last command list set with setMyCommands, as
// {"command":..., "description":...} objects.
func (s *Server) Commands() []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]string(nil), s.commands...)
}

// PushMessage queues an update carrying msg (a Bot API Message object);
// message_id defaults to a unique number. It returns the update_id.
func (s *Server) PushMessage(msg map[string]any) int {
	s.mu.Lock()
	if _, set := msg["message_id"]; !set {
		msg["message_id"] = s.nextID
	}
	s.mu.Unlock()
	return s.push("message", msg)
}

// TextMessage builds a text message from user in chat: a private chat for
// a positive id, a supergroup for a negative one.
func TextMessage(chat, user int64, text string) map[string]any {
	ctype := "private"
	if chat < 0 {
		ctype = "supergroup"
	}
	return map[string]any{
		"date": time.Now().Unix(),
		"chat": map[string]any{"id": chat, "type": ctype},
		"from": map[string]any{"id": user, "is_bot": false, "first_name": "User", "username": fmt.Sprintf("user%d", user)},
		"text": text,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func ok(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func (r Reply) write(w http.ResponseWriter) {
	for k, v := range r.Header {
		w.Header().Set(k, v)
	}
	if strings.HasPrefix(r.Body, "{") {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(r.Status)
	_, _ = w.Write([]byte(r.Body))
}

var (
	pathRE    = regexp.MustCompile(`^/bot([^/]+)/([A-Za-z]+)$`)
	commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	hrefRE    = regexp.MustCompile(`^href="([^"]*)"$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		APIError(http.StatusNotFound, "Not Found", nil).write(w)
		return
	}
	if m[1] != s.token {
		APIError(http.StatusUnauthorized, "Unauthorized", nil).write(w)
		return
	}
	if err := r.ParseForm(); err != nil {
		APIError(http.StatusBadRequest, "Bad Request: malformed form", nil).write(w)
		return
	}
	method := m[2]
	s.mu.Lock()
	s.calls[method] = append(s.calls[method], time.Now())
	if q := s.failCall[method]; len(q) > 0 {
		s.failCall[method] = q[1:]
		s.mu.Unlock()
		q[0].write(w)
		return
	}
	s.mu.Unlock()
	switch method {
	case "getMe":
		ok(w, map[string]any{"id": BotID, "is_bot": true, "first_name": "Newshound", "username": BotUserName})
	case "getUpdates":
		s.getUpdates(w, r)
	case "sendMessage":
		s.sendMessage(w, r)
	case "answerCallbackQuery":
		s.answerCallbackQuery(w, r)
	case "editMessageReplyMarkup":
		s.editMessageReplyMarkup(w, r)
	case "editMessageText":
		s.editMessageText(w, r)
	case "setMyCommands":
		s.setMyCommands(w, r)
	case "getChatMember":
		chat, user := r.Form.Get("chat_id"), r.Form.Get("user_id")
		s.mu.Lock()
		status, found := s.members[chat+"/"+user]
		s.mu.Unlock()
		if !found {
			status = "member"
		}
		uid, _ := strconv.ParseInt(user, 10, 64)
		ok(w, map[string]any{"user": map[string]any{"id": uid, "is_bot": false, "first_name": "U"}, "status": status})
	default:
		APIError(http.StatusNotFound, "Not Found: method not found", nil).write(w)
	}
}

func (s *Server) setMyCommands(w http.ResponseWriter, r *http.Request) {
	var cmds []map[string]string
	if err := json.Unmarshal([]byte(r.Form.Get("commands")), &cmds); err != nil {
		APIError(http.StatusBadRequest, "Bad Request: can't parse commands JSON", nil).write(w)
		return
	}
	if len(cmds) > 100 {
		APIError(http.StatusBadRequest, "Bad Request: too many commands", nil).write(w)
		return
	}
	for _, c := range cmds {
		if !commandRE.MatchString(c["command"]) {
			APIError(http.StatusBadRequest, "Bad Request: BOT_COMMAND_INVALID", nil).write(w)
			return
		}
		if n := len(utf16.Encode([]rune(c["description"]))); n < 1 || n > 256 {
			APIError(http.StatusBadRequest, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID", nil).write(w)
			return
		}
	}
	s.mu.Lock()
	s.commands = cmds
	s.mu.Unlock()
	ok(w, true)
}

// getUpdates follows Telegram: updates below offset are confirmed and
// forgotten; with none pending it waits up to timeout seconds.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.Atoi(r.Form.Get("offset"))
	limit, _ := strconv.Atoi(r.Form.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(r.Form.Get("timeout"))
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if offset > 0 {
			for len(s.updateIDs) > 0 && s.updateIDs[0] < offset {
				s.updateIDs, s.updates = s.updateIDs[1:], s.updates[1:]
			}
		}
		n := min(limit, len(s.updates))
		batch := append([]json.RawMessage{}, s.updates[:n]...)
		wake := s.wake
		s.mu.Unlock()
		if n > 0 || timeout <= 0 {
			ok(w, batch)
			return
		}
		select {
		case <-wake:
		case <-deadline.C:
			ok(w, []json.RawMessage{})
			return
		case <-r.Context().Done():
			return
		}
	}
}

func isGroupChat(chat string) bool {
	return strings.HasPrefix(chat, "-") || strings.HasPrefix(chat, "@")
}

// admit applies the rate limits to a message for chat at now, returning
// the seconds to wait (Telegram rounds up) or 0 when it may go. Called
// with s.mu held.
func (s *Server) admit(chat string, now time.Time) int {
	l := s.limits
	rate := l.Private
	if isGroupChat(chat) {
		rate = l.Group
	}
	wait := time.Duration(0)
	if w := windowWait(s.accepted[chat], rate, l.Tolerance, now); w > wait {
		wait = w
	}
	if w := windowWait(s.global, l.Global, l.Tolerance, now); w > wait {
		wait = w
	}
	if wait > 0 {
		return int(math.Ceil(wait.Seconds()))
	}
	return 0
}

// windowWait is how long until one more event fits in rate, given the
// accepted events' times.
func windowWait(times []time.Time, rate Rate, tolerance time.Duration, now time.Time) time.Duration {
	if rate.N <= 0 || rate.Per <= 0 || len(times) < rate.N {
		return 0
	}
	window := rate.Per - tolerance
	oldest := times[len(times)-rate.N] // the N-th most recent
	if d := oldest.Add(window).Sub(now); d > 0 {
		return d
	}
	return 0
}

func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request) {
	chat := r.Form.Get("chat_id")
	if chat == "" {
		APIError(http.StatusBadRequest, "Bad Request: chat_id is empty", nil).write(w)
		return
	}
	s.mu.Lock()
	if q := s.failChat[chat]; len(q) > 0 {
		s.failChat[chat] = q[1:]
		s.mu.Unlock()
		q[0].write(w)
		return
	}
	topic := r.Form.Get("message_thread_id")
	forum, isForum := s.topics[chat]
	unknownTopic := topic != "" && isForum && !forum[topic]
	s.mu.Unlock()
	if unknownTopic {
		APIError(http.StatusBadRequest, "Bad Request: message thread not found", nil).write(w)
		return
	}
	text := r.Form.Get("text")
	msg := Message{ChatID: chat, Topic: topic, Text: text, ParseMode: r.Form.Get("parse_mode"), ReplyTo: r.Form.Get("reply_to_message_id"), NoPreview: r.Form.Get("disable_web_page_preview") == "true"}
	switch strings.ToUpper(msg.ParseMode) {
	case "":
		msg.Visible = text
	case "HTML":
		vis, ents, err := ParseHTML(text)
		if err != nil {
			APIError(http.StatusBadRequest, "Bad Request: can't parse entities: "+err.Error(), nil).write(w)
			return
		}
		msg.Visible, msg.Entities = vis, ents
	default:
		APIError(http.StatusBadRequest, "Bad Request: unsupported parse_mode", nil).write(w)
		return
	}
	kb, err := parseKeyboard(r.Form.Get("reply_markup"))
	if err != nil {
		APIError(http.StatusBadRequest, "Bad Request: "+err.Error(), nil).write(w)
		return
	}
	msg.Keyboard, msg.Silent = kb, r.Form.Get("disable_notification") == "true"
	msg.Visible = strings.TrimSpace(msg.Visible)
	msg.VisibleLen = len(utf16.Encode([]rune(msg.Visible)))
	if msg.VisibleLen == 0 {
		APIError(http.StatusBadRequest, "Bad Request: message text is empty", nil).write(w)
		return
	}
	if msg.VisibleLen > MaxMessageLen {
		APIError(http.StatusBadRequest, "Bad Request: message is too long", nil).write(w)
		return
	}
	s.mu.Lock()
	now := time.Now()
	if wait := s.admit(chat, now); wait > 0 {
		s.limited++
		s.mu.Unlock()
		r := APIError(http.StatusTooManyRequests, fmt.Sprintf("Too Many Requests: retry after %d", wait), map[string]any{"retry_after": wait})
		r.Header = map[string]string{"Retry-After": strconv.Itoa(wait)}
		r.write(w)
		return
	}
	s.accepted[chat] = append(s.accepted[chat], now)
	s.global = append(s.global, now)
	msg.At = now
	s.sent = append(s.sent, msg)
	id := len(s.sent)
	s.mu.Unlock()
	chatType := "private"
	if isGroupChat(chat) {
		chatType = "supergroup"
	}
	chatObj := map[string]any{"id": 0, "type": chatType}
	if n, err := strconv.ParseInt(chat, 10, 64); err == nil {
		chatObj["id"] = n
	} else {
		chatObj["username"] = strings.TrimPrefix(chat, "@")
	}
	ok(w, map[string]any{"message_id": id, "date": now.Unix(), "chat": chatObj, "text": msg.Visible})
}

// ParseHTML parses s the way Telegram's HTML parse mode does, strictly:
// only Telegram's tags, every tag closed in order, only the entities &lt;
// &gt; &amp; &quot; and numeric ones, no bare < > or &. It returns the
// visible text and the entities.
func ParseHTML(s string) (string, []Entity, error) {
	allowed := map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true, "tg-spoiler": true, "blockquote": true}
	type open struct {
		name  string
		href  string
		start int // byte offset in the visible text
	}
	var (
		vis   strings.Builder
		stack []open
		ents  []Entity
	)
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", nil, fmt.Errorf("unclosed start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+end]
			i += end + 1
			if name, closing := strings.CutPrefix(tag, "/"); closing {
				if len(stack) == 0 || stack[len(stack)-1].name != name {
					return "", nil, fmt.Errorf("unmatched end tag %q", name)
				}
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				ents = append(ents, Entity{Type: name, Text: vis.String()[top.start:], Href: top.href})
				continue
			}
			name, attrs, _ := strings.Cut(tag, " ")
			if !allowed[name] {
				return "", nil, fmt.Errorf("unsupported start tag %q", name)
			}
			o := open{name: name, start: vis.Len()}
			if name == "a" {
				m := hrefRE.FindStringSubmatch(strings.TrimSpace(attrs))
				if m == nil {
					return "", nil, fmt.Errorf("bad a attributes %q", attrs)
				}
				href, err := decodeEntities(m[1])
				if err != nil {
					return "", nil, err
				}
				o.href = href
			} else if strings.TrimSpace(attrs) != "" {
				return "", nil, fmt.Errorf("unexpected attributes on %q", name)
			}
			stack = append(stack, o)
		case '>':
			return "", nil, fmt.Errorf("bare > at byte offset %d", i)
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 || end > 10 {
				return "", nil, fmt.Errorf("bare & at byte offset %d", i)
			}
			dec, err := decodeEntities(s[i : i+end+1])
			if err != nil {
				return "", nil, err
			}
			vis.WriteString(dec)
			i += end + 1
		default:
			vis.WriteByte(c)
			i++
		}
	}
	if len(stack) > 0 {
		return "", nil, fmt.Errorf("unclosed tag %q", stack[len(stack)-1].name)
	}
	return vis.String(), ents, nil
}

// decodeEntities decodes the entities Telegram knows and rejects bare &
// and <.
func decodeEntities(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			return "", fmt.Errorf("bare < in %q", s)
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 {
				return "", fmt.Errorf("bare & in %q", s)
			}
			name := s[i+1 : i+end]
			switch {
			case name == "lt":
				b.WriteByte('<')
			case name == "gt":
				b.WriteByte('>')
			case name == "amp":
				b.WriteByte('&')
			case name == "quot":
				b.WriteByte('"')
			case strings.HasPrefix(name, "#"):
				n, err := strconv.Atoi(name[1:])
				if err != nil || n <= 0 || n > 0x10FFFF {
					return "", fmt.Errorf("bad numeric entity %q", name)
				}
				b.WriteRune(rune(n))
			default:
				return "", fmt.Errorf("unsupported entity &%s;", name)
			}
			i += end + 1
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String(), nil
}
