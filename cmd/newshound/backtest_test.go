package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/sqlite"
)

// backtestStore writes a store with three stories, the first alerted by apt29.
func backtestStore(t *testing.T) string {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "h.db")
	db, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	items := []model.NewItem{
		{Key: "1", Story: &model.Story{Title: "Cozy Bear phishing", Link: "https://a/1"},
			Alerts: []model.Alert{{Destination: "console", Watches: []model.WatchMatch{{Name: "apt29"}}}}},
		{Key: "2", Story: &model.Story{Title: "Midnight Blizzard again", Link: "https://a/2"}},
		{Key: "3", Story: &model.Story{Title: "Ransomware at a zoo", Link: "https://a/3"}},
	}
	if _, err := db.Ingest(context.Background(), model.FeedState{URL: "https://a/feed", Name: "A", Initialized: true}, nil, items); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return dbPath
}

func TestBacktest(t *testing.T) {
	cfgPath := writeConfig(t, matchTestConfig+"store:\n  path: "+backtestStore(t)+"\n")
	for _, tt := range []struct {
		name string
		args []string
		code int
		want []string // in the output
	}{
		{"watch", []string{"--watch", "apt29"}, exitOK, []string{"would have matched 2 of 3 stories in the last 7 days",
			"Midnight Blizzard again", "1 new stories that watch apt29 did not alert on", `why: APT29, as "Midnight Blizzard"`}},
		{"query", []string{"--query", "ransomware", "--since", "30d"}, exitOK, []string{"matched 1 of 3 stories in the last 30 days", "Ransomware at a zoo"}},
		{"query against a watch", []string{"--watch", "apt29", "--query", "actor:APT29 OR zoo"}, exitOK, []string{"matched 3 of 3", "1 new stories that watch apt29's current query does not match"}},
		{"bad query", []string{"--query", "zoo AND (x"}, exitInput, []string{"bad query", "^"}},
		{"no such watch", []string{"--watch", "nope"}, exitInput, []string{"no such watch"}},
		{"neither", nil, exitInput, []string{"give --watch NAME or --query Q"}},
		{"bad since", []string{"--query", "x", "--since", "soon"}, exitInput, []string{"--since"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cmdBacktest(append([]string{"--config", cfgPath}, tt.args...), &out, &errb)
			all := out.String() + errb.String()
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, all)
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
		})
	}
	var out, errb bytes.Buffer
	if code := cmdBacktest([]string{"--config", cfgPath, "--watch", "apt29", "--json"}, &out, &errb); code != exitOK {
		t.Fatalf("--json: exit %d: %s", code, errb.String())
	}
	var got backtestJSON
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("--json output %q: %v", out.String(), err)
	}
	if got.Total != 2 || got.Scanned != 3 || got.NewTotal != 1 || len(got.PerDay) != 8 || got.Matches[0].Title != "Midnight Blizzard again" || len(got.Matches[0].Terms) == 0 {
		t.Errorf("--json = %+v", got)
	}
}
