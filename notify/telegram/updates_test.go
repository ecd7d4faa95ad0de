package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/notify/telegram/telegramtest"
)

// memStore is an in-memory OffsetStore that counts writes.
type memStore struct {
	mu     sync.Mutex
	m      map[string]string
	writes int
}

func newMemStore() *memStore { return &memStore{m: map[string]string{}} }

func (s *memStore) GetState(_ context.Context, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key], nil
}

func (s *memStore) SetState(_ context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = value
	s.writes++
	return nil
}

// handled is what the fake core saw.
type handled struct {
	req   bot.Request
	admin bool // IsChatAdmin's answer, for group chats
	err   error
}

// fakeCore is a bot.Handler that records requests, asks IsChatAdmin for
// group chats as the real core does, and echoes.
type fakeCore struct {
	mu    sync.Mutex
	seen  []handled
	hook  func(r bot.Request) // runs inside Handle
	reply func(r bot.Request) string
}

func (c *fakeCore) Handle(ctx context.Context, r bot.Request) bot.Reply {
	h := handled{req: r}
	if r.Kind == bot.ChatGroup {
		h.admin, h.err = r.IsChatAdmin(ctx)
	}
	c.mu.Lock()
	c.seen = append(c.seen, h)
	c.mu.Unlock()
	if c.hook != nil {
		c.hook(r)
	}
	if c.reply != nil {
		return bot.Reply{Text: c.reply(r)}
	}
	return bot.Reply{Text: "done: /" + r.Command + " " + r.Args}
}

func (c *fakeCore) handled() []handled {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]handled(nil), c.seen...)
}

