package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// testToken looks like a real token; tests check it never leaks.
const (
	testToken  = "123456789:AAF-secretPART_xyz0987654321abcdefgh"
	testSecret = "secretPART_xyz0987654321"
	botName    = "newshound_bot"
)

// fakeReply is a scripted HTTP answer.
type fakeReply struct {
	status int
	body   string // raw body; JSON unless testing proxies
	header map[string]string
}

// sentMessage is a sendMessage call the fake accepted.
type sentMessage struct {
	ChatID     string
	Text       string // as sent (HTML when ParseMode is HTML)
	ParseMode  string
	ReplyTo    string
	NoPreview  bool
	Visible    string // text after entity parsing
	Entities   []entity
	VisibleLen int // UTF-16 units
}

// fakeAPI is a loopback Telegram Bot API: enough of getMe, getUpdates,
// sendMessage, setMyCommands and getChatMember, with Telegram's rules on
// HTML markup, message length and update confirmation.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	updates   []json.RawMessage // pending, in order
	updateIDs []int
	nextID    int
	newUpdate chan struct{}
	sent      []sentMessage
	commands  []map[string]string
	members   map[string]string      // "chat/user" -> status
	failSend  map[string][]fakeReply // chat_id -> replies before success
	failCalls map[string][]fakeReply // method -> replies before success
	calls     map[string]int         // method -> count
	callTimes map[string][]time.Time // method -> arrival times
	polls     []time.Time            // getUpdates arrival times
	lastOff   int                    // last getUpdates offset
	badPaths  int
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{
		t:         t,
		nextID:    1000,
		newUpdate: make(chan struct{}),
		members:   map[string]string{},
		failSend:  map[string][]fakeReply{},
		failCalls: map[string][]fakeReply{},
		calls:     map[string]int{},
		callTimes: map[string][]time.Time{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// newBot connects a Bot to the fake.
func (f *fakeAPI) newBot(t *testing.T, o Options) *Bot {
	t.Helper()
	o.Token = testToken
	o.API = f.srv.URL
	if o.PollTimeout == 0 {
		o.PollTimeout = time.Second
	}
	b, err := New(context.Background(), o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func ok(w http.ResponseWriter, result any) {
	writeJSON(w, 200, map[string]any{"ok": true, "result": result})
}

func apiFail(w http.ResponseWriter, code int, desc string, params map[string]any) {
	body := map[string]any{"ok": false, "error_code": code, "description": desc}
	if params != nil {
		body["parameters"] = params
	}
	writeJSON(w, code, body)
}

func (r fakeReply) write(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header().Set(k, v)
	}
	if strings.HasPrefix(r.body, "{") {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(r.status)
	_, _ = w.Write([]byte(r.body))
}

var pathRE = regexp.MustCompile(`^/bot([^/]+)/([A-Za-z]+)$`)

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		f.mu.Lock()
		f.badPaths++
		f.mu.Unlock()
		apiFail(w, 404, "Not Found", nil)
		return
	}
	if m[1] != testToken {
		apiFail(w, 401, "Unauthorized", nil)
		return
	}
	if err := r.ParseForm(); err != nil {
		apiFail(w, 400, "Bad Request: bad form", nil)
		return
	}
	method := m[2]
	f.mu.Lock()
	f.calls[method]++
	f.callTimes[method] = append(f.callTimes[method], time.Now())
	if q := f.failCalls[method]; len(q) > 0 {
		f.failCalls[method] = q[1:]
		f.mu.Unlock()
		q[0].write(w)
		return
	}
	f.mu.Unlock()
	switch method {
	case "getMe":
		ok(w, map[string]any{"id": 42, "is_bot": true, "first_name": "Newshound", "username": botName})
	case "getUpdates":
		f.getUpdates(w, r)
	case "sendMessage":
		f.sendMessage(w, r)
	case "setMyCommands":
		var cmds []map[string]string
		if err := json.Unmarshal([]byte(r.Form.Get("commands")), &cmds); err != nil {
			apiFail(w, 400, "Bad Request: can't parse commands JSON", nil)
			return
		}
		for _, c := range cmds {
			if !regexp.MustCompile(`^[a-z0-9_]{1,32}$`).MatchString(c["command"]) {
				apiFail(w, 400, "Bad Request: BOT_COMMAND_INVALID", nil)
				return
			}
			if n := len(utf16.Encode([]rune(c["description"]))); n < 1 || n > 256 {
				apiFail(w, 400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID", nil)
				return
			}
		}
		f.mu.Lock()
		f.commands = cmds
		f.mu.Unlock()
		ok(w, true)
	case "getChatMember":
		chat, user := r.Form.Get("chat_id"), r.Form.Get("user_id")
		f.mu.Lock()
		status, found := f.members[chat+"/"+user]
		f.mu.Unlock()
		if !found {
			status = "member"
		}
		uid, _ := strconv.ParseInt(user, 10, 64)
		ok(w, map[string]any{"user": map[string]any{"id": uid, "is_bot": false, "first_name": "U"}, "status": status})
	default:
		apiFail(w, 404, "Not Found: method not found", nil)
	}
}

// getUpdates follows Telegram: updates below offset are confirmed and
// forgotten; with none pending it waits up to timeout seconds.
func (f *fakeAPI) getUpdates(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.Atoi(r.Form.Get("offset"))
	limit, _ := strconv.Atoi(r.Form.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(r.Form.Get("timeout"))
	deadline := time.NewTimer(time.Duration(timeout) * time.Second)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		f.polls = append(f.polls, time.Now())
		f.lastOff = offset
		if offset > 0 {
			for len(f.updateIDs) > 0 && f.updateIDs[0] < offset {
				f.updateIDs, f.updates = f.updateIDs[1:], f.updates[1:]
			}
		}
		n := min(limit, len(f.updates))
		batch := append([]json.RawMessage(nil), f.updates[:n]...)
		wake := f.newUpdate
		f.mu.Unlock()
		if n > 0 || timeout == 0 {
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

// push queues a message update and returns its update_id.
func (f *fakeAPI) push(msg map[string]any) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.nextID
	f.nextID++
	if _, set := msg["message_id"]; !set {
		msg["message_id"] = id - 900
	}
	raw, err := json.Marshal(map[string]any{"update_id": id, "message": msg})
	if err != nil {
		f.t.Fatal(err)
	}
	f.updates = append(f.updates, raw)
	f.updateIDs = append(f.updateIDs, id)
	close(f.newUpdate)
	f.newUpdate = make(chan struct{})
	return id
}

// textMsg builds a text message from user in chat (negative chat = group).
func textMsg(chat, user int64, text string) map[string]any {
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

func (f *fakeAPI) sendMessage(w http.ResponseWriter, r *http.Request) {
	chat := r.Form.Get("chat_id")
	if chat == "" {
		apiFail(w, 400, "Bad Request: chat_id is empty", nil)
		return
	}
	f.mu.Lock()
	if q := f.failSend[chat]; len(q) > 0 {
		f.failSend[chat] = q[1:]
		f.mu.Unlock()
		q[0].write(w)
		return
	}
	f.mu.Unlock()
	text := r.Form.Get("text")
	msg := sentMessage{ChatID: chat, Text: text, ParseMode: r.Form.Get("parse_mode"), ReplyTo: r.Form.Get("reply_to_message_id"), NoPreview: r.Form.Get("disable_web_page_preview") == "true"}
	switch strings.ToUpper(msg.ParseMode) {
	case "":
		msg.Visible = text
	case "HTML":
		vis, ents, err := parseTelegramHTML(text)
		if err != nil {
			apiFail(w, 400, "Bad Request: can't parse entities: "+err.Error(), nil)
			return
		}
		msg.Visible, msg.Entities = vis, ents
	default:
		apiFail(w, 400, "Bad Request: unsupported parse_mode", nil)
		return
	}
	msg.Visible = strings.TrimSpace(msg.Visible)
	msg.VisibleLen = len(utf16.Encode([]rune(msg.Visible)))
	if msg.VisibleLen == 0 {
		apiFail(w, 400, "Bad Request: message text is empty", nil)
		return
	}
	if msg.VisibleLen > 4096 {
		apiFail(w, 400, "Bad Request: message is too long", nil)
		return
	}
	f.mu.Lock()
	f.sent = append(f.sent, msg)
	id := len(f.sent)
	f.mu.Unlock()
	ok(w, map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": map[string]any{"id": chat, "type": "private"}, "text": msg.Visible})
}

func (f *fakeAPI) sentMessages() []sentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMessage(nil), f.sent...)
}

func (f *fakeAPI) callCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// entity is a formatting entity found while parsing Telegram HTML.
type entity struct {
	Type string // b, i, a, ...
	Text string // the visible text it covers
	Href string
}

// parseTelegramHTML parses text the way Telegram's HTML mode does, and
// strictly: only Telegram's tags, every tag closed in order, only the
// entities &lt; &gt; &amp; &quot; and numeric ones, no bare < > &.
// It returns the visible text and the entities.
func parseTelegramHTML(s string) (string, []entity, error) {
	allowed := map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true, "s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true, "tg-spoiler": true, "blockquote": true}
	type open struct {
		name  string
		href  string
		start int // byte offset in visible
	}
	var (
		vis   strings.Builder
		stack []open
		ents  []entity
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
			if strings.HasPrefix(tag, "/") {
				name := tag[1:]
				if len(stack) == 0 || stack[len(stack)-1].name != name {
					return "", nil, fmt.Errorf("unmatched end tag %q", name)
				}
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				ents = append(ents, entity{Type: name, Text: vis.String()[top.start:], Href: top.href})
				continue
			}
			name, attrs, _ := strings.Cut(tag, " ")
			if !allowed[name] {
				return "", nil, fmt.Errorf("unsupported start tag %q", name)
			}
			o := open{name: name, start: vis.Len()}
			if name == "a" {
				m := regexp.MustCompile(`^href="([^"]*)"$`).FindStringSubmatch(strings.TrimSpace(attrs))
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

// decodeEntities decodes the entities Telegram knows and rejects bare & and <.
func decodeEntities(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			return "", fmt.Errorf("bare < in attribute")
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
				if err != nil {
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
