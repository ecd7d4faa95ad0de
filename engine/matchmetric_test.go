package engine_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/internal/metrics"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
)

// TestMatchMetricCountsWhatAlerted runs the engine with the real metrics
// and scrapes /metrics: newshound_watch_matches_total must count the
// stories that alerted, not a duplicate of one (another GUID, the same
// canonical link) that matched again and was remembered silently.
func TestMatchMetricCountsWhatAlerted(t *testing.T) {
	ctx := context.Background()
	fs := newFeedServer(t,
		"g1|APT29 breaches the ministry|https://news.example/1",
		"g2|APT29 breaches the ministry (update)|https://news.example/1?utm_source=wire",
		"g0|Weather is nice today|https://news.example/0",
	)
	cfg := testConfig(t, fs.srv.URL+"/rss", filepath.Join(t.TempDir(), "nh.db"), 3)
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := metrics.New(db)
	var out bytes.Buffer
	eng, err := engine.New(engine.Options{Config: cfg, Store: db, Observer: m,
		Senders: map[string]notify.Sender{"console": notify.NewConsole(&out)}})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(db, eng, time.Now(), time.Hour)

	steps := []struct {
		what    string
		add     string // an item the feed gains before the pass
		matches int    // newshound_watch_matches_total{watch="apt29"} after it
		alerts  int    // console alerts printed in all
	}{
		{"a story and its duplicate in one poll", "", 1, 1},
		{"the story again under a new GUID", "g3|APT29 breaches the ministry|https://news.example/1", 1, 1},
		{"the story from another angle, same link", "g4|Ministry breach: APT29 blamed|https://news.example/1", 1, 1},
		{"a new story", "g5|Cozy Bear phishes embassies|https://news.example/5", 2, 2},
	}
	for _, st := range steps {
		if st.add != "" {
			fs.add(st.add)
		}
		if err := eng.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if got := alertsIn(out.String()); got != st.alerts {
			t.Fatalf("%s: %d alerts printed, want %d:\n%s", st.what, got, st.alerts, out.String())
		}
		if got := scrape(t, h, `newshound_watch_matches_total{watch="apt29"}`); got != st.matches {
			t.Errorf("%s: newshound_watch_matches_total{watch=\"apt29\"} = %d, want %d", st.what, got, st.matches)
		}
	}
	if got := scrape(t, h, `newshound_watch_matches_total{watch="russia-azerbaijan"}`); got != 0 {
		t.Errorf("a watch that never alerted counts %d", got)
	}
}

// scrape GETs /metrics from h and returns the value of series (0 when absent).
func scrape(t *testing.T, h http.Handler, series string) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics = %d %s", rec.Code, body)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatalf("%s: %v", series, err)
	}
	return int(v)
}
