package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeLines(t *testing.T, lines []string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "items.jsonl")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStoriesJSONL(t *testing.T) {
	in := writeLines(t, []string{
		`{"title": "Microsoft says Midnight Blizzard accessed senior staff email accounts", "feed": "Wire A", "published": "2024-01-19T22:00:00Z"}`,
		`{"title": "APT29 phishes European embassies with fake wine-tasting invitations", "feed": "Wire B", "published": "2024-01-19T22:10:00Z"}`,
		`{"title": "UPDATE 1-Microsoft says Midnight Blizzard accessed senior staff email accounts", "feed": "Wire C", "published": "2024-01-19T23:00:00Z"}`,
		``,
		`{"title": "APT29 breached a cloud provider to reach government tenants", "feed": "Wire D", "published": "2024-01-19T23:30:00Z"}`,
		`{"title": "Russian APT29 phishes European embassies with fake wine-tasting invitations", "summary": "", "feed": "Wire E", "published": "Sat, 20 Jan 2024 01:00:00 +0000"}`,
		`{"title": "Microsoft says Midnight Blizzard accessed senior staff email accounts", "feed": "Wire F", "published": "2024-01-23T22:00:00Z"}`,
	})
	var out, errb bytes.Buffer
	if code := cmdStories([]string{"--jsonl", in}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want := []string{
		`{"same_as":0}`,
		`{"same_as":1}`,
		`{"same_as":0}`, // the same event from another wire
		`{"same_as":3}`, // an empty line keeps its place
		`{"same_as":4}`, // same actor, another event
		`{"same_as":1}`,
		`{"same_as":6}`, // four days later: outside the 48h window
	}
	if got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestStoriesBadInput(t *testing.T) {
	tests := []struct {
		name  string
		args  func(t *testing.T) []string
		lines int    // output lines expected (-1: don't check)
		want  string // in stderr
	}{
		{"bad json", func(t *testing.T) []string {
			return []string{"--jsonl", writeLines(t, []string{`{"title": "a b c"}`, `{not json`, `{"title": "d e f"}`})}
		}, 3, "line 2"},
		{"bad date", func(t *testing.T) []string {
			return []string{"--jsonl", writeLines(t, []string{`{"title": "a b c", "published": "yesterday"}`})}
		}, 1, `line 1: published "yesterday"`},
		{"two values on a line", func(t *testing.T) []string {
			return []string{"--jsonl", writeLines(t, []string{`{"title": "a"} {"title": "b"}`})}
		}, 1, "line 1: more than one"},
		{"no file given", func(t *testing.T) []string { return nil }, -1, "--jsonl FILE is required"},
		{"missing file", func(t *testing.T) []string {
			return []string{"--jsonl", filepath.Join(t.TempDir(), "none.jsonl")}
		}, -1, "no such file"},
		{"explicit config missing", func(t *testing.T) []string {
			return []string{"--config", filepath.Join(t.TempDir(), "none.yaml"), "--jsonl", writeLines(t, []string{`{}`})}
		}, -1, "no such file"},
		{"stray argument", func(t *testing.T) []string { return []string{"--jsonl", "-", "extra"} }, -1, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := cmdStories(tt.args(t), &out, &errb); code != exitInput {
				t.Errorf("exit %d, want %d", code, exitInput)
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.want)
			}
			if tt.lines >= 0 {
				if n := strings.Count(out.String(), "\n"); n != tt.lines {
					t.Errorf("%d output lines, want %d:\n%s", n, tt.lines, out.String())
				}
			}
		})
	}
}

func TestStoriesHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"stories", "--help"}, &out, &errb); code != exitOK {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(out.String(), "usage: newshound stories") {
		t.Errorf("help on stdout: %q", out.String())
	}
}

// stories.window comes from the config: a window longer than the four
// days between two reports of one event joins them.
func TestStoriesWindowFromConfig(t *testing.T) {
	in := writeLines(t, []string{
		`{"title": "Microsoft says Midnight Blizzard accessed senior staff email accounts", "feed": "Wire A", "published": "2024-01-19T22:00:00Z"}`,
		`{"title": "Microsoft says Midnight Blizzard accessed senior staff email accounts", "feed": "Wire F", "published": "2024-01-23T22:00:00Z"}`,
	})
	for _, tt := range []struct{ window, want string }{{"48h", `{"same_as":1}`}, {"120h", `{"same_as":0}`}} {
		cfgPath := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(cfgPath, []byte("stories:\n  window: "+tt.window+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		if code := cmdStories([]string{"--config", cfgPath, "--jsonl", in}, &out, &errb); code != exitOK {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 2 || lines[1] != tt.want {
			t.Errorf("window %s: output %q, want second line %s", tt.window, lines, tt.want)
		}
	}
}
