package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/corpus"
)

const matchTestConfig = `
entities:
  russia: [Russia, Russian, Russians, Kremlin, "Russian Federation"]
watches:
  - name: apt29
    query: 'actor:APT29'
  - name: russia-azerbaijan
    query: '(actor:russia OR Moscow) AND (Azerbaijan OR Azerbaijani OR Baku)'
    tags: [ukraine]
  - name: ransomware
    query: 'ransomware -sports'
`

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMatchJSONL(t *testing.T) {
	cfgPath := writeConfig(t, matchTestConfig)
	in := filepath.Join(t.TempDir(), "items.jsonl")
	lines := []string{
		`{"title": "Cozy Bear hits ministries", "link": "https://example.org/1"}`,
		`{"title": "Weather", "summary": "Sunny"}`,
		``,
		`{"title": "Kremlin and Baku", "summary": "Ransomware too", "categories": ["Europe"]}`,
		`not json`,
		`{"content": "Midnight Blizzard's <b>new</b> campaign"}`,
	}
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := cmdMatch([]string{"--config", cfgPath, "--jsonl", in}, &out, &errb)
	if code != exitInput {
		t.Errorf("exit %d, want %d (one bad line); stderr %s", code, exitInput, errb.String())
	}
	want := []string{
		`{"watches":[{"name":"apt29","terms":["APT29, as \"Cozy Bear\""]}],"line":1}`,
		`{"watches":[],"line":2}`,
		`{"watches":[],"line":3}`,
		`{"watches":[{"name":"russia-azerbaijan","terms":["russia, as \"Kremlin\"","Baku"]},{"name":"ransomware","terms":["Ransomware"]}],"line":4}`,
		"", // error line, checked below
		`{"watches":[{"name":"apt29","terms":["APT29, as \"Midnight Blizzard\""]}],"line":6}`,
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("%d output lines, want %d:\n%s", len(got), len(want), out.String())
	}
	for i := range want {
		if i == 4 {
			var r struct {
				Watches []any  `json:"watches"`
				Error   string `json:"error"`
			}
			if err := json.Unmarshal([]byte(got[i]), &r); err != nil || r.Watches == nil || !strings.Contains(r.Error, "line 5") {
				t.Errorf("line 5 = %s (%v)", got[i], err)
			}
			continue
		}
		if got[i] != want[i] {
			t.Errorf("line %d = %s\nwant      %s", i+1, got[i], want[i])
		}
	}
	if !strings.Contains(errb.String(), "line 5") {
		t.Errorf("stderr = %q", errb.String())
	}
}

