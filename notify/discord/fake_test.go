package discord

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// discordgo's endpoints are process globals (see the package comment), so
// one fake Discord serves the whole test binary: TestMain starts it and
// every test calls New with fake.api. Tests use distinct channel, webhook
// and guild ids, so the fake's per-path scripts and records never collide.
var fake *fakeDiscord

const (
	testToken   = "tok.SECRET-bot-token-value"
	testAppID   = "900000000000000001"
	testBotUser = "newshound-test"
)

func TestMain(m *testing.M) {
	fake = newFakeDiscord()
	code := m.Run()
	fake.close()
	os.Exit(code)
}

// recorded is one REST request the fake received.
type recorded struct {
	Method string
	Path   string
	Query  string
	Auth   string
	Body   []byte
	At     time.Time
}

// reply is a scripted answer.
type reply struct {
	Status int
	Header map[string]string
	Body   string
	Delay  time.Duration
	// Hold, when not nil, keeps the request unanswered until it is
	// closed: a test acts while a send is in flight, without sleeping.
	Hold chan struct{}
}

// fakeDiscord is a loopback Discord: REST routes discordgo uses and a
// websocket gateway speaking HELLO, IDENTIFY, READY, HEARTBEAT/ACK and
// dispatches.
type fakeDiscord struct {
	srv *httptest.Server
	api string

	mu         sync.Mutex
	reqs       []recorded
	scripts    map[string][]reply      // "METHOD path" -> replies, consumed in order
	nonces     map[string]string       // channel+nonce -> message id (enforce_nonce)
	channels   map[string]*fakeChannel // channels set up by a test; any other id is a text channel
	posts      []fakePost              // forum posts created, in order
	threads    []fakeThread            // threads started from messages, in order
	messages   int                     // messages actually created
	channelOf  map[string]string       // message id -> its channel (edits, edit_test.go)
	edited     map[string][]byte       // message id -> the body of its last edit
	nextID     int
	identifies []json.RawMessage
	heartbeats int
	conns      map[*gatewayConn]bool
	seq        int64
	notify     chan recorded // every request, for tests that wait
	owner      *testing.T    // the test the records belong to
}

type gatewayConn struct {
	wmu sync.Mutex
	c   *websocket.Conn
}

func (g *gatewayConn) send(v any) error {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	return g.c.WriteJSON(v)
}

func newFakeDiscord() *fakeDiscord {
	f := &fakeDiscord{
		scripts:  map[string][]reply{},
		nonces:   map[string]string{},
		channels: map[string]*fakeChannel{},
		conns:    map[*gatewayConn]bool{},
		nextID:   1000,
		notify:   make(chan recorded, 1024),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v10/gateway", f.gateway)
	mux.HandleFunc("GET /api/v10/gateway/bot", f.gateway)
	mux.HandleFunc("POST /api/v10/channels/{id}/messages", f.channelMessage)
	mux.HandleFunc("PATCH /api/v10/channels/{id}/messages/{mid}", f.channelMessageEdit)
	mux.HandleFunc("GET /api/v10/channels/{id}", f.getChannel)
	mux.HandleFunc("POST /api/v10/channels/{id}/threads", f.startThread)
	mux.HandleFunc("POST /api/v10/channels/{id}/messages/{mid}/threads", f.messageThread)
	mux.HandleFunc("POST /api/v10/users/@me/channels", f.dmOpen)
	mux.HandleFunc("POST /api/webhooks/{id}/{token}", f.webhookExecute)
	mux.HandleFunc("POST /api/v10/webhooks/{id}/{token}", f.webhookExecute)
	mux.HandleFunc("PATCH /api/v10/webhooks/{app}/{token}/messages/{mid}", f.webhookEdit)
	mux.HandleFunc("PUT /api/v10/applications/{app}/commands", f.commands)
	mux.HandleFunc("PUT /api/v10/applications/{app}/guilds/{guild}/commands", f.commands)
	mux.HandleFunc("POST /api/v10/interactions/{id}/{token}/callback", f.callback)
	mux.HandleFunc("GET /gateway/", f.websocket)
	f.srv = httptest.NewServer(f.record(mux))
	f.api = f.srv.URL + "/api/v10/"
	return f
}

func (f *fakeDiscord) close() {
	f.mu.Lock()
	for g := range f.conns {
		_ = g.c.Close()
	}
	f.mu.Unlock()
	f.srv.Close()
}

// record stores each REST request and plays a scripted reply if one waits.
func (f *fakeDiscord) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/gateway/") {
			next.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		rec := recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Auth: r.Header.Get("Authorization"), Body: body, At: time.Now()}
		key := r.Method + " " + r.URL.Path
		f.mu.Lock()
		f.reqs = append(f.reqs, rec)
		var sc *reply
		if q := f.scripts[key]; len(q) > 0 {
			sc = &q[0]
			f.scripts[key] = q[1:]
		}
		f.mu.Unlock()
		select {
		case f.notify <- rec:
		default:
		}
		if sc != nil {
			if sc.Hold != nil {
				select {
				case <-sc.Hold:
				case <-r.Context().Done():
					return
				}
			}
			if sc.Delay > 0 {
				select {
				case <-time.After(sc.Delay):
				case <-r.Context().Done():
					return
				}
			}
			for k, v := range sc.Header {
				w.Header().Set(k, v)
			}
			if sc.Status != 0 {
				if sc.Body != "" && w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(sc.Status)
				_, _ = io.WriteString(w, sc.Body)
				return
			}
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		next.ServeHTTP(w, r)
	})
}

