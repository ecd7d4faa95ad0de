package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/feeds"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/sqlite"
	"github.com/newshound/newshound/watchlist"
)

// The users and chats of the tests.
const (
	tgAdmin   = "1001" // in admins.telegram
	tgUser    = "3003"
	dcAdmin   = "2002" // in admins.discord
	routedTG  = "telegram:-100500"
	groupChat = "telegram:-100777"
)

// testConfig is a config with two routed/unrouted watches, one trusted feed
// and tight limits; %s/%v/%v/%d: a config feed tagged "other" on the test
// server, allow_private_feeds, allow_chat_regex, commands_per_minute.
const testConfig = `
feeds:
  - url: https://trusted.example/rss
    name: Trusted Wire
    tags: [ukraine]
  - url: %s
    name: Tagged Wire
    tags: [other]
entities:
  russia: [Russia, Russian, Kremlin]
watches:
  - name: apt29
    query: 'actor:APT29'
  - name: russia-azerbaijan
    query: '(actor:russia OR Moscow) AND (Azerbaijan OR Baku)'
  - name: kyiv
    query: 'Kyiv'
    tags: [ukraine]
routes:
  - watches: [apt29]
    to: [console, "telegram:-100500"]
admins:
  telegram: [1001]
  discord: ["2002"]
security:
  allow_private_feeds: %v
  allow_chat_regex: %v
limits:
  query_length: 80
  subscriptions_per_chat: 3
  commands_per_minute: %d
`

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testRegistry is the built-in actor table plus cfg's entities (what
// engine.NewRegistry builds, without alias files).
// reload compiles cfg and, if it compiles, swaps it in, as the engine's
// OnReload does; on error the old set stays in force.
func (h *harness) reload(cfg *config.Config) error {
	set, err := watchlist.Compile(cfg, nil)
	if err != nil {
		return err
	}
	h.core.SetWatchlist(set)
	return nil
}

type harness struct {
	t     *testing.T
	core  *Core
	db    *sqlite.DB
	clock *clock
	cfg   *config.Config
	// feedURL serves testdata/feed.xml on loopback.
	feedURL string
}

type opts struct {
	allowPrivate, allowRegex bool
	perMinute                int
	store                    Store // overrides the real store when set
}

