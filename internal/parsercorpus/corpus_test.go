package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPyString(t *testing.T) {
	tests := []struct {
		lit, want string
		ok        bool
	}{
		{`'plain'`, "plain", true},
		{`"double"`, "double", true},
		{`'don\u2019t'`, "don’t", true},
		{`'\xe0 \xdc'`, "à Ü", true},
		{`'it\'s'`, "it's", true},
		{`'a\\b'`, `a\b`, true},
		{`'\U0001F600'`, "😀", true},
		{`'short \u20'`, "", false},
		{`'unterminated`, "", false},
		{`noquotes`, "", false},
	}
	for _, tc := range tests {
		got, err := pyString(tc.lit)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("pyString(%s) = %q, %v; want %q, ok=%v", tc.lit, got, err, tc.want, tc.ok)
		}
	}
}

// TestWalk runs the runner over a tiny suite in both layouts and checks
// every counter it reports, including a wrong title and a rejection.
func TestWalk(t *testing.T) {
	root := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// feedparser layout: expectations in the leading comment.
	write("wellformed/ok.xml", "<!--\nExpect: not bozo and entries[0]['title'] == 'One'\n-->\n"+
		`<rss version="2.0"><channel><title>T</title><item><title>One</title><guid>1</guid></item><item><title>Two</title><guid>2</guid></item></channel></rss>`)
	write("wellformed/wrong.xml", "<!--\nExpect: feed['title'] == 'Expected'\n-->\n"+
		`<rss version="2.0"><channel><title>Other</title></channel></rss>`)
	write("illformed/html.xml", "<!--\nExpect: bozo\n-->\n<html><body>not a feed</body></html>")
	// gofeed layout: X.xml with its expected X.json, which is no feed itself.
	write("translator/rss/a.xml", `<rss version="2.0"><channel><title>G</title><item><title>Gi</title></item></channel></rss>`)
	write("translator/rss/a.json", `{"title":"G","items":[{"title":"Gi"}]}`)

	rep, err := Walk(root, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Counts{
		"wellformed":     {Files: 2, Parsed: 2, Items: 2, TitlesChecked: 2, TitlesRight: 1},
		"illformed":      {Files: 1, NotAFeed: 1},
		"translator/rss": {Files: 1, Parsed: 1, Items: 1, TitlesChecked: 2, TitlesRight: 2},
	}
	if len(rep.Folders) != len(want) {
		t.Errorf("folders %v, want %d", rep.Folders, len(want))
	}
	for dir, w := range want {
		if got := rep.Folders[dir]; got == nil || *got != w {
			t.Errorf("%s: %+v, want %+v", dir, got, w)
		}
	}
	var out bytes.Buffer
	rep.Print(&out, true)
	for _, s := range []string{"TOTAL", "wrong.xml: feed title = \"Other\", want \"Expected\"", "REJECT illformed/html.xml"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, out.String())
		}
	}
}

// TestSuites runs the real suites when PARSER_CORPUS_DIR holds them (see
// scripts/parser-corpus.sh) and fails on any crash or hang.
func TestSuites(t *testing.T) {
	dir := os.Getenv("PARSER_CORPUS_DIR")
	if dir == "" {
		t.Skip("PARSER_CORPUS_DIR not set; scripts/parser-corpus.sh documents the suites")
	}
	ran := 0
	for _, s := range []string{"feedparser/tests", "gofeed/testdata"} {
		p := filepath.Join(dir, s)
		if _, err := os.Stat(p); err != nil {
			t.Logf("%s absent; skipped", p)
			continue
		}
		rep, err := Walk(p, defaultTimeout)
		if err != nil {
			t.Fatal(err)
		}
		ran++
		if tot := rep.Total(); tot.Crashes > 0 || tot.Hangs > 0 {
			var out bytes.Buffer
			rep.Print(&out, true)
			t.Errorf("%s: %d crashes, %d hangs\n%s", s, tot.Crashes, tot.Hangs, out.String())
		}
	}
	if ran == 0 {
		t.Skipf("no suite under %s", dir)
	}
}
