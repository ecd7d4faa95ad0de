package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replaceOnce replaces old by new in s, failing when old is not there once.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("fixture does not contain %q exactly once", old)
	}
	return strings.Replace(s, old, new, 1)
}

// TestEditKeepsComments compares whole output texts: each edit changes only
// its own lines and every comment stays where it was.
func TestEditKeepsComments(t *testing.T) {
	src := readFixture(t, "commented.yaml")
	tests := []struct {
		name string
		edit func([]byte) ([]byte, error)
		want string
	}{
		{
			"add watch",
			func(b []byte) ([]byte, error) {
				return AddWatch(b, Watch{Name: "cozy", Query: `"Cozy Bear" OR it's`, Tags: []string{"cyber", "a b"}, Color: 0x1e90ff})
			},
			replaceOnce(t, src, "    query: \"foo OR bar\"\n",
				"    query: \"foo OR bar\"\n\n  - name: cozy\n    query: '\"Cozy Bear\" OR it''s'\n    tags: [cyber, a b]\n    color: \"#1e90ff\"\n"),
		},
		{
			"remove the last watch",
			func(b []byte) ([]byte, error) { return RemoveWatch(b, "other") },
			replaceOnce(t, src, "\n  - name: other\n    query: \"foo OR bar\"\n", ""),
		},
		{
			"add feed",
			func(b []byte) ([]byte, error) {
				return AddFeed(b, Feed{URL: "https://c.example/feed?x=1&y=2", Name: "C: news", Tags: []string{"z"}, Interval: 2 * time.Minute})
			},
			replaceOnce(t, src, "  - url: https://b.example/rss   # b\n",
				"  - url: https://b.example/rss   # b\n\n  - url: https://c.example/feed?x=1&y=2\n    name: 'C: news'\n    tags: [z]\n    interval: 2m\n"),
		},
		{
			"remove first feed and its comment",
			func(b []byte) ([]byte, error) { return RemoveFeed(b, "HTTPS://A.example/rss") },
			replaceOnce(t, src, "  # first feed\n  - url: https://a.example/rss\n    name: A\n    tags: [x]\n\n", ""),
		},
		{
			"remove last feed",
			func(b []byte) ([]byte, error) { return RemoveFeed(b, "https://b.example/rss") },
			replaceOnce(t, src, "\n\n  # second feed\n  - url: https://b.example/rss   # b\n", "\n"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.edit([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", out, tt.want)
			}
			if _, err := ParseEnv(out, "out.yaml", env(nil)); err != nil {
				t.Errorf("edited config does not load: %v", err)
			}
		})
	}
}

func TestAddWatchRoundTrip(t *testing.T) {
	queries := []string{`actor:APT29`, `"it's" AND x`, `/a\d+$/ OR ${NOT_A_VAR}`, `Россия AND "Баку"`, `#hashtag: yes`}
	src := []byte("watches:\n  - name: a\n    query: x\n")
	for i, q := range queries {
		out, err := AddWatch(src, Watch{Name: "w" + string(rune('0'+i)), Query: q})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		cfg, err := ParseEnv(out, "c.yaml", env(nil))
		if err != nil {
			t.Fatalf("%q: %v\n%s", q, err, out)
		}
		if got := cfg.Watches[1].Query; got != q {
			t.Errorf("query %q read back as %q", q, got)
		}
	}
}

func TestAddToMissingOrEmptyList(t *testing.T) {
	w := Watch{Name: "n", Query: "q"}
	tests := []struct{ name, src, want string }{
		{"empty file", "", "watches:\n  - name: n\n    query: 'q'\n"},
		{"no list", "poll:\n  interval: 5m", "poll:\n  interval: 5m\n\nwatches:\n  - name: n\n    query: 'q'\n"},
		{"null", "watches:   # none yet\nroutes: []\n", "watches:   # none yet\n  - name: n\n    query: 'q'\nroutes: []\n"},
		{"tilde", "watches: ~\n", "watches:\n  - name: n\n    query: 'q'\n"},
		{"empty flow", "watches: [ ]  # none\n# next\n", "watches: # none\n  - name: n\n    query: 'q'\n# next\n"},
		{"compact list", "watches:\n- name: a\n  query: x\n", "watches:\n- name: a\n  query: x\n- name: n\n  query: 'q'\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := AddWatch([]byte(tt.src), w)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got:\n%q\nwant:\n%q", out, tt.want)
			}
		})
	}
}

