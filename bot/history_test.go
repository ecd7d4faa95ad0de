package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/newshound/newshound/model"
)

// ingestStories records titled stories in the harness's store, as the engine would.
func (h *harness) ingestStories(titles ...string) {
	h.t.Helper()
	var items []model.NewItem
	for i, title := range titles {
		items = append(items, model.NewItem{Key: title, Story: &model.Story{Title: title, Link: "https://news.example/" + string(rune('a'+i))}})
	}
	if _, err := h.db.Ingest(context.Background(), model.FeedState{URL: "https://trusted.example/rss", Name: "Trusted Wire", Initialized: true}, nil, items); err != nil {
		h.t.Fatal(err)
	}
}

func TestSearch(t *testing.T) {
	h := newHarness(t, opts{})
	h.ingestStories("Cozy Bear phishing", "Bakery opens in Kyiv", "Midnight Blizzard again", "APT29 and the SVR", "Nobody home", "Cozy Bear 2", "Cozy Bear 3", "Cozy Bear 4")
	for _, tt := range []struct {
		args  string
		wants []string
		not   []string
	}{
		// the real matcher: actor:APT29 covers its aliases
		{"actor:APT29", []string{"6 stories in the last 7 days match actor:APT29; the newest 5", "• Cozy Bear 4 — Trusted Wire", "https://news.example/h", "APT29 and the SVR"},
			[]string{"Cozy Bear phishing", "Bakery"}},
		{"bakery", []string{"1 stories in the last 7 days match bakery", "Bakery opens in Kyiv"}, []string{"Cozy"}},
		{"lazarus", []string{"No story in the last 7 days matches lazarus (8 stories searched)"}, nil},
		{"kyiv AND (bakery", []string{"does not parse", "⟵ here"}, nil},
		{"/ak.ry/", []string{"does not parse"}, []string{"Bakery opens"}}, // regex is off for chat users
	} {
		got := h.send(private(tgUser, "search", tt.args))
		mustContain(t, got, tt.wants...)
		for _, n := range tt.not {
			if strings.Contains(got, n) {
				t.Errorf("/search %s shows %q:\n%s", tt.args, n, got)
			}
		}
	}
	// an admin may use a regex
	mustContain(t, h.send(private(tgAdmin, "search", "/ak.ry/")), "Bakery opens in Kyiv")
	mustContain(t, h.send(private(tgUser, "search", "")), "/search QUERY")
}

func TestTestAddsHistory(t *testing.T) {
	h := newHarness(t, opts{})
	h.ingestStories("Cozy Bear phishing", "Cozy Bear returns", "Midnight Blizzard again", "Cozy Bear 3", "Weather")
	got := h.send(private(tgUser, "test", "Cozy Bear"))
	mustContain(t, got, "1 watch would fire", "As a /watch query it would have matched 3 stories in the last 7 days; the newest:",
		"• Cozy Bear 3", "• Cozy Bear returns", "• Cozy Bear phishing")
	if strings.Contains(got, "Midnight Blizzard again") {
		t.Errorf("/test listed a story the query does not match:\n%s", got)
	}
	mustContain(t, h.send(private(tgUser, "test", "a quiet day")), "No watch would fire", "would have matched no story in the last 7 days (5 stories)")
}