// resetFor forgets requests, scripts and nonces when a new test (or
// subtest) starts using the fake, so -count=N runs see a clean fake; calls
// from the same test keep what that test already did.
func (f *fakeDiscord) resetFor(t *testing.T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.owner == t {
		return
	}
	f.owner = t
	f.reqs = nil
	f.scripts = map[string][]reply{}
	f.nonces = map[string]string{}
	f.channels = map[string]*fakeChannel{}
	f.posts = nil
	f.threads = nil
	f.heartbeats = 0
}

// script queues replies for METHOD path; a reply with Status 0 only sets
// headers/delay and lets the normal route answer.
func (f *fakeDiscord) script(method, path string, rs ...reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := method + " " + path
	f.scripts[k] = append(f.scripts[k], rs...)
}

// requests returns the recorded requests whose path starts with prefix.
func (f *fakeDiscord) requests(method, prefix string) []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recorded
	for _, r := range f.reqs {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// waitFor polls until n requests match or the deadline passes.
func (f *fakeDiscord) waitFor(t *testing.T, method, prefix string, n int) []recorded {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rs := f.requests(method, prefix)
		if len(rs) >= n {
			return rs
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %d %s %s* requests, got %d", n, method, prefix, len(rs))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *fakeDiscord) id() string {
	f.nextID++
	return fmt.Sprintf("77%016d", f.nextID)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "message": msg})
}

