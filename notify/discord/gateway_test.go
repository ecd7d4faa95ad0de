package discord

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/bot"
	"github.com/newshound/newshound/notify"
)

// recordingHandler is a stand-in command core: it records each request,
// evaluates IsChatAdmin as the core would, and answers with a scripted text.
type recordingHandler struct {
	mu     sync.Mutex
	reqs   []bot.Request
	admins []bool
	answer func(bot.Request) string
	got    chan bot.Request
}

func newRecordingHandler(answer func(bot.Request) string) *recordingHandler {
	return &recordingHandler{answer: answer, got: make(chan bot.Request, 16)}
}

func (h *recordingHandler) Handle(ctx context.Context, r bot.Request) bot.Reply {
	admin := false
	if r.Kind == bot.ChatGroup && r.IsChatAdmin != nil {
		admin, _ = r.IsChatAdmin(ctx)
	}
	h.mu.Lock()
	h.reqs = append(h.reqs, r)
	h.admins = append(h.admins, admin)
	h.mu.Unlock()
	h.got <- r
	return bot.Reply{Text: h.answer(r)}
}

func (h *recordingHandler) next(t *testing.T) (bot.Request, bool) {
	t.Helper()
	select {
	case r := <-h.got:
		h.mu.Lock()
		defer h.mu.Unlock()
		return r, h.admins[len(h.admins)-1]
	case <-time.After(10 * time.Second):
		t.Fatal("handler never called")
		return bot.Request{}, false
	}
}

// startRun runs d.Run until the test ends and waits for the gateway session.
func startRun(t *testing.T, d *Discord, h bot.Handler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, h) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(15 * time.Second):
				t.Error("Run did not return after cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func interactionPayload(id, token, guild, channel string, member bool, userID, perms, command string, options []map[string]any) map[string]any {
	user := map[string]any{"id": userID, "username": "user" + userID[len(userID)-2:]}
	p := map[string]any{
		"id": id, "application_id": testAppID, "type": 2, "token": token,
		"channel_id": channel, "version": 1, "locale": "en-US",
		"data": map[string]any{"id": "cmd" + command, "name": command, "type": 1, "options": options},
	}
	if member {
		p["guild_id"] = guild
		p["member"] = map[string]any{"user": user, "permissions": perms, "roles": []string{}}
		p["context"] = 0
	} else {
		p["user"] = user
		p["context"] = 1
	}
	return p
}

// longList escapes to 100 lines of 30 characters.
var longList = strings.Repeat("subscription @everyone *x*\n", 100)

