package bot

import (
	"strings"
	"testing"
)

// TestTestArticleURL: /test on an article page matches its main text, as
// poll.fulltext does, and keeps the SSRF guard for chat users.
func TestTestArticleURL(t *testing.T) {
	h := newHarness(t, opts{allowPrivate: true})
	page := strings.Replace(h.feedURL, "/feed.xml", "/article", 1)
	got := h.send(private(tgUser, "test", page))
	mustContain(t, got, `Read the article "Russia Blamed for Cyberattack on Azerbaijan"`, "apt29", "Cozy Bear")
	mustNotContain(t, got, "Could not read")

	guarded := newHarness(t, opts{})
	got = guarded.send(private(tgUser, "test", strings.Replace(guarded.feedURL, "/feed.xml", "/article", 1)))
	mustContain(t, got, "Could not read that URL", "non-public address")
}
