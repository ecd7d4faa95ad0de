package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestMatchURL: match --url fetches the page and matches its main text
// (not its navigation or comments), like poll.fulltext.
func TestMatchURL(t *testing.T) {
	page, err := os.ReadFile("../../feeds/article/testdata/therecord.html")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/story" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write(page)
	}))
	defer srv.Close()
	cfgPath := writeConfig(t, matchTestConfig+"  - name: lazarus\n    query: 'actor:Lazarus'\n")
	var out, errb bytes.Buffer
	if code := cmdMatch([]string{"--config", cfgPath, "--url", srv.URL + "/story"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "apt29: ") {
		t.Errorf("output lacks apt29:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "Cozy Bear") || strings.Contains(out.String(), "lazarus") {
		t.Errorf("want the article's APT29 match, not the comment's Lazarus:\n%s", out.String())
	}
	out.Reset()
	if code := cmdMatch([]string{"--config", cfgPath, "--url", srv.URL + "/gone"}, &out, &errb); code != exitRuntime {
		t.Errorf("404: exit %d, want %d", code, exitRuntime)
	}
}