func TestSlashCommands(t *testing.T) {
	const guild = "600000000000000001"
	h := newRecordingHandler(func(r bot.Request) string {
		if r.Command == "list" {
			return longList // 3000 characters once escaped: two messages
		}
		return "Subscribed this chat to " + r.Args + " — ping <@1> @here"
	})
	d, logs := newTest(t, Options{Token: testToken, Guilds: []string{guild}}, "itokA", "itokB", "itokC", "itokD", "itokE")
	stop := startRun(t, d, h)

	// Commands are bulk-overwritten in the configured guild, options typed.
	puts := fake.waitFor(t, "PUT", "/api/v10/applications/"+testAppID+"/guilds/"+guild+"/commands", 1)
	var cmds []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Type        int    `json:"type"`
		Options     []struct {
			Name        string `json:"name"`
			Type        int    `json:"type"`
			Required    bool   `json:"required"`
			Description string `json:"description"`
		} `json:"options"`
	}
	if err := json.Unmarshal(puts[0].Body, &cmds); err != nil {
		t.Fatalf("commands body: %v", err)
	}
	want := bot.Commands()
	if len(cmds) != len(want) {
		t.Fatalf("registered %d commands, want %d", len(cmds), len(want))
	}
	for i, c := range want {
		got := cmds[i]
		if got.Name != c.Name || got.Type != 1 || got.Description != cutPlain(c.MenuDescription(), 100) || len(got.Description) > 100 {
			t.Errorf("command %d = %+v, want name %s, description %q", i, got, c.Name, c.MenuDescription())
		}
		if c.Arg == "" {
			if len(got.Options) != 0 {
				t.Errorf("/%s has options %+v", c.Name, got.Options)
			}
			continue
		}
		if len(got.Options) != 1 || got.Options[0].Name != c.Arg || got.Options[0].Type != 3 ||
			got.Options[0].Required != c.ArgRequired || got.Options[0].Description != cutPlain(c.ArgDescription, 100) {
			t.Errorf("/%s option = %+v, want STRING %q required=%v", c.Name, got.Options, c.Arg, c.ArgRequired)
		}
	}

	// IDENTIFY carried the token and asked for no intents (interactions
	// arrive regardless); heartbeats were acknowledged.
	fake.mu.Lock()
	ident := fake.identifies[len(fake.identifies)-1]
	fake.mu.Unlock()
	var idp struct {
		Token   string `json:"token"`
		Intents *int   `json:"intents"`
	}
	if err := json.Unmarshal(ident, &idp); err != nil || idp.Token != "Bot "+testToken || idp.Intents == nil || *idp.Intents != 0 {
		t.Errorf("IDENTIFY token ok=%v intents=%v (%v)", idp.Token == "Bot "+testToken, idp.Intents, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for fake.heartbeatCount() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if fake.heartbeatCount() < 2 {
		t.Errorf("fewer than 2 heartbeats in 5s at a 100ms interval")
	}

	tests := []struct {
		name      string
		id, token string
		member    bool
		perms     string
		user      string
		command   string
		options   []map[string]any
		kind      bot.ChatKind
		admin     bool
		args      string
		ephemeral bool
		groupDM   bool
	}{
		{name: "manage channels member", id: "700000000000000001", token: "itokA", member: true, perms: "16",
			user: "800000000000000001", command: "subscribe",
			options: []map[string]any{{"name": "watch", "type": 3, "value": "  apt29 "}},
			kind:    bot.ChatGroup, admin: true, args: "apt29"},
		{name: "plain member refused", id: "700000000000000002", token: "itokB", member: true, perms: "1024",
			user: "800000000000000002", command: "watch",
			options: []map[string]any{{"name": "query", "type": 3, "value": `"cozy bear" OR actor:APT29`}},
			kind:    bot.ChatGroup, admin: false, args: `"cozy bear" OR actor:APT29`},
		{name: "manage server member", id: "700000000000000003", token: "itokC", member: true, perms: "32",
			user: "800000000000000003", command: "list", kind: bot.ChatGroup, admin: true, ephemeral: true},
		{name: "direct message", id: "700000000000000004", token: "itokD", member: false,
			user: "800000000000000004", command: "help", kind: bot.ChatPrivate},
		{name: "group DM", id: "700000000000000005", token: "itokE", member: false, groupDM: true,
			user: "800000000000000005", command: "mute",
			options: []map[string]any{{"name": "duration", "type": 3, "value": "2h"}},
			kind:    bot.ChatGroup, admin: false, args: "2h"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			channel := "610000000000000001"
			p := interactionPayload(tc.id, tc.token, guild, channel, tc.member, tc.user, tc.perms, tc.command, tc.options)
			if tc.groupDM {
				p["context"] = 2
			}
			fake.dispatch(t, "INTERACTION_CREATE", p)
			r, admin := h.next(t)
			if r.Platform != "discord" || string(r.Chat) != "discord:"+channel || r.Kind != tc.kind ||
				r.UserID != tc.user || r.Command != tc.command || r.Args != tc.args {
				t.Errorf("request = %+v", r)
			}
			if admin != tc.admin {
				t.Errorf("IsChatAdmin = %v, want %v", admin, tc.admin)
			}

			cb := fake.waitFor(t, "POST", "/api/v10/interactions/"+tc.id+"/"+tc.token+"/callback", 1)
			var resp struct {
				Type int `json:"type"`
				Data struct {
					Flags int `json:"flags"`
				} `json:"data"`
			}
			if err := json.Unmarshal(cb[0].Body, &resp); err != nil || resp.Type != 5 {
				t.Errorf("callback = %s (%v), want a deferred response (type 5)", cb[0].Body, err)
			}
			if got := resp.Data.Flags&64 != 0; got != tc.ephemeral {
				t.Errorf("ephemeral = %v, want %v", got, tc.ephemeral)
			}

			edits := fake.waitFor(t, "PATCH", "/api/v10/webhooks/"+testAppID+"/"+tc.token+"/messages/@original", 1)
			var parts []string
			for _, e := range edits {
				parts = append(parts, decodeSent(t, e).Content)
			}
			if tc.command == "list" {
				fus := fake.waitFor(t, "POST", "/api/v10/webhooks/"+testAppID+"/"+tc.token, 1)
				for _, f := range fus {
					parts = append(parts, decodeSent(t, f).Content)
				}
				if len(parts) != 2 {
					t.Errorf("long answer in %d messages, want 2", len(parts))
				}
				if got, want := strings.Join(parts, "\n"), Escape(strings.TrimSpace(longList), 0); got != want {
					t.Errorf("long answer split lost text: got %d characters, want %d", len(got), len(want))
				}
			}
			for _, p := range parts {
				if n := utf8.RuneCountInString(p); n == 0 || n > MaxContent {
					t.Errorf("answer part has %d characters", n)
				}
				for _, bad := range []string{"@everyone", "@here", "<@1>"} {
					if strings.Contains(p, bad) {
						t.Errorf("answer contains %q: %q", bad, p)
					}
				}
			}
			if tc.command != "list" && !strings.Contains(parts[0], tc.args) && tc.args != "" && !strings.ContainsAny(tc.args, `"*`) {
				t.Errorf("answer %q does not carry the reply text", parts[0])
			}
		})
	}

	t.Run("expired interaction", func(t *testing.T) {
		const id, token = "700000000000000009", "itokEXPIRED"
		fake.script("POST", "/api/v10/interactions/"+id+"/"+token+"/callback",
			reply{Status: 404, Body: `{"message":"Unknown interaction","code":10062}`})
		fake.dispatch(t, "INTERACTION_CREATE", interactionPayload(id, token, guild, "610000000000000001", true, "800000000000000009", "16", "status", nil))
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(logs.String(), "could not acknowledge") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(logs.String(), "could not acknowledge") || !strings.Contains(logs.String(), "10062") {
			t.Fatalf("failure to acknowledge not logged:\n%s", logs.String())
		}
		if strings.Contains(logs.String(), token) {
			t.Errorf("log leaks the interaction token")
		}
		select {
		case r := <-h.got:
			t.Errorf("command ran although it could not be acknowledged: %+v", r)
		case <-time.After(100 * time.Millisecond):
		}
	})

	if err := stop(); err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
	if n := fake.connected(); n != 0 {
		t.Errorf("%d gateway connections left open", n)
	}
}

