package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store/sqlite"
)

const commentedConfig = `# My config.
feeds:
  # the one feed
  - url: https://a.example/rss   # A
    tags: [x]

# What we watch.
watches:
  # state actors
  - name: apt29
    query: 'actor:APT29'   # all aliases

  - name: baku
    query: Baku

# Where alerts go.
routes:
  - watches: [apt29]
    to: [console]
`

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWatchAddRmLs(t *testing.T) {
	path := writeTemp(t, "config.yaml", commentedConfig)

	code, out, errs := runCLI("watch", "add", "cozy", `"Cozy Bear" OR "Midnight Blizzard"`, "--tag", "cyber", "--config", path, "--tag", "news")
	if code != exitOK || !strings.Contains(out, `added watch "cozy"`) {
		t.Fatalf("add: exit %d %s %s", code, out, errs)
	}
	want := strings.Replace(commentedConfig, "    query: Baku\n",
		"    query: Baku\n\n  - name: cozy\n    query: '\"Cozy Bear\" OR \"Midnight Blizzard\"'\n    tags: [cyber, news]\n", 1)
	if got := readFile(t, path); got != want {
		t.Errorf("after add:\n%s\nwant:\n%s", got, want)
	}

	code, out, _ = runCLI("watch", "ls", "--config", path)
	if code != exitOK || !strings.Contains(out, "cozy") || !strings.Contains(out, "cyber,news") || !strings.Contains(out, "console") {
		t.Errorf("ls: exit %d\n%s", code, out)
	}

	code, _, errs = runCLI("watch", "rm", "cozy", "--config", path)
	if code != exitOK {
		t.Fatalf("rm: exit %d %s", code, errs)
	}
	if got := readFile(t, path); got != commentedConfig {
		t.Errorf("add then rm did not restore the file:\n%s", got)
	}
}

