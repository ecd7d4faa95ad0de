package engine_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
	"github.com/newshound/newshound/websub"
)

// BenchmarkChangeToQueued measures, for one feed that changes, the time
// from the change to its alert in the outbox: by a signed push to the
// callback (the push answers once the alert is queued) and by a poll (the
// fetch, parse and ingest of the changed feed; a poll also waits for the
// feed to come due, on average half its interval, which BENCHMARKS.md adds).
func BenchmarkChangeToQueued(b *testing.B) {
	ctx := context.Background()
	h := newHubFeed(&testing.T{}, "old|Weather is fine")
	defer h.feed.Close()
	defer h.hub.Close()
	var eng *engine.Engine
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { eng.WebSub().ServeHTTP(w, r) }))
	defer cb.Close()
	cfg := testConfig(&testing.T{}, h.feed.URL+"/feed", filepath.Join(b.TempDir(), "ws.db"), 0)
	cfg.HTTP.PublicURL = cb.URL
	db, err := sqlite.Open(ctx, cfg.Store.Path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	eng, err = engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"console": discard{}}})
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.PollCycle(ctx, true); err != nil {
		b.Fatal(err)
	}
	eng.WaitWebSub()
	form := <-h.subs
	resp, err := http.Get(form.Get("hub.callback") + "?" + url.Values{"hub.mode": {"subscribe"}, "hub.topic": {form.Get("hub.topic")},
		"hub.challenge": {"ch"}, "hub.lease_seconds": {"86400"}}.Encode())
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	queued := func() int {
		qs, _ := db.QueueStats(ctx)
		return qs.Pending
	}
	var push, poll []time.Duration
	b.ResetTimer()
	for i := range b.N {
		before := queued()
		body := h.body(fmt.Sprintf("p%d|APT29 pushed story %d", i, i))
		start := time.Now()
		req, _ := http.NewRequest(http.MethodPost, form.Get("hub.callback"), strings.NewReader(body))
		req.Header.Set("X-Hub-Signature", websub.Sign(form.Get("hub.secret"), []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		push = append(push, time.Since(start))
		if queued() != before+1 {
			b.Fatal("push did not queue its alert")
		}
		h.mu.Lock()
		h.items = append([]string{fmt.Sprintf("p%d|APT29 pushed story %d", i, i)}, h.items...)
		h.items = append([]string{fmt.Sprintf("q%d|APT29 polled story %d", i, i)}, h.items...)
		h.mu.Unlock()
		start = time.Now()
		if err := eng.PollCycle(ctx, true); err != nil {
			b.Fatal(err)
		}
		poll = append(poll, time.Since(start))
		if queued() != before+2 {
			b.Fatal("poll did not queue its alert")
		}
	}
	b.StopTimer()
	med := func(d []time.Duration) float64 { slices.Sort(d); return float64(d[len(d)/2].Microseconds()) / 1000 }
	b.ReportMetric(med(push), "ms-push-to-queued")
	b.ReportMetric(med(poll), "ms-poll-to-queued")
}
