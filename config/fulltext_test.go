package config

import (
	"strings"
	"testing"
	"time"
)

func TestFulltextKeys(t *testing.T) {
	tests := []struct {
		yaml    string
		poll    string
		timeout time.Duration
		feed    string
		errorAt string // "" for no error
	}{
		{"feeds: [{url: http://a/f}]", FulltextAuto, 15 * time.Second, "", ""},
		{"poll: {fulltext: never, fulltext_timeout: 3s}\nfeeds: [{url: http://a/f, fulltext: always}]", FulltextNever, 3 * time.Second, FulltextAlways, ""},
		{"poll:\n  fulltext: sometimes\n", "", 0, "", "t.yaml:2:13"},
		{"feeds:\n  - url: http://a/f\n    fulltext: yes\n", "", 0, "", "t.yaml:3:15"},
		{"poll:\n  fulltext_timeout: 0s\n", "", 0, "", "t.yaml:2:"},
	}
	for _, tt := range tests {
		cfg, err := Parse([]byte(tt.yaml), "t.yaml")
		if tt.errorAt != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errorAt) {
				t.Errorf("%q: err = %v, want one at %s", tt.yaml, err, tt.errorAt)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tt.yaml, err)
		}
		if cfg.Poll.Fulltext != tt.poll || cfg.Poll.FulltextTimeout != tt.timeout || cfg.Feeds[0].Fulltext != tt.feed {
			t.Errorf("%q: poll %q %s, feed %q; want %q %s %q", tt.yaml, cfg.Poll.Fulltext, cfg.Poll.FulltextTimeout, cfg.Feeds[0].Fulltext, tt.poll, tt.timeout, tt.feed)
		}
	}
}