func (f *fakeDiscord) gateway(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bot "+testToken {
		apiError(w, 401, 0, "401: Unauthorized")
		return
	}
	writeJSON(w, 200, map[string]any{"url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/gateway",
		"shards": 1, "session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
}

func (f *fakeDiscord) channelMessage(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bot "+testToken {
		apiError(w, 401, 0, "401: Unauthorized")
		return
	}
	ch := r.PathValue("id")
	f.mu.Lock()
	c := f.channels[ch]
	_, isMessage := f.channelOf[ch]
	f.mu.Unlock()
	switch {
	case c == nil && isMessage:
		// A message's id is a channel only once a thread was started from it.
		apiError(w, 404, 10003, "Unknown Channel")
		return
	case c != nil && c.Gone:
		apiError(w, 404, 10003, "Unknown Channel")
		return
	case c != nil && (c.Type == 15 || c.Type == 16):
		apiError(w, 400, 50008, "Cannot send messages in a non-text channel")
		return
	}
	var msg struct {
		Nonce        string          `json:"nonce"`
		EnforceNonce bool            `json:"enforce_nonce"`
		Components   []fakeActionRow `json:"components"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &msg); err != nil || checkComponents(msg.Components) != nil {
		apiError(w, 400, 50035, "Invalid Form Body")
		return
	}
	f.mu.Lock()
	id, dup := "", false
	if msg.EnforceNonce && msg.Nonce != "" {
		id, dup = f.nonces[ch+"/"+msg.Nonce]
	}
	if !dup {
		id = f.id()
		f.messages++
		if f.channelOf == nil {
			f.channelOf = map[string]string{}
		}
		f.channelOf[id] = ch
		if msg.EnforceNonce && msg.Nonce != "" {
			f.nonces[ch+"/"+msg.Nonce] = id
		}
	}
	f.mu.Unlock()
	writeJSON(w, 200, map[string]any{"id": id, "channel_id": ch, "nonce": msg.Nonce})
}

// fakeChannel is a channel a test set up: a forum (type 15) or media
// channel (16) with its tags, a thread (11, a forum post) in Parent, or a
// channel that is Gone (404 Unknown Channel).
type fakeChannel struct {
	Type   int
	Tags   []fakeTag
	Parent string
	Gone   bool
	// Flags are the channel's flags: 16 (REQUIRE_TAG) makes a forum
	// refuse a post without applied_tags, as Discord does.
	Flags int
}

// fakeTag is one of a forum's available_tags; a Moderated one only members
// with Manage Threads may apply.
type fakeTag struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Moderated bool   `json:"moderated"`
}

// fakeRequireTag is Discord's REQUIRE_TAG channel flag.
const fakeRequireTag = 1 << 4

// fakePost is a forum post as created: its thread, forum, name, tags and
// starter message.
type fakePost struct {
	Thread, Forum, Name string
	Tags                []string
	Message             json.RawMessage
}

// setChannel makes id the channel c for the rest of the test.
func (f *fakeDiscord) setChannel(id string, c fakeChannel) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.channels[id] = &c
}

// forumPosts returns the posts created in forum.
func (f *fakeDiscord) forumPosts(forum string) []fakePost {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakePost
	for _, p := range f.posts {
		if p.Forum == forum {
			out = append(out, p)
		}
	}
	return out
}

// getChannel is GET /channels/{id}: a channel set up by the test, else a
// text channel (type 0) of guild 600000000000000001.
func (f *fakeDiscord) getChannel(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bot "+testToken {
		apiError(w, 401, 0, "401: Unauthorized")
		return
	}
	id := r.PathValue("id")
	f.mu.Lock()
	c := f.channels[id]
	var out map[string]any
	if c != nil && !c.Gone {
		out = map[string]any{"id": id, "type": c.Type, "guild_id": "600000000000000001", "name": "channel-" + id[len(id)-4:], "flags": c.Flags}
		if c.Type == 15 || c.Type == 16 {
			tags := []map[string]any{}
			for _, t := range c.Tags {
				tags = append(tags, map[string]any{"id": t.ID, "name": t.Name, "moderated": t.Moderated, "emoji_id": nil, "emoji_name": nil})
			}
			out["available_tags"] = tags
		}
		if c.Parent != "" {
			out["parent_id"] = c.Parent
		}
	}
	f.mu.Unlock()
	switch {
	case c != nil && c.Gone:
		apiError(w, 404, 10003, "Unknown Channel")
	case c == nil:
		writeJSON(w, 200, map[string]any{"id": id, "type": 0, "guild_id": "600000000000000001", "name": "text"})
	default:
		writeJSON(w, 200, out)
	}
}

// startThread is POST /channels/{id}/threads on a forum or media channel,
// with Discord's rules for a post: a name of 1 to 100 characters, a
// starter message with content or embeds (at most 10) and valid
// components, and applied_tags among the forum's available tags, at most
// 5, each once. It also refuses a nonce in the message, which Discord
// would ignore (no enforce_nonce here), so that no test relies on one.
// The post becomes a thread (type 11) of the forum.
func (f *fakeDiscord) startThread(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bot "+testToken {
		apiError(w, 401, 0, "401: Unauthorized")
		return
	}
	forum := r.PathValue("id")
	var in struct {
		Name        string          `json:"name"`
		AppliedTags []string        `json:"applied_tags"`
		Message     json.RawMessage `json:"message"`
	}
	var msg struct {
		Content    string            `json:"content"`
		Embeds     []json.RawMessage `json:"embeds"`
		Components []fakeActionRow   `json:"components"`
		Nonce      *string           `json:"nonce"`
	}
	body, _ := io.ReadAll(r.Body)
	if json.Unmarshal(body, &in) != nil || len(in.Message) == 0 || json.Unmarshal(in.Message, &msg) != nil {
		apiError(w, 400, 50035, "Invalid Form Body")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.channels[forum]
	switch {
	case c != nil && c.Gone:
		apiError(w, 404, 10003, "Unknown Channel")
		return
	case c == nil || (c.Type != 15 && c.Type != 16):
		// A text channel takes threads, but not with a starter message object.
		apiError(w, 400, 50035, "Invalid Form Body (message: not a forum channel)")
		return
	}
	n := len([]rune(strings.TrimSpace(in.Name)))
	bad := n < 1 || n > 100 || (msg.Content == "" && len(msg.Embeds) == 0) || len(msg.Embeds) > 10 ||
		checkComponents(msg.Components) != nil || len(in.AppliedTags) > 5 || msg.Nonce != nil
	seen := map[string]bool{}
	for _, tag := range in.AppliedTags {
		known := false
		for _, t := range c.Tags {
			known = known || t.ID == tag
		}
		bad = bad || !known || seen[tag]
		seen[tag] = true
	}
	if bad {
		apiError(w, 400, 50035, "Invalid Form Body")
		return
	}
	if c.Flags&fakeRequireTag != 0 && len(in.AppliedTags) == 0 {
		apiError(w, 400, 40067, "A tag is required to create a forum post in this channel")
		return
	}
	thread := f.id()
	f.messages++
	f.channels[thread] = &fakeChannel{Type: 11, Parent: forum}
	f.posts = append(f.posts, fakePost{Thread: thread, Forum: forum, Name: in.Name, Tags: in.AppliedTags, Message: in.Message})
	writeJSON(w, 201, map[string]any{"id": thread, "type": 11, "parent_id": forum, "name": in.Name,
		"applied_tags": in.AppliedTags, "message": map[string]any{"id": thread, "channel_id": thread}})
}

// fakeThread is a thread started from a message: its id (the message's),
// channel, name and archive duration.
type fakeThread struct {
	ID, Channel, Name string
	Archive           int
}

// channelThreads returns the threads started from messages in channel.
func (f *fakeDiscord) channelThreads(channel string) []fakeThread {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeThread
	for _, th := range f.threads {
		if th.Channel == channel {
			out = append(out, th)
		}
	}
	return out
}

// messageThread is POST /channels/{id}/messages/{mid}/threads, with
// Discord's rules: the message must be in that channel (404 Unknown
// Message), the channel a text (0) or announcement (5) channel, the name 1
// to 100 characters, auto_archive_duration 60, 1440, 4320 or 10080 when
// given, and a message has at most one thread (400 code 160004). The
// thread (type 11, or 10 in an announcement channel) takes the message's id.
func (f *fakeDiscord) messageThread(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bot "+testToken {
		apiError(w, 401, 0, "401: Unauthorized")
		return
	}
	ch, mid := r.PathValue("id"), r.PathValue("mid")
	var in struct {
		Name    string `json:"name"`
		Archive *int   `json:"auto_archive_duration"`
	}
	body, _ := io.ReadAll(r.Body)
	if json.Unmarshal(body, &in) != nil {
		apiError(w, 400, 50035, "Invalid Form Body")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.channels[ch]
	typ := 0
	if c != nil {
		typ = c.Type
	}
	n := len([]rune(strings.TrimSpace(in.Name)))
	switch {
	case c != nil && c.Gone:
		apiError(w, 404, 10003, "Unknown Channel")
	case f.channelOf[mid] != ch:
		apiError(w, 404, 10008, "Unknown Message")
	case typ != 0 && typ != 5:
		apiError(w, 400, 50024, "Cannot execute action on this channel type")
	case n < 1 || n > 100 || in.Archive != nil && *in.Archive != 60 && *in.Archive != 1440 && *in.Archive != 4320 && *in.Archive != 10080:
		apiError(w, 400, 50035, "Invalid Form Body")
	case f.channels[mid] != nil:
		apiError(w, 400, 160004, "A thread has already been created for this message")
	default:
		threadType := 11
		if typ == 5 {
			threadType = 10
		}
		archive := 4320
		if in.Archive != nil {
			archive = *in.Archive
		}
		f.channels[mid] = &fakeChannel{Type: threadType, Parent: ch}
		f.threads = append(f.threads, fakeThread{ID: mid, Channel: ch, Name: in.Name, Archive: archive})
		writeJSON(w, 201, map[string]any{"id": mid, "type": threadType, "parent_id": ch, "name": in.Name})
	}
}

func (f *fakeDiscord) dmOpen(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RecipientID string `json:"recipient_id"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	writeJSON(w, 200, map[string]any{"id": "4" + in.RecipientID[1:], "type": 1})
}

func (f *fakeDiscord) webhookExecute(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	id := f.id()
	f.messages++
	f.mu.Unlock()
	if r.URL.Query().Get("wait") != "true" {
		w.WriteHeader(204)
		return
	}
	writeJSON(w, 200, map[string]any{"id": id, "webhook_id": r.PathValue("id")})
}

func (f *fakeDiscord) webhookEdit(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"id": f.id()})
}

