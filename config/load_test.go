package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) LookupFunc {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func parseErrs(t *testing.T, src string) ErrorList {
	t.Helper()
	_, err := ParseEnv([]byte(src), "c.yaml", env(nil))
	if err == nil {
		return nil
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error is %T, want ErrorList: %v", err, err)
	}
	return list
}

// TestErrorPositions checks each kind of problem is reported at the exact
// line and column of the offending key or value.
func TestErrorPositions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // the single expected error
	}{
		{"unknown top-level key", "poll:\n  interval: 5m\nfeedz: []\n", "c.yaml:3:1: unknown key \"feedz\" in the config"},
		{"unknown nested key", "poll:\n  intervall: 5m\n", "c.yaml:2:3: unknown key \"intervall\" in poll"},
		{"unknown feed key", "feeds:\n  - url: https://a.example/rss\n    tag: [x]\n", "c.yaml:3:5: unknown key \"tag\" in a feed"},
		{"duplicate key", "poll:\n  interval: 5m\n  interval: 6m\n", "c.yaml:3:3: duplicate key \"interval\" in poll (first at line 2)"},
		{"wrong type int", "poll:\n  concurrency: lots\n", "c.yaml:2:16: poll.concurrency must be a whole number, got \"lots\""},
		{"wrong type mapping", "poll: 5m\n", "c.yaml:1:7: poll must be a mapping of keys to values, got \"5m\""},
		{"wrong type list", "feeds:\n  url: https://a.example/\n", "c.yaml:2:3: feeds must be a list, got a mapping"},
		{"wrong type scalar", "store:\n  path: [a, b]\n", "c.yaml:2:9: store.path must be a single value, got a list"},
		{"wrong type bool", "security:\n  allow_chat_regex: sometimes\n", "c.yaml:2:21: security.allow_chat_regex must be true or false, got \"sometimes\""},
		{"bad duration", "poll:\n  timeout: 20 seconds\n", "c.yaml:2:12: poll.timeout: bad duration \"20 seconds\""},
		{"bad feed interval", "feeds:\n  - url: https://a.example/\n    interval: often\n", "c.yaml:3:15: feed interval: bad duration \"often\""},
		{"negative duration", "poll:\n  interval: -5m\n", "c.yaml:2:13: poll.interval must not be negative"},
		{"zero min_interval", "poll:\n  min_interval: 0s\n", "c.yaml:2:17: poll.min_interval must be longer than zero"},
		{"min above max", "poll:\n  max_interval: 30m\n  min_interval: 1h\n", "c.yaml:3:17: poll.min_interval (1h0m0s) must not be longer than poll.max_interval (30m0s)"},
		{"min above default max", "poll:\n  min_interval: 7h\n", "c.yaml:2:17: poll.min_interval (7h0m0s) must not be longer than poll.max_interval (6h0m0s)"},
		{"max below default min", "poll:\n  max_interval: 30s\n", "c.yaml:2:17: poll.min_interval (1m0s) must not be longer than poll.max_interval (30s)"},
		{"negative number", "poll:\n  backfill: -2\n", "c.yaml:2:13: poll.backfill must not be negative, got -2"},
		{"zero concurrency", "poll:\n  concurrency: 0\n", "c.yaml:2:16: poll.concurrency must be at least 1, got 0"},
		{"negative limit", "limits:\n  query_length: -1\n", "c.yaml:2:17: limits.query_length must be at least 1, got -1"},
		{"bad cron", "poll:\n  schedule: \"* * *\"\n", "c.yaml:2:13: poll.schedule: bad cron spec \"* * *\""},
		{"bad cron descriptor", "poll:\n  schedule: \"@every soon\"\n", "c.yaml:2:13: poll.schedule: bad cron spec \"@every soon\""},
		{"duplicate feed url", "feeds:\n  - url: https://a.example/rss\n  - url: https://A.example:443/rss\n", "c.yaml:3:10: duplicate feed url https://A.example:443/rss (first at line 2)"},
		{"empty feed url", "feeds:\n  - url: \"\"\n", "c.yaml:2:10: feed url is empty"},
		{"missing feed url", "feeds:\n  - name: x\n", "c.yaml:2:5: feed has no url"},
		{"invalid feed url", "feeds:\n  - url: a.example/rss\n", "c.yaml:2:10: feed URL \"a.example/rss\" must start with http:// or https://"},
		{"duplicate watch", "watches:\n  - name: a\n    query: x\n  - {name: a, query: y}\n", "c.yaml:4:12: duplicate watch name \"a\" (first at line 2)"},
		{"duplicate watch ignoring case", "watches:\n  - {name: APT29, query: x}\n  - {name: apt29, query: y}\n", "c.yaml:3:12: duplicate watch name \"apt29\" (first at line 2, as \"APT29\"; names are compared ignoring case)"},
		{"bad merge", "poll:\n  <<: [1]\n", "c.yaml:2:8: << in poll must merge a mapping"},
		{"unknown key via merge", "x: &d {intervall: 5m}\n", "c.yaml:1:1: unknown key \"x\" in the config"},
		{"watch without query", "watches:\n  - name: a\n", "c.yaml:2:5: watch \"a\" has no query"},
		{"bad watch name", "watches:\n  - name: two words\n    query: x\n", "c.yaml:2:11: watch name \"two words\" may only contain"},
		{"bad color", "watches:\n  - name: a\n    query: x\n    color: red\n", "c.yaml:4:12: watch color must be a colour"},
		{"unknown route watch", "watches:\n  - {name: a, query: x}\nroutes:\n  - watches: [a, b]\n    to: [console]\n", "c.yaml:4:18: route refers to unknown watch \"b\""},
		{"malformed destination", "routes:\n  - watches: []\n    to: [console, \"telegram:\"]\n", "c.yaml:3:19: destination \"telegram:\" has no target"},
		{"route without to", "watches:\n  - {name: a, query: x}\nroutes:\n  - watches: [a]\n", "c.yaml:4:5: route has no destinations"},
		{"bad listen", "http:\n  listen: localhost\n", "c.yaml:2:11: http.listen: \"localhost\" is not host:port"},
		{"bad public_url", "http:\n  public_url: ftp://x\n", "c.yaml:2:15: http.public_url: URL \"ftp://x\" must start with http:// or https://"},
		{"public_url with a query", "http:\n  public_url: https://x/?a=1\n", "c.yaml:2:15: http.public_url: \"https://x/?a=1\" must not have a query or fragment"},
		{"bad log level", "log:\n  level: loud\n", "c.yaml:2:10: log.level must be one of debug, info, warn, error, got \"loud\""},
		{"bad admin id", "admins:\n  telegram: [123, bob]\n", "c.yaml:2:19: admins.telegram: \"bob\" is not a Telegram user id"},
		{"bad guild", "discord:\n  guilds: [\"x1\"]\n", "c.yaml:2:12: discord.guilds: \"x1\" is not a Discord id"},
		{"bad size", "poll:\n  max_body_size: 10 potatoes\n", "c.yaml:2:18: poll.max_body_size must be a size in bytes"},
		{"unterminated var", "store:\n  path: ${HOME\n", "c.yaml:2:9: store.path: unterminated ${"},
		{"syntax error", "poll:\n  interval: 5m\n schedule: x\n", "c.yaml:2:1: YAML syntax: did not find expected key"},
		{"two documents", "poll: {}\n---\nstore: {}\n", "c.yaml:2:1: only one YAML document is allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := parseErrs(t, tt.src)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1:\n%v", len(errs), errs)
			}
			if got := errs[0].Error(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got  %s\nwant %s...", got, tt.want)
			}
		})
	}
}

