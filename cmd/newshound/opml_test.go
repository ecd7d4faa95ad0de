package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newshound/newshound/config"
)

func TestFeedImport(t *testing.T) {
	good := `<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <body>
    <outline text="Security" title="Security">
      <outline type="rss" text="Krebs" xmlUrl="https://krebsonsecurity.com/feed/"/>
      <outline type="rss" text="A again" xmlUrl="HTTPS://A.example/rss"/>
    </outline>
    <outline text="News" title="News">
      <outline type="rss" text="Krebs" xmlUrl="https://krebsonsecurity.com/feed/"/>
      <outline type="rss" text="Meduza" xmlUrl="https://meduza.io/rss/all"/>
    </outline>
  </body>
</opml>
`
	bad := strings.Replace(good, "https://meduza.io/rss/all", "javascript:alert(1)", 1)
	bad = strings.Replace(bad, `xmlUrl="https://krebsonsecurity.com/feed/"/>
      <outline type="rss" text="A again"`, `xmlUrl="http://"/>
      <outline type="rss" text="A again"`, 1)

	t.Run("invalid URLs import nothing", func(t *testing.T) {
		path := writeTemp(t, "config.yaml", commentedConfig)
		file := writeTemp(t, "subs.opml", bad)
		code, _, errs := runCLI("feed", "import", file, "--config", path)
		if code != exitInput {
			t.Fatalf("exit %d, want %d: %s", code, exitInput, errs)
		}
		for _, want := range []string{file + ":5: feed URL \"http://\" has no host", file + ":10: feed URL \"javascript:alert(1)\" must start with http", "2 problem(s)", "nothing imported"} {
			if !strings.Contains(errs, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errs)
			}
		}
		if readFile(t, path) != commentedConfig {
			t.Error("the config changed")
		}
	})
	t.Run("broken OPML", func(t *testing.T) {
		path := writeTemp(t, "config.yaml", commentedConfig)
		file := writeTemp(t, "subs.opml", good[:strings.Index(good, "<outline text=\"News\"")])
		code, _, errs := runCLI("feed", "import", file, "--config", path)
		if code != exitInput || !strings.Contains(errs, file+":8: ") || !strings.Contains(errs, "nothing imported") {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if readFile(t, path) != commentedConfig {
			t.Error("the config changed")
		}
	})
	t.Run("imports once, merges folders, skips known", func(t *testing.T) {
		path := writeTemp(t, "config.yaml", commentedConfig)
		file := writeTemp(t, "subs.opml", good)
		code, out, errs := runCLI("feed", "import", file, "--config", path)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		for _, want := range []string{
			file + ":6: HTTPS://A.example/rss is already in " + path + " (line 4); skipped",
			file + ":9: https://krebsonsecurity.com/feed/ is listed again (first at line 5); tags merged",
			"imported 2 feed(s)",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}
		want := strings.Replace(commentedConfig, "    tags: [x]\n",
			"    tags: [x]\n  - url: https://krebsonsecurity.com/feed/\n    name: Krebs\n    tags: [Security, News]\n  - url: https://meduza.io/rss/all\n    name: Meduza\n    tags: [News]\n", 1)
		if got := readFile(t, path); got != want {
			t.Errorf("config:\n%s\nwant:\n%s", got, want)
		}
		// Again: everything is there already.
		code, out, _ = runCLI("feed", "import", file, "--config", path)
		if code != exitOK || !strings.Contains(out, "nothing to import") || readFile(t, path) != want {
			t.Errorf("second import: exit %d\n%s", code, out)
		}
	})
}

// TestFeedExportImport: what export writes, import reads back into an
// empty config as the same feeds.
func TestFeedExportImport(t *testing.T) {
	src := "store:\n  path: " + filepath.Join(t.TempDir(), "none.db") + "\nfeeds:\n" +
		"  - url: https://a.example/rss\n    name: A & B\n    tags: [news, cyber]\n" +
		"  - url: https://b.example/atom\n" +
		"  - url: https://c.example/feed\n    name: C\n    tags: [cyber]\n"
	path := writeTemp(t, "config.yaml", src)
	code, out, errs := runCLI("feed", "export", "--config", path)
	if code != exitOK || strings.Count(out, `type="rss"`) != 3 {
		t.Fatalf("export: exit %d\n%s\n%s", code, out, errs)
	}
	file := filepath.Join(t.TempDir(), "out.opml")
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := writeTemp(t, "config.yaml", "# empty\n")
	if code, _, errs := runCLI("feed", "import", file, "--config", empty); code != exitOK {
		t.Fatalf("import: exit %d: %s", code, errs)
	}
	a, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := config.Load(empty)
	if err != nil {
		t.Fatal(err)
	}
	index := func(fs []config.Feed) map[string]string {
		m := map[string]string{}
		for _, f := range fs {
			m[f.URL] = f.Name + "|" + strings.Join(f.Tags, ",")
		}
		return m
	}
	ga, gb := index(a.Feeds), index(b.Feeds)
	ga["https://b.example/atom"] = "https://b.example/atom|" // an untitled feed gets its URL as title
	if len(ga) != len(gb) {
		t.Fatalf("exported %v, imported %v", ga, gb)
	}
	for u, v := range ga {
		if gb[u] != v {
			t.Errorf("%s: exported %q, imported %q", u, v, gb[u])
		}
	}
}