func (f *fakeDiscord) commands(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bot "+testToken {
		apiError(w, 401, 0, "401: Unauthorized")
		return
	}
	var cmds []map[string]any
	if err := json.NewDecoder(r.Body).Decode(&cmds); err != nil {
		apiError(w, 400, 50035, "Invalid Form Body")
		return
	}
	for _, c := range cmds {
		c["id"] = f.id()
		c["application_id"] = r.PathValue("app")
	}
	writeJSON(w, 200, cmds)
}

// callback accepts an interaction response of a known type whose
// components (an UPDATE_MESSAGE's buttons) Discord would accept.
func (f *fakeDiscord) callback(w http.ResponseWriter, r *http.Request) {
	var resp struct {
		Type int `json:"type"`
		Data struct {
			Components []fakeActionRow `json:"components"`
		} `json:"data"`
	}
	if err := json.NewDecoder(r.Body).Decode(&resp); err != nil || resp.Type < 1 || resp.Type > 9 || checkComponents(resp.Data.Components) != nil {
		apiError(w, 400, 50035, "Invalid Form Body")
		return
	}
	w.WriteHeader(204)
}

// websocket is the gateway: HELLO, wait for IDENTIFY, READY, then answer
// heartbeats with ACKs until the client goes away.
func (f *fakeDiscord) websocket(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	g := &gatewayConn{c: c}
	defer c.Close()
	if err := g.send(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 100}}); err != nil {
		return
	}
	var ident struct {
		Op int             `json:"op"`
		D  json.RawMessage `json:"d"`
	}
	if err := c.ReadJSON(&ident); err != nil || ident.Op != 2 {
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4003, "Not authenticated"))
		return
	}
	var id struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(ident.D, &id)
	f.mu.Lock()
	f.identifies = append(f.identifies, ident.D)
	f.mu.Unlock()
	if id.Token != "Bot "+testToken {
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed"))
		return
	}
	if err := g.send(map[string]any{"op": 0, "t": "READY", "s": f.nextSeq(), "d": map[string]any{
		"v": 10, "session_id": "fake-session",
		"user":        map[string]any{"id": testAppID, "username": testBotUser, "bot": true},
		"application": map[string]any{"id": testAppID, "flags": 0},
		"guilds":      []any{}, "private_channels": []any{},
	}}); err != nil {
		return
	}
	f.mu.Lock()
	f.conns[g] = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.conns, g)
		f.mu.Unlock()
	}()
	for {
		var m struct {
			Op int `json:"op"`
		}
		if err := c.ReadJSON(&m); err != nil {
			return
		}
		if m.Op == 1 {
			f.mu.Lock()
			f.heartbeats++
			f.mu.Unlock()
			if err := g.send(map[string]any{"op": 11}); err != nil {
				return
			}
		}
	}
}

func (f *fakeDiscord) nextSeq() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	return f.seq
}

// dispatch sends a gateway event to every connected client.
func (f *fakeDiscord) dispatch(t *testing.T, typ string, data any) {
	t.Helper()
	seq := f.nextSeq()
	f.mu.Lock()
	conns := make([]*gatewayConn, 0, len(f.conns))
	for g := range f.conns {
		conns = append(conns, g)
	}
	f.mu.Unlock()
	if len(conns) == 0 {
		t.Fatalf("dispatch %s: no gateway client connected", typ)
	}
	for _, g := range conns {
		if err := g.send(map[string]any{"op": 0, "t": typ, "s": seq, "d": data}); err != nil {
			t.Fatalf("dispatch %s: %v", typ, err)
		}
	}
}

func (f *fakeDiscord) connected() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.conns)
}

func (f *fakeDiscord) heartbeatCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.heartbeats
}

func (f *fakeDiscord) messageCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.messages
}