func TestRemoveOnlyWatch(t *testing.T) {
	src := "# c\nwatches:\n  # the one\n  - name: a\n    query: x\n\n# routes\nroutes: []\n"
	out, err := RemoveWatch([]byte(src), "a")
	if err != nil {
		t.Fatal(err)
	}
	if want := "# c\nwatches:\n\n# routes\nroutes: []\n"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestFlowStyleFallback(t *testing.T) {
	src := "# keep me\nwatches: [{name: a, query: x}]\n"
	out, err := AddWatch([]byte(src), Watch{Name: "b", Query: "y"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseEnv(out, "c.yaml", env(nil))
	if err != nil || len(cfg.Watches) != 2 || cfg.Watches[1].Query != "y" || !strings.Contains(string(out), "# keep me") {
		t.Errorf("got %s (%v)", out, err)
	}
	out, err = RemoveWatch(out, "a")
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err = ParseEnv(out, "c.yaml", env(nil)); err != nil || len(cfg.Watches) != 1 || cfg.Watches[0].Name != "b" {
		t.Errorf("got %s (%v)", out, err)
	}
}

func TestEditRefusals(t *testing.T) {
	src := []byte(readFixture(t, "commented.yaml"))
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"duplicate watch", second(AddWatch(src, Watch{Name: "apt29", Query: "x"})), `watch "apt29" already exists (line 18)`},
		{"bad watch name", second(AddWatch(src, Watch{Name: "a b", Query: "x"})), `watch name "a b" may only contain`},
		{"empty query", second(AddWatch(src, Watch{Name: "e", Query: " "})), `watch "e" needs a query`},
		{"multi-line query", second(AddWatch(src, Watch{Name: "m", Query: "a\nb"})), `watch query cannot be written on one line`},
		{"unknown watch", second(RemoveWatch(src, "nope")), `no watch named "nope"`},
		{"watch in a route", second(RemoveWatch(src, "apt29")), `watch "apt29" is still used by routes (line 29)`},
		{"duplicate feed", second(AddFeed(src, Feed{URL: "https://B.example/rss"})), `feed https://B.example/rss is already in the config (line 13)`},
		{"bad feed", second(AddFeed(src, Feed{URL: "gopher://x"})), `feed URL "gopher://x" must start with http:// or https://`},
		{"unknown feed", second(RemoveFeed(src, "https://z.example/")), `no feed with url https://z.example/ in the config`},
		{"not yaml", second(AddWatch([]byte("a: [\n"), Watch{Name: "a", Query: "b"})), `the config is not valid YAML`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil || !strings.HasPrefix(tt.err.Error(), tt.want) {
				t.Errorf("got %v, want %s...", tt.err, tt.want)
			}
			if !errors.Is(tt.err, ErrRefused) {
				t.Errorf("%v is not ErrRefused", tt.err)
			}
		})
	}
}

func second(_ []byte, err error) error { return err }

func writeConfig(t *testing.T, data string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEditFile(t *testing.T) {
	src := readFixture(t, "commented.yaml")
	add := func(b []byte) ([]byte, error) { return AddWatch(b, Watch{Name: "new", Query: "q"}) }

	t.Run("writes and keeps the mode", func(t *testing.T) {
		path := writeConfig(t, src, 0o600)
		if err := EditFile(path, add, nil); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path)
		if err != nil || cfg.Watches[len(cfg.Watches)-1].Name != "new" {
			t.Fatalf("after edit: %v", err)
		}
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
		entries, _ := os.ReadDir(filepath.Dir(path))
		if len(entries) != 1 {
			t.Errorf("temporary files left behind: %v", entries)
		}
	})

	t.Run("follows a symlink", func(t *testing.T) {
		target := writeConfig(t, src, 0o644)
		link := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.Symlink(target, link); err != nil {
			t.Skip("no symlinks:", err)
		}
		if err := EditFile(link, add, nil); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("symlink replaced by a file")
		}
		if b, _ := os.ReadFile(target); !strings.Contains(string(b), "name: new") {
			t.Errorf("target not edited")
		}
	})

	refusals := []struct {
		name  string
		src   string
		edit  func([]byte) ([]byte, error)
		check func(*Config) error
		want  string
	}{
		{"check fails", src, add, func(*Config) error { return errors.New("query: bad") }, "query: bad"},
		{"result invalid", src, func(b []byte) ([]byte, error) { return append(b, "bogus: 1\n"...), nil },
			nil, "refusing the edit: the result would be invalid:\n"},
		{"already invalid", src + "bogus: 1\n", add, nil, "has problems already; fix them first:\n"},
		{"edit refused", src, func(b []byte) ([]byte, error) { return RemoveWatch(b, "ghost") }, nil, `no watch named "ghost"`},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, tt.src, 0o644)
			err := EditFile(path, tt.edit, tt.check)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrRefused) {
				t.Errorf("got %v, want refusal containing %q", err, tt.want)
			}
			if b, _ := os.ReadFile(path); string(b) != tt.src {
				t.Errorf("file changed by a refused edit:\n%s", b)
			}
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("temporary files left behind: %v", entries)
			}
		})
	}

	t.Run("concurrent change", func(t *testing.T) {
		path := writeConfig(t, src, 0o644)
		sneaky := func(b []byte) ([]byte, error) {
			if err := os.WriteFile(path, append([]byte("# changed\n"), b...), 0o644); err != nil {
				return nil, err
			}
			return add(b)
		}
		err := EditFile(path, sneaky, nil)
		if err == nil || !strings.Contains(err.Error(), "changed while it was being edited") {
			t.Errorf("got %v", err)
		}
		if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), "# changed\n") || strings.Contains(string(b), "name: new") {
			t.Errorf("concurrent edit lost")
		}
	})
}

