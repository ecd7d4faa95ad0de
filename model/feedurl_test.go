package model

import "testing"

func TestFeedKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://Example.ORG:443/rss#x", "https://example.org/rss"},
		{"http://example.org:80", "http://example.org/"},
		{"http://example.org", "http://example.org/"},
		{"http://example.org/", "http://example.org/"},
		{"http://example.org:8080/a?b=1", "http://example.org:8080/a?b=1"},
		{" https://[::1]:443/x ", "https://[::1]/x"},
		{"not a url", "not a url"},
	}
	for _, tc := range tests {
		if got := FeedKey(tc.in); got != tc.want {
			t.Errorf("FeedKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