func newHarness(t *testing.T, o opts) *harness {
	t.Helper()
	if o.perMinute == 0 {
		o.perMinute = 1000
	}
	body, err := os.ReadFile(filepath.Join("testdata", "feed.xml"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/article" {
			http.ServeFile(w, r, filepath.Join("..", "feeds", "article", "testdata", "therecord.html"))
			return
		}
		if r.URL.Path == "/html" {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>not a feed</body></html>")
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)

	cfg, err := config.Parse([]byte(fmt.Sprintf(testConfig, srv.URL+"/tagged.xml", o.allowPrivate, o.allowRegex, o.perMinute)), "test.yaml")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	set, err := watchlist.Compile(cfg, nil)
	if err != nil {
		t.Fatalf("watchlist: %v", err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"))
	if err != nil {
		t.Fatalf("store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	var st Store = db
	if o.store != nil {
		st = o.store
	}
	// The store's own clock is the real one (mutes compare with it), so the
	// test clock starts now and only moves forward.
	clk := &clock{t: time.Now().Truncate(time.Millisecond)}
	core := New(Deps{
		Store:     st,
		Watchlist: set,
		Fetcher:   FeedFetcher{F: feeds.NewFetcher(feeds.Options{Timeout: 5 * time.Second})},
		Now:       clk.Now,
	})
	return &harness{t: t, core: core, db: db, clock: clk, cfg: cfg, feedURL: srv.URL + "/feed.xml"}
}

func (h *harness) send(r Request) string {
	h.t.Helper()
	return h.core.Handle(context.Background(), r).Text
}

// private is a command in a user's private Telegram chat.
func private(user, cmd, args string) Request {
	return Request{Platform: "telegram", Chat: model.Destination("telegram:" + user), Kind: ChatPrivate, UserID: user, UserName: "u" + user, Command: cmd, Args: args}
}

// group is a command in a Telegram group; chatAdmin says what getChatMember would answer.
func group(chat, user string, chatAdmin bool, cmd, args string) Request {
	return Request{Platform: "telegram", Chat: model.Destination(chat), Kind: ChatGroup, UserID: user, Command: cmd, Args: args,
		IsChatAdmin: func(context.Context) (bool, error) { return chatAdmin, nil }}
}

func mustContain(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("reply does not contain %q:\n%s", w, got)
		}
	}
}

func mustNotContain(t *testing.T, got string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(got, w) {
			t.Errorf("reply contains %q:\n%s", w, got)
		}
	}
}

var idRE = regexp.MustCompile(`\(id ([a-z2-7]{6})\)`)

// subID extracts the subscription id a /watch or /subscribe reply names.
func subID(t *testing.T, reply string) string {
	t.Helper()
	m := idRE.FindStringSubmatch(reply)
	if m == nil {
		t.Fatalf("no subscription id in reply: %s", reply)
	}
	return m[1]
}

func TestNotReadyWithoutConfig(t *testing.T) {
	c := New(Deps{})
	got := c.Handle(context.Background(), private(tgUser, "help", "")).Text
	mustContain(t, got, "starting up")
}

func TestHelpAndUnknownCommand(t *testing.T) {
	h := newHarness(t, opts{})
	user := h.send(private(tgUser, "help", ""))
	mustContain(t, user, "/watch QUERY", "/subscribe WATCH", "/unsubscribe ID", "/mute DURATION", "/status", "actor:APT29")
	mustNotContain(t, user, "/addfeed", "/retry")

	admin := h.send(private(tgAdmin, "help", ""))
	mustContain(t, admin, "Admin commands", "/addfeed URL", "/rmfeed URL", "/failed", "/retry [ID]")

	inGroup := h.send(group(groupChat, tgUser, false, "help", ""))
	mustContain(t, inGroup, "changed by the group's administrators")

	start := h.send(private(tgUser, "start", ""))
	if start != user {
		t.Errorf("/start differs from /help:\n%s", start)
	}

	unknown := h.send(private(tgUser, "frobnicate", "x"))
	mustContain(t, unknown, "/frobnicate", "/help")
	slash := h.send(private(tgUser, "/LIST", ""))
	mustContain(t, slash, "no subscriptions")
}

func TestWatchSubscribeListUnsubscribe(t *testing.T) {
	h := newHarness(t, opts{})
	chat := private(tgUser, "", "")
	do := func(cmd, args string) string {
		r := chat
		r.Command, r.Args = cmd, args
		return h.send(r)
	}

	got := do("watch", `“Midnight Blizzard”   OR "Cozy Bear"`)
	mustContain(t, got, "Subscribed", `"Midnight Blizzard" OR "Cozy Bear"`)
	qid := subID(t, got)

	got = do("watch", `"Midnight Blizzard" OR "Cozy Bear"`)
	mustContain(t, got, "already watches that query", qid)

	got = do("subscribe", "Russia-Azerbaijan") // case-insensitive name
	mustContain(t, got, "Subscribed to russia-azerbaijan")
	wid := subID(t, got)
	got = do("subscribe", "russia-azerbaijan")
	mustContain(t, got, "already subscribed", wid)

	got = do("subscribe", "nope")
	mustContain(t, got, `no watch named "nope"`, "/watches")

	got = do("list", "")
	mustContain(t, got, "Subscriptions of this chat (2)", qid+"  query \"Midnight Blizzard\" OR \"Cozy Bear\"", wid+"  watch russia-azerbaijan")
	mustNotContain(t, got, "Routed here")

	got = do("watches", "")
	mustContain(t, got, "Configured watches (3)", "apt29: actor:APT29", "russia-azerbaijan:", "(subscribed)", "[feeds tagged ukraine]")

	// by id, in upper case
	got = do("unsubscribe", strings.ToUpper(qid))
	mustContain(t, got, "Unsubscribed")
	// by watch name
	got = do("unsubscribe", "russia-azerbaijan")
	mustContain(t, got, "Unsubscribed")
	got = do("unsubscribe", wid)
	mustContain(t, got, "Nothing removed", wid)
	// by the query itself, typed again with phone quotes
	subID(t, do("watch", `"Kyiv" OR Kharkiv`))
	got = do("unsubscribe", " \u201cKyiv\u201d   OR Kharkiv")
	mustContain(t, got, "Unsubscribed")

	subs, err := h.db.Subscriptions(context.Background(), chat.Chat)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 0 {
		t.Errorf("subscriptions left: %+v", subs)
	}
	mustContain(t, do("list", ""), "no subscriptions")
}

func TestListShowsConfigRoutesAndSubscriptions(t *testing.T) {
	h := newHarness(t, opts{})
	r := group(routedTG, tgUser, true, "subscribe", "apt29")
	got := h.send(r)
	mustContain(t, got, "Subscribed to apt29", "already routes it here")
	id := subID(t, got)

	r.Command, r.Args = "list", ""
	got = h.send(r)
	mustContain(t, got, id+"  watch apt29", "Routed here by config.yaml: apt29")

	r.Command = "watches"
	mustContain(t, h.send(r), "apt29: actor:APT29 (subscribed)")

	r.Command, r.Args = "unsubscribe", "apt29"
	mustContain(t, h.send(r), "Unsubscribed")
	r.Command, r.Args = "unsubscribe", "apt29"
	mustContain(t, h.send(r), "through a route in config.yaml")
	r.Command, r.Args = "list", ""
	got = h.send(r)
	mustContain(t, got, "Routed here by config.yaml: apt29")
	mustNotContain(t, got, "Subscriptions of this chat")
	r.Command = "watches"
	mustContain(t, h.send(r), "apt29: actor:APT29 (routed here)")
}

func TestBadQueries(t *testing.T) {
	tests := []struct {
		name       string
		o          opts
		user       string
		query      string
		want       []string
		subscribes bool
	}{
		{"unbalanced parenthesis", opts{}, tgUser, `"Cozy Bear" OR (APT29`, []string{"Nothing was added", "at character"}, false},
		{"dangling operator", opts{}, tgUser, `Kyiv AND`, []string{"at character", "Kyiv AND▶"}, false},
		{"unknown actor", opts{}, tgUser, `Kyiv OR actor:NoSuchGroup`, []string{"at character 9", `unknown actor "NoSuchGroup"`}, false},
		{"regex refused for chat users", opts{}, tgUser, `/APT ?29/`, []string{"Regular expressions", "security.allow_chat_regex"}, false},
		{"regex allowed for config admins", opts{}, tgAdmin, `/APT ?29/`, []string{"Subscribed"}, true},
		{"regex allowed by config", opts{allowRegex: true}, tgUser, `/APT ?29/`, []string{"Subscribed"}, true},
		{"bad regex explained", opts{allowRegex: true}, tgUser, `/APT(29/`, []string{"bad regular expression"}, false},
		{"too long", opts{}, tgUser, strings.Repeat("w", 100), []string{"100 characters long; the limit is 80"}, false},
		{"too long counts runes", opts{}, tgUser, strings.Repeat("Россия ", 11), []string{"Subscribed"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.o)
			got := h.send(private(tc.user, "watch", tc.query))
			mustContain(t, got, tc.want...)
			subs, err := h.db.Subscriptions(context.Background(), model.Destination("telegram:"+tc.user))
			if err != nil {
				t.Fatal(err)
			}
			if (len(subs) == 1) != tc.subscribes {
				t.Errorf("subscriptions = %+v, want subscribed=%v (reply %q)", subs, tc.subscribes, got)
			}
		})
	}
}

func TestQueryErrorPointsAtPosition(t *testing.T) {
	h := newHarness(t, opts{})
	got := h.send(private(tgUser, "watch", `Kyiv OR )`))
	// ")" is the 9th character.
	mustContain(t, got, "at character 9", "Kyiv OR ▶)")
}

func TestSubscriptionLimit(t *testing.T) {
	h := newHarness(t, opts{}) // subscriptions_per_chat: 3
	for i, q := range []string{"Kyiv", "Kharkiv", "Odesa"} {
		got := h.send(private(tgUser, "watch", q))
		mustContain(t, got, "Subscribed")
		_ = i
	}
	got := h.send(private(tgUser, "watch", "Lviv"))
	mustContain(t, got, "already has 3 subscriptions", "/unsubscribe")
	got = h.send(private(tgUser, "subscribe", "apt29"))
	mustContain(t, got, "already has 3 subscriptions")
	// another chat is not affected
	mustContain(t, h.send(private(tgAdmin, "watch", "Lviv")), "Subscribed")
}

func TestPermissions(t *testing.T) {
	errChatAdmin := func(r Request) Request {
		r.IsChatAdmin = func(context.Context) (bool, error) { return false, errors.New("getChatMember: timeout") }
		return r
	}
	noCheck := func(r Request) Request { r.IsChatAdmin = nil; return r }
	discord := func(user string, chatAdmin bool) Request {
		return Request{Platform: "discord", Chat: "discord:42", Kind: ChatGroup, UserID: user,
			IsChatAdmin: func(context.Context) (bool, error) { return chatAdmin, nil }}
	}
	type who struct {
		name string
		req  Request
		// manage: may change subscriptions; admin: may run admin commands
		manage, admin bool
		refusal       string
	}
	whos := []who{
		{"private chat user", private(tgUser, "", ""), true, false, ""},
		{"group administrator", group(groupChat, tgUser, true, "", ""), true, false, ""},
		{"group member", group(groupChat, tgUser, false, "", ""), false, false, "only its administrators"},
		{"group member, admin check fails", errChatAdmin(group(groupChat, tgUser, false, "", "")), false, false, "could not check"},
		{"group member, no admin check", noCheck(group(groupChat, tgUser, false, "", "")), false, false, "could not check"},
		{"config admin in a group", noCheck(group(groupChat, tgAdmin, false, "", "")), true, true, ""},
		{"config admin in private", private(tgAdmin, "", ""), true, true, ""},
		{"discord admin", discord(dcAdmin, false), true, true, ""},
		{"telegram admin id on discord", discord(tgAdmin, false), false, false, "only its administrators"},
		{"discord channel manager", discord("555", true), true, false, ""},
	}
	manageCmds := []struct{ cmd, args, ok string }{
		{"watch", "Kyiv", "Subscribed"},
		{"subscribe", "apt29", "Subscribed"},
		{"unsubscribe", "apt29", "Unsubscribed"},
		{"mute", "1h", "Muted for 1h"},
		{"unmute", "", "Unmuted"},
	}
	adminCmds := []struct{ cmd, args string }{
		// config feeds: refused after the permission check, before any fetch
		{"addfeed", "https://trusted.example/rss"},
		{"rmfeed", "https://trusted.example/rss"},
		{"failed", ""},
		{"retry", ""},
	}
	for _, w := range whos {
		t.Run(w.name, func(t *testing.T) {
			h := newHarness(t, opts{})
			for _, mc := range manageCmds {
				r := w.req
				r.Command, r.Args = mc.cmd, mc.args
				got := h.send(r)
				if w.manage {
					mustContain(t, got, mc.ok)
				} else {
					mustContain(t, got, w.refusal)
					mustNotContain(t, got, mc.ok)
				}
			}
			if !w.manage {
				if subs, _ := h.db.Subscriptions(context.Background(), w.req.Chat); len(subs) != 0 {
					t.Errorf("refused user changed subscriptions: %+v", subs)
				}
			}
			for _, ac := range adminCmds {
				r := w.req
				r.Command, r.Args = ac.cmd, ac.args
				got := h.send(r)
				if w.admin {
					mustNotContain(t, got, "Only the bot's admins")
				} else {
					mustContain(t, got, "Only the bot's admins may use /"+ac.cmd, "your id is "+w.req.UserID)
				}
			}
			// read-only commands are for everyone
			for _, cmd := range []string{"list", "watches", "feeds", "status", "help"} {
				r := w.req
				r.Command, r.Args = cmd, ""
				got := h.send(r)
				mustNotContain(t, got, "only its administrators may change", "Only the bot's admins")
			}
		})
	}
}

func TestChatAdminCheckedOnlyForChanges(t *testing.T) {
	h := newHarness(t, opts{})
	calls := 0
	r := group(groupChat, tgUser, true, "list", "")
	r.IsChatAdmin = func(context.Context) (bool, error) { calls++; return true, nil }
	h.send(r)
	r.Command = "test"
	r.Args = "Kyiv"
	h.send(r)
	if calls != 0 {
		t.Errorf("IsChatAdmin called %d times for read-only commands", calls)
	}
	r.Command, r.Args = "watch", "Kyiv"
	h.send(r)
	if calls != 1 {
		t.Errorf("IsChatAdmin called %d times for /watch, want 1", calls)
	}
}

func TestMissingArguments(t *testing.T) {
	h := newHarness(t, opts{})
	for _, cmd := range []string{"watch", "subscribe", "unsubscribe", "test", "mute"} {
		got := h.send(private(tgUser, cmd, "   "))
		mustContain(t, got, "Usage: /"+cmd)
	}
	for _, cmd := range []string{"addfeed", "rmfeed"} {
		got := h.send(private(tgAdmin, cmd, ""))
		mustContain(t, got, "Usage: /"+cmd)
	}
}

func TestCommandFlood(t *testing.T) {
	h := newHarness(t, opts{perMinute: 3})
	for i := range 3 {
		got := h.send(private(tgUser, "list", ""))
		mustNotContain(t, got, "Slow down")
		_ = i
	}
	got := h.send(private(tgUser, "list", ""))
	mustContain(t, got, "Slow down", "at most 3 commands a minute", "Try again in 20s")
	// unknown commands count too, and are refused the same way
	mustContain(t, h.send(private(tgUser, "bogus", "")), "Slow down")
	// other users are not affected
	mustNotContain(t, h.send(private(tgAdmin, "list", "")), "Slow down")
	// the same user in a group is still the same user
	mustContain(t, h.send(group(groupChat, tgUser, true, "list", "")), "Slow down")
	// the same id on another platform is another user
	mustNotContain(t, h.send(Request{Platform: "discord", Chat: "discord:1", Kind: ChatPrivate, UserID: tgUser, Command: "list"}), "Slow down")

	h.clock.Advance(20 * time.Second)
	mustNotContain(t, h.send(private(tgUser, "list", "")), "Slow down")
	mustContain(t, h.send(private(tgUser, "list", "")), "Slow down")
	h.clock.Advance(time.Minute)
	for range 3 {
		mustNotContain(t, h.send(private(tgUser, "list", "")), "Slow down")
	}
}

func TestMuteUnmute(t *testing.T) {
	h := newHarness(t, opts{})
	ctx := context.Background()
	chat := "telegram:" + tgUser

	got := h.send(private(tgUser, "unmute", ""))
	mustContain(t, got, "not muted")

	got = h.send(private(tgUser, "mute", "2h"))
	mustContain(t, got, "Muted for 2h", "held, not dropped")
	until, err := h.db.MuteUntil(ctx, model.Destination(chat))
	if err != nil {
		t.Fatal(err)
	}
	if want := h.clock.Now().Add(2 * time.Hour); !until.Equal(want) {
		t.Errorf("muted until %v, want %v", until, want)
	}
	mustContain(t, h.send(private(tgUser, "list", "")), "Muted until")
	mustContain(t, h.send(private(tgUser, "status", "")), "muted until")

	for _, bad := range []struct{ arg, want string }{
		{"forever", "not a duration I understand"},
		{"31d", "at most 30 days"},
		{"10s", "at least one minute"},
		{"2x", "not a duration I understand"},
		{"99999999999999999999h", "at most 30 days"},
	} {
		got := h.send(private(tgUser, "mute", bad.arg))
		mustContain(t, got, "Not muted", bad.want)
	}
	// refusals left the mute alone
	if u, _ := h.db.MuteUntil(ctx, model.Destination(chat)); !u.Equal(until) {
		t.Errorf("bad /mute changed the mute to %v", u)
	}

	got = h.send(private(tgUser, "unmute", ""))
	mustContain(t, got, "Unmuted")
	if u, _ := h.db.MuteUntil(ctx, model.Destination(chat)); !u.IsZero() {
		t.Errorf("still muted until %v", u)
	}
}

func TestParseMuteDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"30m", 30 * time.Minute, false},
		{"2h", 2 * time.Hour, false},
		{"1d", 24 * time.Hour, false},
		{"1w", 7 * 24 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"1d 12h", 36 * time.Hour, false},
		{"90min", 90 * time.Minute, false},
		{"2 hours", 2 * time.Hour, false},
		{"3 days", 72 * time.Hour, false},
		{"30d", 30 * 24 * time.Hour, false},
		{"2H", 2 * time.Hour, false},
		{"30d1m", 0, true},
		{"5w", 0, true},
		{"0m", 0, true},
		{"", 0, true},
		{"1.5h", 0, true},
		{"-1h", 0, true},
		{"h", 0, true},
	}
	for _, tc := range tests {
		got, err := ParseMuteDuration(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseMuteDuration(%q) = %v, %v; want %v, err=%v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestTestText(t *testing.T) {
	h := newHarness(t, opts{})
	got := h.send(private(tgUser, "test", "Midnight Blizzard targets diplomats"))
	mustContain(t, got, "1 watch would fire", "apt29", `APT29, as "Midnight Blizzard"`, "«Midnight Blizzard»")

	got = h.send(group(routedTG, tgUser, false, "test", "Cozy Bear hits Baku, Moscow says"))
	mustContain(t, got, "2 watches would fire", "apt29 (routed here)", "russia-azerbaijan", "Moscow", "Baku")

	// text comes from no feed: tagged watches fire too, as in `newshound match --text`
	got = h.send(private(tgUser, "test", "Kyiv metro reopens"))
	mustContain(t, got, "1 watch would fire", "• kyiv — Kyiv")

	got = h.send(private(tgUser, "test", "a quiet day"))
	mustContain(t, got, "No watch would fire")

	// the chat's own queries are tested too
	id := subID(t, h.send(private(tgUser, "watch", "bakery")))
	got = h.send(private(tgUser, "test", "The bakery opened"))
	mustContain(t, got, "this chat's query "+id, "«bakery»")
	// but not another chat's
	mustContain(t, h.send(private(tgAdmin, "test", "The bakery opened")), "No watch would fire")
}

func TestTestURL(t *testing.T) {
	t.Run("guarded", func(t *testing.T) {
		h := newHarness(t, opts{})
		got := h.send(private(tgUser, "test", h.feedURL))
		mustContain(t, got, "Could not read that URL", "non-public address")
	})
	t.Run("config feed is trusted and keeps its tags", func(t *testing.T) {
		h := newHarness(t, opts{})
		tagged := strings.Replace(h.feedURL, "/feed.xml", "/tagged.xml", 1)
		got := h.send(private(tgUser, "test", tagged))
		// the feed is tagged "other": the kyiv watch (tagged ukraine) does not see it
		mustContain(t, got, `4 items, 2 would fire a watch.`, "apt29", "russia-azerbaijan")
		mustNotContain(t, got, "Kyiv metro", "non-public")
	})
	t.Run("private feeds allowed", func(t *testing.T) {
		h := newHarness(t, opts{allowPrivate: true})
		got := h.send(private(tgUser, "test", h.feedURL))
		// an unknown feed: the watches' feed tags are ignored, as in `newshound match`;
		// the reason names the alias the snippet marks (the summary's, not the title's)
		mustContain(t, got, `Fetched "Test Wire": 4 items, 3 would fire a watch.`,
			"Cozy Bear phishing wave", "https://wire.example/cozy-bear\n", `APT29, as "Midnight Blizzard"`, "«Midnight Blizzard»",
			"Moscow and Baku trade accusations", "russia-azerbaijan", "Kyiv metro reopens", "• kyiv — Kyiv")
		mustNotContain(t, got, "bakery", "utm_source")
		got = h.send(private(tgUser, "test", strings.Replace(h.feedURL, "/feed.xml", "/html", 1)))
		mustContain(t, got, "Could not read that URL as a feed")
	})
}

func TestFeedsAndStatus(t *testing.T) {
	h := newHarness(t, opts{allowPrivate: true})
	ctx := context.Background()
	now := h.clock.Now()

	got := h.send(private(tgUser, "feeds", ""))
	mustContain(t, got, "Feeds (2)", "Trusted Wire (https://trusted.example/rss)", "Tagged Wire (", "not polled yet")

	mustContain(t, h.send(private(tgAdmin, "addfeed", h.feedURL+" osint")), "Added")

	if err := h.db.SaveFeedState(ctx, model.FeedState{
		URL: "https://trusted.example/rss", Name: "Trusted Wire",
		LastPoll: now.Add(-time.Minute), LastSuccess: now.Add(-3 * time.Hour),
		LastError: "fetch https://trusted.example/rss?key=SECRET: HTTP 503 Service Unavailable", LastErrorAt: now.Add(-time.Minute),
		Failures: 4, NextPoll: now.Add(10 * time.Minute),
	}); err != nil {
		t.Fatal(err)
	}
	if err := h.db.SaveFeedState(ctx, model.FeedState{
		URL: h.feedURL, Name: "Test Wire", LastPoll: now.Add(-2 * time.Minute), LastSuccess: now.Add(-2 * time.Minute),
		NextPoll: now.Add(3 * time.Minute),
	}); err != nil {
		t.Fatal(err)
	}
	got = h.send(private(tgUser, "feeds", ""))
	mustContain(t, got, "Feeds (3)",
		"FAILING (4 in a row): fetch https://trusted.example/rss?…: HTTP 503 Service Unavailable, 1m ago", "last success 3h ago", "next poll in 10m",
		"Test Wire ("+h.feedURL+") [added from chat]", "ok, last success 2m ago; next poll in 3m")

	// two alerts queued, one parked
	queueAlerts(t, h.db, "https://unlisted.example/rss",
		model.Alert{Destination: routedTG, Title: "One"},
		model.Alert{Destination: "telegram:" + tgUser, Title: "Two"},
		model.Alert{Destination: "discord:42", Title: "Three"})
	rows, err := h.db.ListOutbox(ctx, model.StatePending, "discord:42", 10)
	if err != nil || len(rows) != 1 {
		t.Fatalf("outbox: %v %v", rows, err)
	}
	if err := h.db.Park(ctx, rows[0].ID, "403 Forbidden: bot was kicked"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.AddSubscription(ctx, model.Subscription{Chat: routedTG, Watch: "kyiv"}); err != nil {
		t.Fatal(err)
	}
	got = h.send(group(routedTG, tgUser, false, "status", ""))
	mustContain(t, got, "Alerts waiting: 2", "Alerts parked after failing: 1 (admins: /failed, /retry)",
		"Feeds: 3 — 1 ok, 1 failing, 1 not polled yet", "Failing: Trusted Wire", "This chat: 1 subscription, 1 watch routed here by config.yaml")
}

// queueAlerts records a new item of feed with the given alerts.
func queueAlerts(t *testing.T, db *sqlite.DB, feed string, alerts ...model.Alert) {
	t.Helper()
	key := fmt.Sprintf("item-%d", time.Now().UnixNano())
	_, err := db.Ingest(context.Background(), model.FeedState{URL: feed}, []string{key},
		[]model.NewItem{{Key: key, Published: time.Now(), Alerts: alerts}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFailedAndRetry(t *testing.T) {
	h := newHarness(t, opts{})
	ctx := context.Background()
	mustContain(t, h.send(private(tgAdmin, "failed", "")), "No parked alerts")
	mustContain(t, h.send(private(tgAdmin, "retry", "")), "no alerts are parked")

	hook := model.Destination("discord-webhook:https://discord.com/api/webhooks/123456/SECRETwebhookTOKEN_abc")
	queueAlerts(t, h.db, "https://trusted.example/rss",
		model.Alert{Destination: hook, Title: "Webhook story"},
		model.Alert{Destination: "telegram:-42", Title: "Telegram story"})
	rows, err := h.db.ListOutbox(ctx, model.StatePending, "", 10)
	if err != nil || len(rows) != 2 {
		t.Fatalf("outbox: %v %v", rows, err)
	}
	for _, r := range rows {
		reason := "403 Forbidden: bot was blocked by the user"
		if r.Destination == hook {
			reason = "404 from https://discord.com/api/webhooks/123456/SECRETwebhookTOKEN_abc: Unknown Webhook"
		}
		if err := h.db.Park(ctx, r.ID, reason); err != nil {
			t.Fatal(err)
		}
	}
	got := h.send(private(tgAdmin, "failed", ""))
	mustContain(t, got, "Parked alerts: 2", fmt.Sprint(rows[0].ID), fmt.Sprint(rows[1].ID),
		"Webhook story", "Telegram story", "bot was blocked", "to discord-webhook:https://discord.com/…", "webhooks/123456/[token]", "/retry ID")
	mustNotContain(t, got, "SECRET")

	var woken int
	h.core.wake = func() { woken++ }
	mustContain(t, h.send(private(tgAdmin, "retry", "abc")), "not an alert id")
	mustContain(t, h.send(private(tgAdmin, "retry", "999999")), "no parked alert with id 999999")
	mustContain(t, h.send(private(tgAdmin, "retry", fmt.Sprint(rows[1].ID))), "1 alert re-queued")
	if st, _ := h.db.QueueStats(ctx); st.Parked != 1 || st.Pending != 1 {
		t.Errorf("after /retry ID: %+v", st)
	}
	mustContain(t, h.send(private(tgAdmin, "retry", "all")), "1 alert re-queued")
	if st, _ := h.db.QueueStats(ctx); st.Parked != 0 || st.Pending != 2 {
		t.Errorf("after /retry all: %+v", st)
	}
	mustContain(t, h.send(private(tgAdmin, "failed", "")), "No parked alerts")
	if woken != 2 {
		t.Errorf("dispatcher woken %d times, want 2 (one per /retry that re-queued)", woken)
	}
}

func TestAddFeedAndRmFeed(t *testing.T) {
	t.Run("guarded", func(t *testing.T) {
		h := newHarness(t, opts{})
		got := h.send(private(tgAdmin, "addfeed", h.feedURL))
		mustContain(t, got, "Not added", "non-public address")
		if fs, _ := h.db.ChatFeeds(context.Background()); len(fs) != 0 {
			t.Errorf("refused feed stored: %+v", fs)
		}
	})
	h := newHarness(t, opts{allowPrivate: true})
	ctx := context.Background()
	tests := []struct{ args, want string }{
		{"ftp://example.org/feed", "must start with http:// or https://"},
		{"https://user:pw@example.org/feed", "user name or password"},
		{"https://" + strings.Repeat("a", 2100) + ".example/", "the limit is 2048"},
		{"not a url", "must start with http"},
		{"https://Trusted.Example:443/rss", `already in config.yaml as "Trusted Wire"`},
		{h.feedURL + " ok bad!tag", `"bad!tag" is not a valid tag`},
		{strings.Replace(h.feedURL, "/feed.xml", "/html", 1), "fetched it once to check it and that failed"},
		{h.feedURL + " OSINT,#wire osint", `Added "Test Wire" (4 items now)`},
		{h.feedURL, "already added from chat"},
	}
	for _, tc := range tests {
		mustContain(t, h.send(private(tgAdmin, "addfeed", tc.args)), tc.want)
	}
	fs, err := h.db.ChatFeeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].URL != h.feedURL || strings.Join(fs[0].Tags, ",") != "osint,wire" || fs[0].AddedBy != tgAdmin {
		t.Fatalf("chat feeds = %+v", fs)
	}

	mustContain(t, h.send(private(tgAdmin, "rmfeed", "https://trusted.example/rss")), "comes from config.yaml")
	mustContain(t, h.send(private(tgAdmin, "rmfeed", "https://other.example/rss")), "no chat-added feed")
	mustContain(t, h.send(private(tgAdmin, "rmfeed", h.feedURL)), "Removed "+h.feedURL)
	if fs, _ := h.db.ChatFeeds(ctx); len(fs) != 0 {
		t.Errorf("feed left after /rmfeed: %+v", fs)
	}
}

// failingStore is a real store whose subscription reads fail or panic.
type failingStore struct {
	*sqlite.DB
	panics bool
}

func (f failingStore) Subscriptions(ctx context.Context, chat model.Destination) ([]model.Subscription, error) {
	if f.panics {
		panic("boom")
	}
	return nil, errors.New("disk I/O error at /var/lib/secret/path.db")
}

func TestStoreErrorsAndPanics(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := newHarness(t, opts{store: failingStore{DB: db}})
	got := h.send(private(tgUser, "list", ""))
	mustContain(t, got, "could not read this chat's subscriptions", "details are in the logs")
	mustNotContain(t, got, "/var/lib/secret")
	mustContain(t, h.send(private(tgUser, "watch", "Kyiv")), "could not count this chat's subscriptions")

	h = newHarness(t, opts{store: failingStore{DB: db, panics: true}})
	got = h.send(private(tgUser, "list", ""))
	mustContain(t, got, "something went wrong on our side", "Nothing was changed")
	// the core still answers afterwards
	mustContain(t, h.send(private(tgUser, "help", "")), "/watch QUERY")
}

func TestHotSwapUnderLoad(t *testing.T) {
	h := newHarness(t, opts{})
	cfg2 := *h.cfg
	cfg2.Watches = append([]config.Watch{{Name: "odesa", Query: "Odesa"}}, h.cfg.Watches...)
	set2, err := watchlist.Compile(&cfg2, nil)
	if err != nil {
		t.Fatal(err)
	}
	set1, err := watchlist.Compile(h.cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			user := fmt.Sprint(5000 + i)
			for j := range 20 {
				h.send(private(user, "test", "Odesa port shelled"))
				h.send(private(user, "watch", fmt.Sprintf("Kyiv%d", j%2)))
				h.send(private(user, "list", ""))
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			h.core.SetWatchlist(set2)
			h.core.SetWatchlist(set1)
		}
		h.core.SetWatchlist(set2)
	})
	wg.Wait()
	mustContain(t, h.send(private(tgUser, "test", "Odesa port shelled")), "odesa")
	mustContain(t, h.send(private(tgUser, "subscribe", "odesa")), "Subscribed to odesa")
}

func TestReplyTruncated(t *testing.T) {
	long := strings.Repeat("line of text\n", 1000)
	got := truncateReply(long)
	if len(got) > maxReply+100 {
		t.Errorf("reply is %d bytes", len(got))
	}
	mustContain(t, got, "more lines not shown")
	if short := "short"; truncateReply(short) != short {
		t.Error("short reply changed")
	}
	runes := strings.Repeat("Я", 3000) // one line, 2 bytes per rune
	if got := truncateReply(runes); !strings.HasPrefix(got, strings.Repeat("Я", 100)) || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("cut inside a rune: %q", got[len(got)-40:])
	}
}

func TestScrubSecrets(t *testing.T) {
	tests := []struct{ in, bad string }{
		{"POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage: 502", "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"},
		{"https://discord.com/api/webhooks/1234/abcDEF-ghi_jkl.mno", "abcDEF-ghi_jkl.mno"},
		{"Authorization: Bot MTIzNDU2Nzg5MDEyMzQ1Njc4.OTAx.abcdefghijklmnop", "MTIzNDU2Nzg5MDEyMzQ1Njc4"},
	}
	for _, tc := range tests {
		if got := scrubSecrets(tc.in); strings.Contains(got, tc.bad) || !strings.Contains(got, "[token]") {
			t.Errorf("scrubSecrets(%q) = %q", tc.in, got)
		}
	}
	if got := hideURLQueries(`fetch "https://x.example/rss?api_key=SECRET&x=1": 503; see https://y.example/a`); got != `fetch "https://x.example/rss?…": 503; see https://y.example/a` {
		t.Errorf("hideURLQueries = %q", got)
	}
	if got := scrubSecrets("HTTP 503 at 12:30"); got != "HTTP 503 at 12:30" {
		t.Errorf("harmless text changed: %q", got)
	}
}

func TestReload(t *testing.T) {
	h := newHarness(t, opts{})
	good, err := config.Parse([]byte("watches:\n  - name: odesa\n    query: Odesa\n"), "new.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.reload(good); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	mustContain(t, h.send(private(tgUser, "watches", "")), "Configured watches (1)", "odesa: Odesa")
	mustContain(t, h.send(private(tgUser, "test", "Odesa port")), "1 watch would fire", "odesa")

	bad := *good
	bad.Watches = []config.Watch{{Name: "broken", Query: "Kyiv AND ("}}
	if err := h.reload(&bad); err == nil {
		t.Fatal("Reload accepted a watch that does not compile")
	}
	// the old config and matcher stay in force
	mustContain(t, h.send(private(tgUser, "watches", "")), "odesa: Odesa")
	mustNotContain(t, h.send(private(tgUser, "watches", "")), "broken")
	mustContain(t, h.send(private(tgUser, "test", "Odesa port")), "odesa")
}

func TestInactiveSubscriptions(t *testing.T) {
	h := newHarness(t, opts{allowRegex: true})
	reID := subID(t, h.send(private(tgUser, "watch", "/Ky+iv/")))
	kyivID := subID(t, h.send(private(tgUser, "subscribe", "kyiv")))
	mustContain(t, h.send(private(tgUser, "test", "Kyyiv news")), "this chat's query "+reID)

	// The admins turn chat regexes off and drop the kyiv watch.
	cfg := *h.cfg
	cfg.Security.AllowChatRegex = false
	cfg.Watches = slices.DeleteFunc(slices.Clone(cfg.Watches), func(w config.Watch) bool { return w.Name == "kyiv" })
	if err := h.reload(&cfg); err != nil {
		t.Fatal(err)
	}
	got := h.send(private(tgUser, "list", ""))
	mustContain(t, got, reID+"  query /Ky+iv/ (INACTIVE: regular expressions are not allowed here)",
		kyivID+"  watch kyiv (INACTIVE: no longer in config.yaml)")
	mustContain(t, h.send(private(tgUser, "test", "Kyyiv news")), "No watch would fire")
	// they can still be removed
	mustContain(t, h.send(private(tgUser, "unsubscribe", "kyiv")), "Unsubscribed")
}