func TestMatchText(t *testing.T) {
	cfgPath := writeConfig(t, matchTestConfig)
	var out, errb bytes.Buffer
	if code := cmdMatch([]string{"--config", cfgPath, "--text", "Moscow warns Baku about Cozy Bear"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, w := range []string{`apt29: APT29, as "Cozy Bear"`, "«Cozy Bear»", "russia-azerbaijan: Moscow; Baku"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	out.Reset()
	if code := cmdMatch([]string{"--config", cfgPath, "--json", "--text", "nothing here"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if strings.TrimSpace(out.String()) != `{"watches":[]}` {
		t.Errorf("json output = %s", out.String())
	}
}

func TestMatchUsageErrors(t *testing.T) {
	cfgPath := writeConfig(t, matchTestConfig)
	bad := writeConfig(t, "watches:\n  - name: broken\n    query: '(x'\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--config", cfgPath}, "exactly one of"},
		{[]string{"--config", cfgPath, "--text", "a", "--jsonl", "b"}, "exactly one of"},
		{[]string{"--config", bad, "--text", "x"}, `config.yaml:3:13: watch "broken": query: unclosed "("`},
		{[]string{"--config", filepath.Join(t.TempDir(), "none.yaml"), "--text", "x"}, "no such file"},
		{[]string{"--config", cfgPath, "--text", "x", "extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if code := cmdMatch(tt.args, &out, &errb); code != exitInput {
			t.Errorf("%v: exit %d, want %d", tt.args, code, exitInput)
		}
		if !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%v: stderr %q lacks %q", tt.args, errb.String(), tt.want)
		}
	}
}

const testFeed = `<?xml version="1.0"?>
<rss version="2.0"><channel><title>Test Wire</title>
<item><title>Kremlin talks with Baku</title><link>https://example.org/a</link>
<description>&lt;p&gt;Talks in &lt;b&gt;Moscow&lt;/b&gt;.&lt;/p&gt;</description></item>
<item><title>Cozy Bear again</title><link>https://example.org/b</link><category>Cyber</category></item>
</channel></rss>`

func TestMatchFeed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		_, _ = w.Write([]byte(testFeed))
	}))
	defer srv.Close()
	cfg := &config.Config{
		Entities: map[string][]string{"russia": {"Kremlin"}},
		Watches: []config.Watch{
			{Name: "ra", Query: "actor:russia baku", Tags: []string{"ukraine"}},
			{Name: "apt29", Query: "actor:APT29 category:cyber"},
		},
	}
	// A URL not in the config: tags do not apply.
	var out, errb bytes.Buffer
	if code := runMatch(cfg, matchInput{feed: srv.URL + "/rss", json: true}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := `{"title":"Kremlin talks with Baku","link":"https://example.org/a","watches":[{"name":"ra","terms":["russia, as \"Kremlin\"","Baku"],"snippet":"«Kremlin» talks with «Baku»"}]}
{"title":"Cozy Bear again","link":"https://example.org/b","watches":[{"name":"apt29","terms":["APT29, as \"Cozy Bear\"","category:cyber, as \"Cyber\""],"snippet":"«Cozy Bear» again"}]}
`
	// Term.String renders plain terms by what was seen.
	want = strings.Replace(want, `"category:cyber, as \"Cyber\""`, `"Cyber"`, 1)
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	// The same URL configured with a tag the watch lacks: "ra" no longer fires.
	cfg.Feeds = []config.Feed{{URL: srv.URL + "/rss", Name: "Wire", Tags: []string{"world"}}}
	out.Reset()
	if code := runMatch(cfg, matchInput{feed: srv.URL + "/rss"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if strings.Contains(out.String(), "ra:") || !strings.Contains(out.String(), "1 of 2 items matched") {
		t.Errorf("tagged feed output:\n%s", out.String())
	}
	// Not a feed.
	out.Reset()
	errb.Reset()
	bad := filepath.Join(t.TempDir(), "bad.xml")
	if err := os.WriteFile(bad, []byte("<html>nope</html>"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := runMatch(cfg, matchInput{feed: bad}, &out, &errb); code != exitInput {
		t.Errorf("bad feed: exit %d", code)
	}
}

func TestMatchRealFeed(t *testing.T) {
	dir := corpus.Dir(t, "feeds")
	cfg := &config.Config{
		Entities: map[string][]string{"russia": {"Russia", "Russian", "Kremlin"}},
		Watches:  []config.Watch{{Name: "russia", Query: "actor:russia"}, {Name: "putin", Query: "Putin OR Путин"}},
	}
	var out, errb bytes.Buffer
	if code := runMatch(cfg, matchInput{feed: filepath.Join(dir, "kyivindependent_news-archive.xml"), json: true}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 15 {
		t.Fatalf("%d lines, want 15 items", len(lines))
	}
	fired := 0
	for _, l := range lines {
		if strings.Contains(l, `"name":"russia"`) {
			fired++
		}
	}
	// The corpus notes say Russia/Ukraine is in every item of this feed.
	if fired < 10 {
		t.Errorf("russia fired on %d of 15 items", fired)
	}
}

func TestMatchJSONLStdin(t *testing.T) {
	cfg := &config.Config{Watches: []config.Watch{{Name: "kyiv", Query: `Kyiv OR Київ`}, {Name: "grid", Query: `"power grid" NEAR/3 attack*`}}}
	in := strings.NewReader(`{"title":"Київ під атакою"}` + "\n" + `{"summary":"Attackers hit the power grid","categories":["Kyiv"]}` + "\n")
	var out, errb bytes.Buffer
	if code := runMatch(cfg, matchInput{jsonl: "-", stdin: in}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := `{"watches":[{"name":"kyiv","terms":["Київ"]}],"line":1}
{"watches":[{"name":"kyiv","terms":["Kyiv"]},{"name":"grid","terms":["power grid","Attackers"]}],"line":2}
`
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestMatchFeedFetchError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://user:s3cret@", 1) + "/feed"
	cfg := &config.Config{Watches: []config.Watch{{Name: "x", Query: "x"}}}
	var out, errb bytes.Buffer
	if code := runMatch(cfg, matchInput{feed: u}, &out, &errb); code != exitRuntime {
		t.Errorf("exit %d, want %d", code, exitRuntime)
	}
	if !strings.Contains(errb.String(), "404") || strings.Contains(errb.String(), "s3cret") {
		t.Errorf("stderr = %q", errb.String())
	}
}
