package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
)

// TestBacklogIsNoStory: the backlog a feed lists at its first poll alerts
// nobody, so it is not indexed as stories (no index entry, no story rows),
// whatever its date; the poll.backfill newest alert and are stories. After
// the first poll every new item is a story, whatever its date.
func TestBacklogIsNoStory(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	rfc := func(d time.Duration) string { return now.Add(-d).Format(time.RFC1123Z) }
	items := fmt.Sprintf(`<item><guid>old-1</guid><title>Kremlin talks with Baku stall over the border</title><pubDate>%s</pubDate></item>`+
		`<item><guid>old-2</guid><title>Energy grid repaired after a storm in the north</title><pubDate>%s</pubDate></item>`+
		`<item><guid>recent</guid><title>Hospital ransomware outbreak shuts three clinics</title><pubDate>%s</pubDate></item>`+
		`<item><guid>undated</guid><title>Court ruling on the ministry data breach expected</title></item>`,
		rfc(30*24*time.Hour), rfc(72*time.Hour), rfc(time.Hour))
	later := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><title>Wire</title>%s%s</channel></rss>`, later, items)
	}))
	defer srv.Close()
	cfg := testConfig(t, srv.URL+"/feed", filepath.Join(t.TempDir(), "b.db"), 1)
	cfg.Poll.Fulltext = config.FulltextNever
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng, err := engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"console": discard{}}})
	if err != nil {
		t.Fatal(err)
	}
	records := func() int {
		recs, err := db.StoryRecords(ctx, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	if err := eng.PollCycle(ctx, true); err != nil {
		t.Fatal(err)
	}
	if n := records(); n != 1 {
		t.Errorf("after the first poll: %d story records, want 1 (the poll.backfill newest; the rest of the backlog, recent, undated or old, alerts nobody)", n)
	}
	// A new item with an old date is still a story: it alerts, and a later
	// report of it must find it.
	later = fmt.Sprintf(`<item><guid>late-old</guid><title>APT29 phishing wave hits embassy staff</title><pubDate>%s</pubDate></item>`, rfc(60*24*time.Hour))
	if err := eng.PollCycle(ctx, true); err != nil {
		t.Fatal(err)
	}
	if n := records(); n != 2 {
		t.Errorf("after a new item: %d story records, want 2", n)
	}
}