func TestRunRegistersGlobalCommands(t *testing.T) {
	d, _ := newTest(t, Options{Token: testToken})
	stop := startRun(t, d, newRecordingHandler(func(bot.Request) string { return "ok" }))
	fake.waitFor(t, "PUT", "/api/v10/applications/"+testAppID+"/commands", 1)
	if n := len(fake.requests("PUT", "/api/v10/applications/"+testAppID+"/guilds/")); n != 0 {
		t.Errorf("%d guild registrations without configured guilds", n)
	}
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestRunSurvivesRegistrationFailure(t *testing.T) {
	const gone, good = "600000000000000007", "600000000000000008"
	d, logs := newTest(t, Options{Token: testToken, Guilds: []string{gone, good}})
	fake.script("PUT", "/api/v10/applications/"+testAppID+"/guilds/"+gone+"/commands",
		reply{Status: 403, Body: `{"message":"Missing Access","code":50001}`})
	h := newRecordingHandler(func(bot.Request) string { return "pong" })
	stop := startRun(t, d, h)
	fake.waitFor(t, "PUT", "/api/v10/applications/"+testAppID+"/guilds/"+good+"/commands", 1)
	fake.dispatch(t, "INTERACTION_CREATE", interactionPayload("700000000000000020", "itokF", good, "610000000000000002", true, "800000000000000020", "0", "help", nil))
	if r, _ := h.next(t); r.Command != "help" {
		t.Errorf("request = %+v", r)
	}
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
	if !strings.Contains(logs.String(), "could not register") || !strings.Contains(logs.String(), "50001") {
		t.Errorf("registration failure not logged:\n%s", logs.String())
	}
}

func TestRunRejectsBadToken(t *testing.T) {
	d, _ := newTest(t, Options{Token: "wrong-token-value"}, "wrong-token-value")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := d.Run(ctx, newRecordingHandler(func(bot.Request) string { return "" }))
	if err == nil {
		t.Fatal("Run with a bad token succeeded")
	}
	if !notify.IsPermanent(err) {
		t.Errorf("a rejected token should be permanent, got %T %v", err, err)
	}
	if strings.Contains(err.Error(), "wrong-token-value") {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestRunWithoutToken(t *testing.T) {
	d, _ := newTest(t, Options{})
	if err := d.Run(context.Background(), newRecordingHandler(func(bot.Request) string { return "" })); err == nil {
		t.Fatal("Run without a token succeeded")
	}
}

// TestPublicAnswers checks that exactly the commands that change what a
// channel receives answer the whole channel.
func TestPublicAnswers(t *testing.T) {
	for _, c := range bot.Commands() {
		if got := public(c.Name); got != (c.Access == bot.ChatManagers) {
			t.Errorf("/%s (%s): public = %v", c.Name, c.Access, got)
		}
	}
	for _, name := range []string{"watch", "subscribe", "unsubscribe", "mute", "unmute"} {
		if !public(name) {
			t.Errorf("/%s answers only the caller; it changes the channel", name)
		}
	}
	for _, name := range []string{"help", "list", "status", "addfeed", "frobnicate"} {
		if public(name) {
			t.Errorf("/%s answers the whole channel", name)
		}
	}
}