// TestEveryProblemAtOnce checks a file with many problems reports all of
// them, in file order, each at its position.
func TestEveryProblemAtOnce(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "broken.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseEnv(src, "broken.yaml", env(nil))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("want ErrorList, got %v", err)
	}
	want := []string{
		"broken.yaml:3:13: poll.schedule: bad cron spec",
		"broken.yaml:4:13: poll.interval: bad duration \"soon\"",
		"broken.yaml:5:16: poll.concurrency must be at least 1, got -4",
		"broken.yaml:6:3: unknown key \"colour\" in poll",
		"broken.yaml:9:1: unknown key \"stroe\" in the config",
		"broken.yaml:14:10: duplicate feed url https://news.example/rss (first at line 12)",
		"broken.yaml:15:15: feed interval: bad duration \"2 minutes\"",
		"broken.yaml:20:11: duplicate watch name \"apt29\" (first at line 18)",
		"broken.yaml:24:15: route refers to unknown watch \"ghost\"",
	}
	if len(list) != len(want) {
		t.Errorf("got %d errors, want %d:\n%v", len(list), len(want), list)
	}
	for i := range min(len(list), len(want)) {
		if !strings.HasPrefix(list[i].Error(), want[i]) {
			t.Errorf("error %d:\n got  %s\n want %s...", i, list[i], want[i])
		}
	}
	// The rendered list has one problem per line.
	if n := strings.Count(err.Error(), "\n") + 1; n != len(list) {
		t.Errorf("Error() has %d lines for %d errors", n, len(list))
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := ParseEnv([]byte("feeds:\n  - url: https://a.example/rss\n"), "c.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.file = "c.yaml"
	want.Feeds = []Feed{{URL: "https://a.example/rss", Pos: Pos{2, 5}}}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"schedule", cfg.Poll.Schedule, "@every 1m"},
		{"interval", cfg.Poll.Interval, 5 * time.Minute},
		{"min_interval", cfg.Poll.MinInterval, time.Minute},
		{"max_interval", cfg.Poll.MaxInterval, 6 * time.Hour},
		{"timeout", cfg.Poll.Timeout, 20 * time.Second},
		{"concurrency", cfg.Poll.Concurrency, 16},
		{"per_host", cfg.Poll.PerHost, 2},
		{"backfill", cfg.Poll.Backfill, 0},
		{"max_body_size", cfg.Poll.MaxBodySize, int64(10 << 20)},
		{"store", cfg.Store.Path, "newshound.db"},
		{"listen", cfg.HTTP.Listen, ""},
		{"log level", cfg.Log.Level, "info"},
		{"log format", cfg.Log.Format, "text"},
		{"discord api", cfg.Discord.API, "https://discord.com/api/v10/"},
		{"telegram api", cfg.Telegram.API, "https://api.telegram.org"},
		{"query length", cfg.Limits.QueryLength, 512},
		{"subs per chat", cfg.Limits.SubscriptionsPerChat, 50},
		{"commands per minute", cfg.Limits.CommandsPerMinute, 20},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestEmptyFileIsDefaults(t *testing.T) {
	for _, src := range []string{"", "# only a comment\n", "---\n"} {
		cfg, err := ParseEnv([]byte(src), "c.yaml", env(nil))
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		want := Default()
		want.file = "c.yaml"
		if !reflect.DeepEqual(cfg, want) {
			t.Errorf("%q: got %+v", src, cfg)
		}
	}
}

func TestValues(t *testing.T) {
	src := `
poll:
  schedule: "*/30 * * * * *"
  interval: 90s
  max_body_size: 512KiB
  per_host: 3
feeds:
  - url: https://a.example/rss
    name: A
    tags: [x, y]
    interval: 1h30m
entities:
  russia: [Russia, Kremlin]
watches:
  - name: w1
    query: 'actor:russia'
    tags: [x]
    color: "#ff0000"
  - name: w2
    query: b
    color: 0x00ff00
routes:
  - watches: [w1, w2]
    to: [console, "telegram:-1001234567890", "discord:112233445566778899",
         "discord-webhook:https://discord.com/api/webhooks/1/T", "discord-webhook:http://127.0.0.1:8080/hook"]
admins:
  telegram: [123456789]
  discord: ["112233445566778899"]
security:
  allow_private_feeds: yes
`
	cfg, err := ParseEnv([]byte(src), "c.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Poll.Interval != 90*time.Second || cfg.Poll.MaxBodySize != 512<<10 || cfg.Poll.PerHost != 3 {
		t.Errorf("poll = %+v", cfg.Poll)
	}
	f := cfg.Feeds[0]
	if f.Name != "A" || !reflect.DeepEqual(f.Tags, []string{"x", "y"}) || f.Interval != 90*time.Minute || f.Pos != (Pos{8, 5}) {
		t.Errorf("feed = %+v", f)
	}
	if !reflect.DeepEqual(cfg.Entities, map[string][]string{"russia": {"Russia", "Kremlin"}}) {
		t.Errorf("entities = %v", cfg.Entities)
	}
	if w := cfg.Watches[0]; w.Color != 0xff0000 || w.Query != "actor:russia" || w.Pos != (Pos{15, 5}) || w.QueryPos != (Pos{16, 12}) {
		t.Errorf("watch = %+v", w)
	}
	if cfg.Watches[1].Color != 0x00ff00 {
		t.Errorf("color = %x", cfg.Watches[1].Color)
	}
	if got := len(cfg.Routes[0].To); got != 5 {
		t.Errorf("destinations = %v", cfg.Routes[0].To)
	}
	if !reflect.DeepEqual(cfg.Admins.Telegram, []string{"123456789"}) || !cfg.Security.AllowPrivateFeeds {
		t.Errorf("admins/security = %+v %+v", cfg.Admins, cfg.Security)
	}
}

func TestEnvExpansion(t *testing.T) {
	vars := env(map[string]string{"SECRET": "s3cr/t+=", "TOKEN": "123:abc", "N": "4", "HOST": "feeds.example", "EMPTY": ""})
	tests := []struct {
		name, src string
		get       func(*Config) any
		want      any
	}{
		{"token", "telegram:\n  token: ${TOKEN}\n", func(c *Config) any { return c.Telegram.Token }, "123:abc"},
		{"unset is empty", "discord:\n  token: ${DISCORD_BOT_TOKEN}\n", func(c *Config) any { return c.Discord.Token }, ""},
		{"inside a value", "feeds:\n  - url: https://${HOST}/rss\n", func(c *Config) any { return c.Feeds[0].URL }, "https://feeds.example/rss"},
		{"typed value", "poll:\n  concurrency: ${N}\n", func(c *Config) any { return c.Poll.Concurrency }, 4},
		{"default when unset", "store:\n  path: ${NOPE:-/var/lib/nh.db}\n", func(c *Config) any { return c.Store.Path }, "/var/lib/nh.db"},
		{"default when empty", "store:\n  path: ${EMPTY:-x.db}\n", func(c *Config) any { return c.Store.Path }, "x.db"},
		{"escape", "store:\n  path: a$${TOKEN}b\n", func(c *Config) any { return c.Store.Path }, "a${TOKEN}b"},
		{"lone dollar", "store:\n  path: $HOME/x$\n", func(c *Config) any { return c.Store.Path }, "$HOME/x$"},
		{"webhook secret", "webhook:\n  secret: ${SECRET}\n", func(c *Config) any { return c.Webhook.Secret }, "s3cr/t+="},
		{"webhook allow_private", "webhook:\n  allow_private: true\n", func(c *Config) any { return c.Webhook.AllowPrivate }, true},
		{"in lists", "watches:\n  - name: w\n    query: x\n    tags: [\"${HOST}\"]\n", func(c *Config) any { return c.Watches[0].Tags }, []string{"feeds.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseEnv([]byte(tt.src), "c.yaml", vars)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.get(cfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	// Keys are not expanded, and a bad name is reported.
	if errs := parseErrs(t, "store:\n  path: ${1X}\n"); len(errs) != 1 || !strings.Contains(errs[0].Error(), `invalid variable name "1X"`) {
		t.Errorf("bad name: %v", errs)
	}
	if errs := parseErrs(t, "${N}: {}\n"); len(errs) != 1 || !strings.Contains(errs[0].Error(), `unknown key "${N}"`) {
		t.Errorf("key: %v", errs)
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	const secret = "9999:SECRET-token"
	_, err := ParseEnv([]byte("telegram:\n  token: \"${T} x/y\"\n"), "c.yaml", env(map[string]string{"T": secret}))
	if err == nil {
		t.Fatal("a token with spaces and slashes was accepted")
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestWebhookSecretNeverInErrors(t *testing.T) {
	const secret = "SECRET-hmac-key"
	for _, src := range []string{
		"webhook:\n  secret: [${S}]\n",
		"webhook:\n  secret: \"${S}\"\n  sekret: x\n",
		"webhook:\n  secret: \"${S} ${1X}\"\n",
	} {
		_, err := ParseEnv([]byte(src), "c.yaml", env(map[string]string{"S": secret}))
		if err == nil {
			t.Errorf("%q: accepted", src)
			continue
		}
		if strings.Contains(err.Error(), "SECRET") {
			t.Errorf("error leaks the secret: %v", err)
		}
	}
}

// TestShippedConfig loads the config.yaml at the repository root, as a user
// on a fresh machine would, with no tokens set.
func TestShippedConfig(t *testing.T) {
	t.Setenv("DISCORD_BOT_TOKEN", "")
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	cfg, err := Load(filepath.Join("..", "config.yaml"))
	if err != nil {
		t.Fatalf("shipped config.yaml: %v", err)
	}
	if len(cfg.Feeds) < 10 || len(cfg.Watches) < 3 || len(cfg.Routes) == 0 {
		t.Errorf("shipped config is thin: %d feeds, %d watches, %d routes", len(cfg.Feeds), len(cfg.Watches), len(cfg.Routes))
	}
	if cfg.Discord.Token != "" || cfg.Telegram.Token != "" {
		t.Error("tokens should be empty without the environment")
	}
	if cfg.Routes[0].To[0] != "console" || cfg.HTTP.Listen != "127.0.0.1:9090" || cfg.Store.Path != "newshound.db" {
		t.Errorf("routes %v listen %q store %q", cfg.Routes, cfg.HTTP.Listen, cfg.Store.Path)
	}
	names := map[string]string{}
	for _, w := range cfg.Watches {
		names[w.Name] = w.Query
	}
	if names["apt29"] != "actor:APT29" || !strings.Contains(names["russia-azerbaijan"], "Azerbaijan") {
		t.Errorf("watches = %v", names)
	}
}

func TestLoadAliasFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ta.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte("alias_files:\n  - ta.json\n  - missing.json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	want := path + ":3:5: alias file " + filepath.Join(dir, "missing.json") + " does not exist"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	if cfg.Path != path || cfg.AliasFiles[0] != filepath.Join(dir, "ta.json") {
		t.Errorf("path %q alias files %v", cfg.Path, cfg.AliasFiles)
	}
	if _, err := Load(filepath.Join(dir, "nope.yaml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestQueryOffsetPos(t *testing.T) {
	src := "watches:\n" +
		"  - name: plain\n    query: a AND (b\n" + // line 3, col 12
		"  - name: single\n    query: 'it''s (x'\n" + // line 5
		"  - name: double\n    query: \"\\u00e9t\\u00e9 (x\"\n" + // line 7
		"  - name: block\n    query: |\n      a (b\n" + // line 9
		"  - name: cyr\n    query: 'Россия (x'\n" // line 12
	cfg, err := ParseEnv([]byte(src), "c.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		watch  int
		offset int
		want   Pos
	}{
		{0, 0, Pos{3, 12}},  // 'a'
		{0, 6, Pos{3, 18}},  // '('
		{0, 99, Pos{3, 20}}, // past the end
		{1, 3, Pos{5, 17}},  // 's' after the doubled quote
		{1, 5, Pos{5, 19}},  // '('
		{2, 4, Pos{7, 27}},  // '(' after two \u escapes
		{3, 3, Pos{9, 12}},  // block scalar: the query's position
		{4, 7, Pos{12, 20}}, // runes, not bytes
	}
	for _, tt := range tests {
		w := cfg.Watches[tt.watch]
		if got := w.QueryOffsetPos(tt.offset); got != tt.want {
			t.Errorf("%s offset %d: got %v, want %v", w.Name, tt.offset, got, tt.want)
		}
	}
	if got, want := cfg.QueryError(cfg.Watches[1], 5, `unclosed "("`).Error(), `c.yaml:5:19: watch "single": query: unclosed "("`; got != want {
		t.Errorf("QueryError: got %s, want %s", got, want)
	}
}

func TestWarnSubSecondAndEmpty(t *testing.T) {
	src := "poll:\n  schedule: \"@every 100ms\"\n  interval: 500ms\nfeeds:\n  - url: https://a.example/\n    interval: 10ms\n"
	cfg, err := ParseEnv([]byte(src), "c.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Warnings().Error()
	for _, want := range []string{"c.yaml:2:13: warning: poll.schedule", "c.yaml:3:13: warning: poll.interval 500ms is under a second", "c.yaml:6:15: warning: feed interval 10ms"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
	cfg, err = ParseEnv([]byte("# nothing yet\n"), "c.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Warnings().Error(); !strings.Contains(got, "no feeds and no watches") {
		t.Errorf("empty config: %q", got)
	}
}

func TestWarnings(t *testing.T) {
	src := "feeds:\n  - url: https://a.example/\n    tags: [x]\n" +
		"watches:\n  - name: a\n    query: q\n    tags: [y, z]\n  - name: b\n    query: q\n    tags: [x]\n" +
		"routes:\n  - watches: [a]\n    to: [console, \"telegram:1\", \"discord:2\"]\n  - watches: []\n    to: [console]\n"
	cfg, err := ParseEnv([]byte(src), "c.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"c.yaml:5:5: warning: watch \"a\": no feed in the config has any of its tags [y z]",
		"c.yaml:8:5: warning: watch \"b\" reaches no destination",
		"c.yaml:13:19: warning: telegram:1: telegram.token is empty, so the daemon parks these alerts; set the token, then run newshound outbox retry",
		"c.yaml:13:33: warning: discord:2: discord.token is empty, so the daemon parks these alerts; set the token, then run newshound outbox retry",
		"c.yaml:14:5: warning: route has no watches",
	}
	got := cfg.Warnings()
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i].Error(), want[i]) {
			t.Errorf("got  %s\nwant %s", got[i], want[i])
		}
	}
	cfg, _ = ParseEnv([]byte(src), "c.yaml", env(map[string]string{}))
	cfg.Telegram.Token, cfg.Discord.Token = "t", "d"
	if n := len(cfg.Warnings()); n != 3 {
		t.Errorf("with tokens: %d warnings, want 3 (tags, unrouted watch, empty route)", n)
	}
}

func TestMergeKeys(t *testing.T) {
	src := `
feeds:
  - &cyber
    url: https://a.example/rss
    tags: [cyber, news]
    interval: 15m
  - <<: *cyber
    url: https://b.example/rss
    interval: 2m
`
	cfg, err := ParseEnv([]byte(src), "c.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	b := cfg.Feeds[1]
	if b.URL != "https://b.example/rss" || b.Interval != 2*time.Minute || !reflect.DeepEqual(b.Tags, []string{"cyber", "news"}) {
		t.Errorf("merged feed = %+v", b)
	}
	if errs := parseErrs(t, "poll: &p {interval: 5m}\nstore:\n  <<: *p\n"); len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "c.yaml:1:11: unknown key \"interval\" in store") {
		t.Errorf("merged unknown key: %v", errs)
	}
}
