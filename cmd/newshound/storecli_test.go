package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/postgres/pgtest"
)

// The commands that read the store (feed ls, watch ls, feed export, outbox
// ls and retry) read the one the config names: what the daemon wrote on
// PostgreSQL shows up there exactly as on SQLite, and the DSN's password
// never reaches their output.
func TestCommandsReadTheConfiguredStore(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		storeCLI(t, fmt.Sprintf("store:\n  path: %s\n", filepath.Join(t.TempDir(), "nh.db")), "")
	})
	t.Run("postgres", func(t *testing.T) {
		// The test server trusts loopback connections, so a password in
		// the DSN is accepted and ignored: a canary for the redaction.
		const secret = "pw-CANARY-18b"
		u, err := url.Parse(pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(u.User.Username(), secret)
		t.Setenv("NEWSHOUND_CLI_DSN", u.String())
		storeCLI(t, "store:\n  driver: postgres\n  dsn: ${NEWSHOUND_CLI_DSN}\n", secret)
	})
}

func storeCLI(t *testing.T, storeSection, secret string) {
	cfgPath := writeTemp(t, "c.yaml", storeSection+`http:
  listen: ""
feeds:
  - url: https://wire.example/rss
watches:
  - {name: apt29, query: 'actor:APT29'}
routes:
  - watches: [apt29]
    to: [console]
`)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	seed, err := openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(seed.SaveFeedState(ctx, model.FeedState{URL: "https://wire.example/rss", Name: "Wire", Initialized: true,
		Failures: 3, LastError: "HTTP 503 from the backend", LastErrorAt: now.Add(-time.Minute)}))
	must(seed.AddChatFeed(ctx, model.ChatFeed{URL: "https://chat.example/rss", Tags: []string{"chat-tag"}}))
	_, err = seed.AddSubscription(ctx, model.Subscription{Chat: "telegram:-100", Watch: "apt29"})
	must(err)
	_, err = seed.AddSubscription(ctx, model.Subscription{Chat: "telegram:-200", Watch: "apt29"})
	must(err)
	must(seed.QueueNotice(ctx, []model.Destination{"console"}, model.Alert{Title: "parked notice"}))
	rows, err := seed.ListOutbox(ctx, "", "", 0)
	must(err)
	if len(rows) != 1 {
		t.Fatalf("seeded outbox = %+v", rows)
	}
	must(seed.Park(ctx, rows[0].ID, "chat gone"))
	seed.Close()

	var all strings.Builder
	cli := func(args ...string) string {
		t.Helper()
		code, out, errs := runCLI(append(args, "--config", cfgPath)...)
		all.WriteString(out + errs)
		if code != exitOK {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
		return out
	}
	lines := func(out string) []map[string]any {
		t.Helper()
		var rows []map[string]any
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("not JSON: %q", l)
			}
			rows = append(rows, m)
		}
		return rows
	}

	feeds := lines(cli("feed", "ls", "--json"))
	if len(feeds) != 2 || feeds[0]["last_error"] != "HTTP 503 from the backend" || feeds[0]["failures"] != 3.0 ||
		feeds[1]["url"] != "https://chat.example/rss" || feeds[1]["from"] != "chat" {
		t.Errorf("feed ls --json = %v; want the config feed with its error, then the chat feed", feeds)
	}
	if out := cli("feed", "ls"); !strings.Contains(out, "HTTP 503 from the backend") || !strings.Contains(out, "chat.example") {
		t.Errorf("feed ls lacks the store's health:\n%s", out)
	}
	watches := lines(cli("watch", "ls", "--json"))
	if len(watches) != 1 || watches[0]["chats"] != 2.0 {
		t.Errorf("watch ls --json = %v; want apt29 with 2 chats", watches)
	}
	if out := cli("feed", "export"); !strings.Contains(out, `xmlUrl="https://chat.example/rss"`) {
		t.Errorf("feed export lacks the chat feed:\n%s", out)
	}
	parked := lines(cli("outbox", "ls", "--json"))
	if len(parked) != 1 || parked[0]["state"] != model.StateParked || parked[0]["last_error"] != "chat gone" {
		t.Errorf("outbox ls --json = %v; want the parked notice", parked)
	}
	if out := cli("outbox", "retry"); !strings.HasPrefix(out, "1 parked alert(s) queued again") {
		t.Errorf("outbox retry: %q", out)
	}
	if again := lines(cli("outbox", "ls", "--json")); len(again) != 1 || again[0]["state"] != model.StatePending {
		t.Errorf("after retry, outbox ls --json = %v; want it pending", again)
	}
	if secret != "" && strings.Contains(all.String(), secret) {
		t.Errorf("a command printed the DSN's password:\n%s", all.String())
	}
}
