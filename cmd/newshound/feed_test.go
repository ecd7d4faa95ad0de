package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/sqlite"
)

func TestFeedAddRm(t *testing.T) {
	path := writeTemp(t, "config.yaml", commentedConfig)
	code, out, errs := runCLI("feed", "add", "https://b.example/feed", "--no-check", "--tag", "y", "--name", "B News", "--interval", "10m", "--config", path)
	if code != exitOK || !strings.Contains(out, "added feed https://b.example/feed") {
		t.Fatalf("add: exit %d %s %s", code, out, errs)
	}
	want := strings.Replace(commentedConfig, "    tags: [x]\n",
		"    tags: [x]\n  - url: https://b.example/feed\n    name: B News\n    tags: [y]\n    interval: 10m\n", 1)
	if got := readFile(t, path); got != want {
		t.Errorf("after add:\n%s\nwant:\n%s", got, want)
	}
	for _, args := range [][]string{
		{"feed", "add", "https://B.EXAMPLE/feed"}, // duplicate
		{"feed", "add", "file:///etc/passwd"},     // not http
		{"feed", "add", "https://c.example/", "--interval", "-1m"},
		{"feed", "rm", "https://nope.example/rss"}, // unknown
	} {
		before := readFile(t, path)
		if code, _, errs := runCLI(append(args, "--config", path)...); code != exitInput || errs == "" {
			t.Errorf("%v: exit %d %q", args, code, errs)
		}
		if readFile(t, path) != before {
			t.Errorf("%v changed the file", args)
		}
	}
	if code, _, errs := runCLI("feed", "rm", "https://b.example/feed", "--config", path); code != exitOK {
		t.Fatalf("rm: exit %d %s", code, errs)
	}
	if got := readFile(t, path); got != commentedConfig {
		t.Errorf("add then rm did not restore the file:\n%s", got)
	}
}

func TestFeedLsHealth(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "nh.db")
	path := writeTemp(t, "config.yaml", "store:\n  path: "+dbPath+"\nfeeds:\n  - url: https://a.example/rss\n    name: A\n  - url: https://b.example/rss\n")

	// Without a database: the config's feeds, and a note.
	code, out, errs := runCLI("feed", "ls", "--config", path)
	if code != exitOK || !strings.Contains(out, "https://a.example/rss") || strings.Contains(out, "LAST ERROR") || !strings.Contains(errs, "no database") {
		t.Fatalf("no store: exit %d\n%s\n%s", code, out, errs)
	}

	ctx := context.Background()
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := db.SaveFeedState(ctx, model.FeedState{URL: "https://a.example/rss", LastSuccess: now.Add(-3 * time.Hour),
		LastError: "HTTP 503 Service Unavailable", LastErrorAt: now.Add(-2 * time.Minute), Failures: 4, NextPoll: now.Add(8 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddChatFeed(ctx, model.ChatFeed{URL: "https://chat.example/rss", Tags: []string{"t"}, AddedBy: "tg:1"}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	code, out, errs = runCLI("feed", "ls", "--config", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("want header + 3 feeds:\n%s", out)
	}
	checks := []struct {
		line int
		want []string
	}{
		{0, []string{"URL", "LAST OK", "NEXT POLL", "FAILURES", "LAST ERROR"}},
		{1, []string{"https://a.example/rss", "A", "config", "3h00m ago", "in 7m", " 4 ", "HTTP 503 Service Unavailable (2m ago)"}},
		{2, []string{"https://b.example/rss", "never polled"}},
		{3, []string{"https://chat.example/rss", "chat", "never polled"}},
	}
	for _, c := range checks {
		for _, w := range c.want {
			if !strings.Contains(lines[c.line], w) {
				t.Errorf("line %d %q lacks %q", c.line, lines[c.line], w)
			}
		}
	}
}