// TestWatchRefusals checks every refused edit exits 1, says why, and leaves
// the file byte for byte as it was.
func TestWatchRefusals(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"invalid query", []string{"add", "bad", "apt29 AND (x"}, "invalid query: "},
		{"duplicate name", []string{"add", "baku", "x"}, `watch "baku" already exists (line 13)`},
		{"bad name", []string{"add", "two words", "x"}, `may only contain`},
		{"regex is fine but broken regex is not", []string{"add", "re", "/a(/"}, "invalid query: "},
		{"unknown watch", []string{"rm", "nope"}, `no watch named "nope"`},
		{"routed watch", []string{"rm", "apt29"}, `still used by routes (line 18)`},
		{"query starting with a dash", []string{"add", "x", "-foo"}, "unknown flag -foo (put -- before"},
		{"missing query", []string{"add", "x"}, "usage:"},
		{"bad color", []string{"add", "x", "y", "--color", "blue"}, `--color "blue"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "config.yaml", commentedConfig)
			args := append([]string{"watch"}, tt.args...)
			code, out, errs := runCLI(append(args, "--config", path)...)
			if code != exitInput || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, out, errs, tt.want)
			}
			if got := readFile(t, path); got != commentedConfig {
				t.Errorf("file changed:\n%s", got)
			}
		})
	}
}

func TestWatchAddDashQuery(t *testing.T) {
	path := writeTemp(t, "config.yaml", commentedConfig)
	code, _, errs := runCLI("watch", "add", "--config", path, "--", "nobaku", "-Baku Azerbaijan")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(readFile(t, path), "    query: '-Baku Azerbaijan'\n") {
		t.Errorf("query not written:\n%s", readFile(t, path))
	}
}

func TestWatchSubscribers(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "nh.db")
	path := writeTemp(t, "config.yaml", "store:\n  path: "+dbPath+"\n"+commentedConfig)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, chat := range []model.Destination{"telegram:1", "telegram:2"} {
		if _, err := db.AddSubscription(ctx, model.Subscription{Chat: chat, Watch: "baku", CreatedBy: "u"}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	code, out, _ := runCLI("watch", "ls", "--config", path)
	lines := strings.Split(out, "\n")
	if code != exitOK || !strings.HasSuffix(lines[0], "CHATS") || !strings.HasPrefix(lines[2], "baku") || !strings.HasSuffix(strings.TrimSpace(lines[2]), " 2") {
		t.Errorf("ls: exit %d\n%s", code, out)
	}
	code, out, errs := runCLI("watch", "rm", "baku", "--config", path)
	if code != exitOK || !strings.Contains(out, `note: 2 chat subscription(s) still name "baku"`) {
		t.Errorf("rm: exit %d\n%s%s", code, out, errs)
	}
}

func TestWatchAddTo(t *testing.T) {
	path := writeTemp(t, "config.yaml", commentedConfig)
	code, out, errs := runCLI("watch", "add", "cozy", `"Cozy Bear"`, "--to", "console", "--to", "telegram:-100123", "--config", path)
	if code != exitOK || !strings.Contains(out, "it alerts console, telegram:-100123") {
		t.Fatalf("exit %d %s %s", code, out, errs)
	}
	if got := readFile(t, path); !strings.HasSuffix(got, "  - watches: [cozy]\n    to: [console, telegram:-100123]\n") {
		t.Errorf("config:\n%s", got)
	}
	if code, _, errs := runCLI("check", "--config", path); code != exitOK || strings.Contains(errs, `"cozy" reaches no destination`) {
		t.Errorf("check after add --to: exit %d %s", code, errs)
	}
	code, out, _ = runCLI("watch", "add", "lonely", "Baku", "--config", path)
	if code != exitOK || !strings.Contains(out, "reaches no destination") {
		t.Errorf("add without --to: exit %d %s", code, out)
	}
	if code, _, errs := runCLI("check", "--config", path); code != exitOK || !strings.Contains(errs, `warning: watch "lonely" reaches no destination`) {
		t.Errorf("check does not warn about the unrouted watch: exit %d %s", code, errs)
	}
	before := readFile(t, path)
	if code, _, errs := runCLI("watch", "add", "bad", "x", "--to", "slack:1", "--config", path); code != exitInput || !strings.Contains(errs, `unknown destination "slack:1"`) {
		t.Errorf("--to slack:1: exit %d %s", code, errs)
	}
	if readFile(t, path) != before {
		t.Error("a refused --to changed the file")
	}
}

func TestPureNegativeQueryRefused(t *testing.T) {
	path := writeTemp(t, "config.yaml", commentedConfig)
	for _, q := range []string{"-sports", "NOT sports", "Baku OR -sports"} {
		code, _, errs := runCLI("watch", "add", "neg", "--", q, "--config", path)
		if code != exitInput || !strings.Contains(errs, "fires on every story") || !strings.Contains(errs, "  ^") {
			t.Errorf("%q: exit %d %s", q, code, errs)
		}
	}
	if code, out, errs := runCLI("watch", "add", "ok", "--", "-sports Baku", "--config", path); code != exitOK {
		t.Errorf("-sports Baku: exit %d %s %s", code, out, errs)
	}
	cfg := writeTemp(t, "c.yaml", "watches:\n  - name: neg\n    query: '  -sports'\nroutes:\n  - watches: [neg]\n    to: [console]\n")
	if code, _, errs := runCLI("check", "--config", cfg); code != exitInput || !strings.HasPrefix(errs, cfg+":3:15: watch \"neg\": query: this query fires on every story") {
		t.Errorf("check: exit %d %s", code, errs)
	}
}

func TestEmptyQuerySaysSo(t *testing.T) {
	cfg := writeTemp(t, "c.yaml", "watches:\n  - name: e\n    query: ''\nroutes:\n  - watches: [e]\n    to: [console]\n")
	code, _, errs := runCLI("check", "--config", cfg)
	if code != exitInput || !strings.Contains(errs, "empty query") || strings.Contains(errs, "unknown watch") {
		t.Errorf("exit %d %s", code, errs)
	}
}