// waitFor polls cond until it holds or 10 seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runBot starts b.Run in the background and returns a function that stops
// it and returns Run's result.
func runBot(t *testing.T, b *Bot, h bot.Handler, st OffsetStore) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, h, st) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = errors.New("Run did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func TestRunCommands(t *testing.T) {
	const group = -1001234
	f := newFakeAPI(t)
	f.SetMember(group, 7, "administrator")
	f.SetMember(group, 9, "creator")
	var logs bytes.Buffer
	b := f.newBot(t, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	core := &fakeCore{}
	st := newMemStore()

	forwarded := textMsg(group, 7, "/addfeed https://evil.example/")
	forwarded["forward_date"] = time.Now().Unix()
	anon := textMsg(group, anonymousAdminBot, "/mute 2h")
	anon["sender_chat"] = map[string]any{"id": group, "type": "supergroup"}
	msgs := []map[string]any{
		textMsg(5, 5, "/help"),
		textMsg(group, 8, "/subscribe apt29"),
		textMsg(group, 7, "/Subscribe@NewsHound_Bot   apt29  "),
		textMsg(group, 8, "/watch@otherbot x"),
		textMsg(group, 8, "hello /help"),
		textMsg(group, 9, "/list"),
		forwarded,
		textMsg(group, 8, "/watch\n\"cozy bear\" OR APT29"),
		textMsg(group, 8, "/not-a-command"),
		anon,
		textMsg(6, 6, "/start"),
		textMsg(5, 5, "/status"),
	}
	var lastID int
	for _, m := range msgs {
		lastID = f.PushMessage(m)
	}
	stop := runBot(t, b, core, st)
	waitFor(t, "the last command", func() bool {
		h := core.handled()
		return len(h) > 0 && h[len(h)-1].req.Command == "status"
	})
	waitFor(t, "the last reply", func() bool { return len(f.Sent()) == len(core.handled()) })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}

	type want struct {
		chat, user, cmd, args string
		kind                  bot.ChatKind
		admin                 bool
	}
	g := "telegram:" + strconv.Itoa(group)
	wants := []want{
		{"telegram:5", "5", "help", "", bot.ChatPrivate, false},
		{g, "8", "subscribe", "apt29", bot.ChatGroup, false},
		{g, "7", "subscribe", "apt29", bot.ChatGroup, true},
		{g, "9", "list", "", bot.ChatGroup, true},
		{g, "8", "watch", `"cozy bear" OR APT29`, bot.ChatGroup, false},
		{g, "1087968824", "mute", "2h", bot.ChatGroup, true},
		{"telegram:6", "6", "help", "", bot.ChatPrivate, false},
		{"telegram:5", "5", "status", "", bot.ChatPrivate, false},
	}
	got := core.handled()
	if len(got) != len(wants) {
		for _, h := range got {
			t.Logf("handled %+v", h.req)
		}
		t.Fatalf("handled %d commands, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		r := got[i].req
		if r.Platform != "telegram" || string(r.Chat) != w.chat || r.UserID != w.user || r.Command != w.cmd || r.Args != w.args || r.Kind != w.kind {
			t.Errorf("command %d = %+v, want %+v", i, r, w)
		}
		if got[i].err != nil {
			t.Errorf("command %d: IsChatAdmin: %v", i, got[i].err)
		}
		if w.kind == bot.ChatGroup && got[i].admin != w.admin {
			t.Errorf("command %d (%s from %s): IsChatAdmin = %v, want %v", i, w.cmd, w.user, got[i].admin, w.admin)
		}
	}
	// getChatMember asked for the group commands except the anonymous admin's.
	if n := len(f.Calls("getChatMember")); n != 4 {
		t.Errorf("getChatMember called %d times, want 4", n)
	}

	// Replies: plain text, replying to the command.
	sent := f.Sent()
	for i, m := range sent {
		if m.ParseMode != "" || m.ReplyTo == "" {
			t.Errorf("reply %d: parse_mode %q reply_to %q", i, m.ParseMode, m.ReplyTo)
		}
		if want := strings.TrimSpace("done: /" + wants[i].cmd + " " + wants[i].args); m.Visible != want {
			t.Errorf("reply %d = %q, want %q", i, m.Visible, want)
		}
	}

	// setMyCommands got every command of the core.
	var names []string
	for _, c := range f.Commands() {
		names = append(names, c["command"])
	}
	var wantNames []string
	for _, c := range bot.Commands() {
		wantNames = append(wantNames, c.Name)
	}
	if strings.Join(names, ",") != strings.Join(wantNames, ",") {
		t.Errorf("setMyCommands %v, want %v", names, wantNames)
	}

	if off, _ := st.GetState(context.Background(), OffsetKey); off != strconv.Itoa(lastID+1) {
		t.Errorf("saved offset %q, want %d", off, lastID+1)
	}
	if strings.Contains(logs.String(), testSecret) {
		t.Errorf("logs leak the token:\n%s", logs.String())
	}
}

func TestRunRestartMidStream(t *testing.T) {
	f := newFakeAPI(t)
	st := newMemStore()
	var ids []int
	for i := range 10 {
		ids = append(ids, f.PushMessage(textMsg(5, 5, fmt.Sprintf("/test %d", i))))
	}

	// First run: stop while handling the fourth command of a batch of ten.
	first := &fakeCore{}
	ctx, cancel := context.WithCancel(context.Background())
	first.hook = func(r bot.Request) {
		if r.Args == "3" {
			cancel()
		}
	}
	b1 := f.newBot(t, Options{})
	if err := b1.Run(ctx, first, st); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	if n := len(first.handled()); n != 4 {
		t.Fatalf("first run handled %d commands, want 4", n)
	}
	if off, _ := st.GetState(context.Background(), OffsetKey); off != strconv.Itoa(ids[3]+1) {
		t.Fatalf("offset after first run %q, want %d", off, ids[3]+1)
	}

	// Second run, a new Bot with the same store.
	second := &fakeCore{}
	b2 := f.newBot(t, Options{})
	stop := runBot(t, b2, second, st)
	waitFor(t, "the remaining commands", func() bool { return len(second.handled()) >= 6 })
	// Give a replay, if any, the chance to show up.
	f.PushMessage(textMsg(5, 5, "/test sentinel"))
	waitFor(t, "the sentinel", func() bool { return len(second.handled()) >= 7 })
	if err := stop(); err != nil {
		t.Fatalf("second Run: %v", err)
	}
	var args []string
	for _, h := range append(first.handled(), second.handled()...) {
		args = append(args, h.req.Args)
	}
	if got, want := strings.Join(args, ","), "0,1,2,3,4,5,6,7,8,9,sentinel"; got != want {
		t.Errorf("commands handled across the restart: %s, want %s", got, want)
	}
}

func TestRunObeysRetryAfter(t *testing.T) {
	f := newFakeAPI(t)
	f.FailCall("getUpdates", telegramtest.Reply{Status: 429, Body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`})
	f.PushMessage(textMsg(5, 5, "/help"))
	core := &fakeCore{}
	stop := runBot(t, f.newBot(t, Options{}), core, newMemStore())
	waitFor(t, "the command", func() bool { return len(core.handled()) == 1 })
	_ = stop()
	times := f.Calls("getUpdates")
	if len(times) < 2 {
		t.Fatalf("getUpdates called %d times", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < time.Second {
		t.Errorf("polled again %s after a 429 asking for 1s", gap)
	}
}

func TestRunBacksOffAndRecovers(t *testing.T) {
	f := newFakeAPI(t)
	f.FailCall("getUpdates",
		telegramtest.Reply{Status: 500, Body: `{"ok":false,"error_code":500,"description":"Internal Server Error"}`},
		telegramtest.Reply{Status: 502, Body: "<html>bad gateway</html>"},
	)
	f.PushMessage(textMsg(5, 5, "/help"))
	var logs bytes.Buffer
	core := &fakeCore{}
	stop := runBot(t, f.newBot(t, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}), core, newMemStore())
	waitFor(t, "the command", func() bool { return len(core.handled()) == 1 })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !strings.Contains(logs.String(), "getUpdates failed") {
		t.Errorf("failures not logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), testSecret) {
		t.Errorf("logs leak the token:\n%s", logs.String())
	}
}

func TestRunStopsOnRevokedToken(t *testing.T) {
	f := newFakeAPI(t)
	b := f.newBot(t, Options{})
	f.FailCall("getUpdates", telegramtest.Reply{Status: 401, Body: `{"ok":false,"error_code":401,"description":"Unauthorized"}`})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := b.Run(ctx, &fakeCore{}, newMemStore())
	if err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("Run = %v, want the Unauthorized error", err)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestRunSurvivesHandlerPanic(t *testing.T) {
	f := newFakeAPI(t)
	f.PushMessage(textMsg(5, 5, "/boom"))
	last := f.PushMessage(textMsg(5, 5, "/help"))
	core := &fakeCore{hook: func(r bot.Request) {
		if r.Command == "boom" {
			panic("core bug")
		}
	}}
	st := newMemStore()
	stop := runBot(t, f.newBot(t, Options{}), core, st)
	waitFor(t, "the command after the panic", func() bool { return len(core.handled()) == 2 })
	waitFor(t, "the offset", func() bool {
		off, _ := st.GetState(context.Background(), OffsetKey)
		return off == strconv.Itoa(last+1)
	})
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := len(f.Sent()); n != 1 {
		t.Errorf("sent %d replies, want 1 (none for the panicking command)", n)
	}
}

func TestRunSplitsLongReplies(t *testing.T) {
	f := newFakeAPI(t)
	f.PushMessage(textMsg(5, 5, "/feeds"))
	long := strings.Repeat("feed <b>x</b> & ok — Київ 🔥\n", 400)
	core := &fakeCore{reply: func(bot.Request) string { return long }}
	stop := runBot(t, f.newBot(t, Options{}), core, newMemStore())
	waitFor(t, "the replies", func() bool { return len(f.Sent()) >= 2 })
	_ = stop()
	var parts []string
	for i, m := range f.Sent() {
		if m.VisibleLen > MaxMessageLen {
			t.Errorf("part %d is %d units", i, m.VisibleLen)
		}
		if (i == 0) != (m.ReplyTo != "") {
			t.Errorf("part %d reply_to %q", i, m.ReplyTo)
		}
		parts = append(parts, m.Visible)
	}
	if strings.Join(parts, "\n") != strings.TrimSpace(long) {
		t.Error("reply parts do not add up to the reply")
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in                string
		cmd, target, args string
		ok                bool
	}{
		{"/help", "help", "", "", true},
		{"/HELP@Bot  x y ", "help", "Bot", "x y", true},
		{"/watch\tq", "watch", "", "q", true},
		{"help", "", "", "", false},
		{"/", "", "", "", false},
		{"/тест", "", "", "", false},
		{"/a-b c", "", "", "", false},
		{" /help", "", "", "", false},
		{"/" + strings.Repeat("a", 33), "", "", "", false},
	}
	for _, tt := range tests {
		cmd, target, args, ok := parseCommand(tt.in)
		if cmd != tt.cmd || target != tt.target || args != tt.args || ok != tt.ok {
			t.Errorf("parseCommand(%q) = %q %q %q %v", tt.in, cmd, target, args, ok)
		}
	}
}

func TestSetCommandsFitsTelegramRules(t *testing.T) {
	f := newFakeAPI(t)
	b := f.newBot(t, Options{})
	cmds := []bot.Command{
		{Name: "Help", Description: "Help"},
		{Name: "bad-name", Description: "refused by Telegram"},
		{Name: "x", Description: ""},
		{Name: "long", Description: strings.Repeat("very long ", 40), Arg: "q", ArgRequired: true},
		{Name: "retry", Description: "Resend", Arg: "id"},
	}
	if err := b.SetCommands(context.Background(), cmds); err != nil {
		t.Fatalf("SetCommands: %v", err)
	}
	got := map[string]string{}
	for _, c := range f.Commands() {
		got[c["command"]] = c["description"]
	}
	if len(got) != 4 {
		t.Errorf("registered %v, want help, x, long, retry", got)
	}
	if _, ok := got["bad-name"]; ok {
		t.Error("registered a name Telegram refuses")
	}
	if got["x"] != "/x" || got["retry"] != "Resend (id, optional)" || got["help"] != "Help" {
		t.Errorf("descriptions %q", got)
	}
	if n := utf16Len(got["long"]); n > 256 || !strings.HasSuffix(got["long"], ellipsis) {
		t.Errorf("long description is %d units: %q", n, got["long"])
	}
}