// TestTrailingComments: a comment indented like the item's fields belongs
// to the last item; one at the "-" column (a commented-out item) does not.
func TestTrailingComments(t *testing.T) {
	src := "watches:\n  - name: a\n    query: x\n    # tags: [t]\n\n  # - name: old\n  #   query: y\nroutes: []\n"
	out, err := AddWatch([]byte(src), Watch{Name: "b", Query: "y"})
	if err != nil {
		t.Fatal(err)
	}
	want := "watches:\n  - name: a\n    query: x\n    # tags: [t]\n  - name: b\n    query: 'y'\n\n  # - name: old\n  #   query: y\nroutes: []\n"
	if string(out) != want {
		t.Errorf("add:\n%q\nwant\n%q", out, want)
	}
	out, err = RemoveWatch([]byte(src), "a")
	if err != nil {
		t.Fatal(err)
	}
	if want := "watches:\n\n  # - name: old\n  #   query: y\nroutes: []\n"; string(out) != want {
		t.Errorf("remove:\n%q\nwant\n%q", out, want)
	}
}

func TestCRLFStaysCRLF(t *testing.T) {
	src := "# c\r\nwatches:\r\n  - name: a\r\n    query: x\r\n\r\n  - name: b\r\n    query: y\r\nroutes: []\r\n"
	out, err := AddWatch([]byte(src), Watch{Name: "n", Query: "q"})
	if err != nil {
		t.Fatal(err)
	}
	want := "# c\r\nwatches:\r\n  - name: a\r\n    query: x\r\n\r\n  - name: b\r\n    query: y\r\n\r\n  - name: n\r\n    query: 'q'\r\nroutes: []\r\n"
	if string(out) != want {
		t.Errorf("got %q\nwant %q", out, want)
	}
	out, err = RemoveWatch(out, "b")
	if err != nil {
		t.Fatal(err)
	}
	want = "# c\r\nwatches:\r\n  - name: a\r\n    query: x\r\n\r\n  - name: n\r\n    query: 'q'\r\nroutes: []\r\n"
	if string(out) != want {
		t.Errorf("after rm got %q\nwant %q", out, want)
	}
}

// TestAddFeeds checks the batch edit an OPML import makes: all feeds in one
// splice, in the list's own rhythm, or nothing at all.
func TestAddFeeds(t *testing.T) {
	src := readFixture(t, "commented.yaml")
	batch := []Feed{
		{URL: "https://c.example/rss", Name: "C", Tags: []string{"news", "Cyber Security"}},
		{URL: "https://d.example/atom.xml"},
	}
	tests := []struct {
		name    string
		src     string
		feeds   []Feed
		want    string // whole output; "" when refused
		refused string // part of the refusal
	}{
		{"appended in rhythm", src, batch, replaceOnce(t, src, "  - url: https://b.example/rss   # b\n",
			"  - url: https://b.example/rss   # b\n\n  - url: https://c.example/rss\n    name: C\n    tags: [news, Cyber Security]\n\n  - url: https://d.example/atom.xml\n"), ""},
		{"new list", "poll:\n  interval: 5m\n", batch,
			"poll:\n  interval: 5m\n\nfeeds:\n  - url: https://c.example/rss\n    name: C\n    tags: [news, Cyber Security]\n  - url: https://d.example/atom.xml\n", ""},
		{"nothing to add", src, nil, src, ""},
		{"one already in the file", src, append(slices.Clone(batch), Feed{URL: "HTTPS://A.example:443/rss"}), "", "already in the config (line 8)"},
		{"twice in the batch", src, append(slices.Clone(batch), Feed{URL: "https://c.example/rss#x"}), "", "listed twice"},
		{"one invalid", src, append(slices.Clone(batch), Feed{URL: "ftp://x.example/"}), "", "must start with http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := AddFeeds([]byte(tt.src), tt.feeds)
			if tt.refused != "" {
				if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tt.refused) {
					t.Fatalf("err = %v, want a refusal with %q", err, tt.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", out, tt.want)
			}
			if _, err := ParseEnv(out, "c.yaml", env(nil)); err != nil {
				t.Errorf("result does not load: %v", err)
			}
		})
	}
	// Flow style goes through the re-encoder, with every item.
	out, err := AddFeeds([]byte("feeds: [{url: 'https://a.example/'}]\n"), batch)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseEnv(out, "c.yaml", env(nil))
	if err != nil || len(cfg.Feeds) != 3 || cfg.Feeds[1].Tags[1] != "Cyber Security" {
		t.Errorf("flow style: %s (%v)", out, err)
	}
}
