package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The fakes the replica tests run the real daemon against: a loopback
// Discord (REST with enforce_nonce, channel look-ups, and a gateway) and a farm of feeds
// that grows while the test runs. Telegram is notify/telegram/telegramtest.

const (
	fakeDiscordToken = "fake.discord-bot-token"
	fakeDiscordApp   = "900000000000000018"
)

// fakeDiscord is the part of Discord the daemon uses with a bot token:
// channel messages (a repeated nonce under enforce_nonce returns the first
// message instead of creating one, as Discord does), slash command
// registration, and a gateway that says HELLO, answers IDENTIFY with READY
// and heartbeats with ACKs. It counts the gateway sessions open at once.
type fakeDiscord struct {
	srv *httptest.Server

	mu       sync.Mutex
	posts    int                 // channel message requests
	nonces   map[string]bool     // channel/nonce already created
	created  map[string][]string // channel -> titles of messages created, in order
	sessions int                 // identified gateway sessions open now
	most     int                 // the most ever open at once
	idents   []time.Time         // when each session identified
}

func newFakeDiscord(t *testing.T) *fakeDiscord {
	f := &fakeDiscord{nonces: map[string]bool{}, created: map[string][]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v10/gateway", f.gateway)
	mux.HandleFunc("GET /api/v10/gateway/bot", f.gateway)
	mux.HandleFunc("POST /api/v10/channels/{id}/messages", f.message)
	mux.HandleFunc("GET /api/v10/channels/{id}", f.channel)
	mux.HandleFunc("PUT /api/v10/applications/{app}/commands", f.commands)
	mux.HandleFunc("PUT /api/v10/applications/{app}/guilds/{guild}/commands", f.commands)
	mux.HandleFunc("GET /gateway/", f.websocket)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// api is the discord.api the daemon is configured with.
func (f *fakeDiscord) api() string { return f.srv.URL + "/api/v10/" }

func (f *fakeDiscord) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bot "+fakeDiscordToken {
		fakeJSON(w, 401, map[string]any{"code": 0, "message": "401: Unauthorized"})
		return false
	}
	return true
}

func fakeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeDiscord) gateway(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(w, r) {
		return
	}
	fakeJSON(w, 200, map[string]any{"url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/gateway",
		"shards": 1, "session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
}

func (f *fakeDiscord) message(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(w, r) {
		return
	}
	ch := r.PathValue("id")
	var msg struct {
		Nonce        string `json:"nonce"`
		EnforceNonce bool   `json:"enforce_nonce"`
		Embeds       []struct {
			Title string `json:"title"`
		} `json:"embeds"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &msg); err != nil || len(msg.Embeds) == 0 {
		fakeJSON(w, 400, map[string]any{"code": 50035, "message": "Invalid Form Body"})
		return
	}
	f.mu.Lock()
	f.posts++
	key := ch + "/" + msg.Nonce
	if !msg.EnforceNonce || msg.Nonce == "" || !f.nonces[key] {
		f.nonces[key] = true
		f.created[ch] = append(f.created[ch], msg.Embeds[0].Title)
	}
	id := fmt.Sprintf("77%016d", f.posts)
	f.mu.Unlock()
	fakeJSON(w, 200, map[string]any{"id": id, "channel_id": ch, "nonce": msg.Nonce})
}

// channel answers GET /channels/{id}, which the daemon asks once per
// channel before its first alert (a forum gets posts): every channel here
// is a text channel.
func (f *fakeDiscord) channel(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(w, r) {
		return
	}
	fakeJSON(w, 200, map[string]any{"id": r.PathValue("id"), "type": 0, "name": "alerts"})
}

func (f *fakeDiscord) commands(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(w, r) {
		return
	}
	var cmds []map[string]any
	if err := json.NewDecoder(r.Body).Decode(&cmds); err != nil {
		fakeJSON(w, 400, map[string]any{"code": 50035, "message": "Invalid Form Body"})
		return
	}
	for i, c := range cmds {
		c["id"] = fmt.Sprintf("88%016d", i)
		c["application_id"] = r.PathValue("app")
	}
	fakeJSON(w, 200, cmds)
}

// websocket is one gateway session, counted from READY until the client
// goes away (a killed process's socket is closed by its kernel).
func (f *fakeDiscord) websocket(w http.ResponseWriter, r *http.Request) {
	c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	if err := c.WriteJSON(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 1000}}); err != nil {
		return
	}
	var ident struct {
		Op int `json:"op"`
		D  struct {
			Token string `json:"token"`
		} `json:"d"`
	}
	if err := c.ReadJSON(&ident); err != nil || ident.Op != 2 || ident.D.Token != "Bot "+fakeDiscordToken {
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed"))
		return
	}
	if err := c.WriteJSON(map[string]any{"op": 0, "t": "READY", "s": 1, "d": map[string]any{
		"v": 10, "session_id": "fake-session",
		"user":        map[string]any{"id": fakeDiscordApp, "username": "newshound-test", "bot": true},
		"application": map[string]any{"id": fakeDiscordApp, "flags": 0},
		"guilds":      []any{}, "private_channels": []any{},
	}}); err != nil {
		return
	}
	f.mu.Lock()
	f.sessions++
	f.most = max(f.most, f.sessions)
	f.idents = append(f.idents, time.Now())
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.sessions--
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
			if err := c.WriteJSON(map[string]any{"op": 11}); err != nil {
				return
			}
		}
	}
}

// gatewayState returns the sessions open now, the most ever open at once,
// and when the last one identified.
func (f *fakeDiscord) gatewayState() (open, most int, last time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.idents); n > 0 {
		last = f.idents[n-1]
	}
	return f.sessions, f.most, last
}

// createdIn returns the titles of the messages created in channel.
func (f *fakeDiscord) createdIn(channel string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.created[channel]...)
}

func (f *fakeDiscord) postCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.posts
}

// feedFarm serves n RSS feeds at /f0.xml ... whose items the test adds
// while the daemons poll them, and records when each feed was fetched.
type feedFarm struct {
	srv *httptest.Server

	mu      sync.Mutex
	items   [][]string // per feed: titles, oldest first
	fetched [][]time.Time
}

func newFeedFarm(t *testing.T, n int) *feedFarm {
	f := &feedFarm{items: make([][]string, n), fetched: make([][]time.Time, n)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *feedFarm) url(i int) string { return fmt.Sprintf("%s/f%d.xml", f.srv.URL, i) }

// add publishes a story with title in feed i.
func (f *feedFarm) add(i int, title string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[i] = append(f.items[i], title)
}

func (f *feedFarm) serve(w http.ResponseWriter, r *http.Request) {
	var i int
	if _, err := fmt.Sscanf(r.URL.Path, "/f%d.xml", &i); err != nil || i < 0 || i >= len(f.items) {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	f.fetched[i] = append(f.fetched[i], time.Now())
	items := append([]string(nil), f.items[i]...)
	f.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Wire %d</title>`, i)
	base := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	for k := len(items) - 1; k >= 0; k-- {
		fmt.Fprintf(&b, `<item><guid>f%d-%d</guid><title>%s</title><link>https://n.example/%d/%d</link><pubDate>%s</pubDate></item>`,
			i, k, items[k], i, k, base.Add(time.Duration(i*1000+k)*time.Second).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml")
	_, _ = io.WriteString(w, b.String())
}

// lastFetch returns when feed i was last fetched (zero: never).
func (f *feedFarm) lastFetch(i int) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.fetched[i]); n > 0 {
		return f.fetched[i][n-1]
	}
	return time.Time{}
}

// daemonProc is one `newshound run` child process, its output in a file.
type daemonProc struct {
	t       *testing.T
	cfgPath string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the process is reaped
}

// startDaemon starts `newshound run --config cfgPath`, logging to a new
// file in dir named after name.
func startDaemon(t *testing.T, dir, cfgPath, name string, env ...string) *daemonProc {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	out, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := newshound("run", "--config", cfgPath)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	p := &daemonProc{t: t, cfgPath: cfgPath, logPath: logPath, cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.kill)
	return p
}

// kill sends SIGKILL (no cleanup at all) and reaps the process.
func (p *daemonProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// alive reports whether the process is still running; a daemon that
// exits on its own (a config error, a crash) fails the test.
func (p *daemonProc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// log returns what the process has written so far.
func (p *daemonProc) log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// leads reports whether the process logged taking the leadership of name.
func (p *daemonProc) leads(name string) bool {
	return strings.Contains(p.log(), `msg=leading of=`+name+` `)
}

// waitUntil polls cond every 20 ms until it holds or d passes; it reports
// whether it held.
func waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}
