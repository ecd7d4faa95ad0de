package metrics

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

type fakeSource struct {
	pingErr error
	states  []model.FeedState // nil: a default set
}

func (f *fakeSource) QueueStats(context.Context) (model.QueueStats, error) {
	return model.QueueStats{Pending: 7, Parked: 2}, nil
}

func (f *fakeSource) FeedStates(context.Context) ([]model.FeedState, error) {
	if f.states != nil {
		return f.states, nil
	}
	return []model.FeedState{{URL: "https://feed/a", Failures: 3}, {URL: "https://feed/b", Gone: true, LastSuccess: time.Unix(1000, 0)}}, nil
}

func (f *fakeSource) Ping(context.Context) error { return f.pingErr }

type fakeHealth struct{ last time.Time }

func (f fakeHealth) LastCycle() time.Time { return f.last }

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, string(body)
}

func TestMetricsExposeSeries(t *testing.T) {
	src := &fakeSource{}
	m := New(src)
	m.Polled("https://feed/a", "error", 20*time.Millisecond, 0)
	m.Polled("https://feed/b", "ok", 10*time.Millisecond, 4)
	m.Matched("apt29")
	m.Queued("telegram", 3)
	m.Delivered("telegram", "sent", 5*time.Millisecond)
	m.Delivered("telegram", "rate_limited", 5*time.Millisecond)
	code, body := get(t, m.Handler(src, fakeHealth{time.Now()}, time.Now(), time.Minute), "/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`newshound_feed_polls_total{feed="https://feed/a",outcome="error"} 1`,
		`newshound_items_new_total{feed="https://feed/b"} 4`,
		`newshound_watch_matches_total{watch="apt29"} 1`,
		`newshound_alerts_queued_total{platform="telegram"} 3`,
		`newshound_alerts_total{outcome="sent",platform="telegram"} 1`,
		`newshound_rate_limited_total{platform="telegram"} 1`,
		`newshound_queue_depth{state="pending"} 7`,
		`newshound_queue_depth{state="parked"} 2`,
		`newshound_feed_consecutive_failures{feed="https://feed/a"} 3`,
		`newshound_feed_gone{feed="https://feed/b"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestReadiness(t *testing.T) {
	tests := []struct {
		name     string
		pingErr  error
		states   []model.FeedState
		last     time.Time
		wantCode int
		wantText string
	}{
		{"healthy", nil, nil, time.Now(), 200, "ready"},
		{"store read-only", errors.New("attempt to write a readonly database"), nil, time.Now(), 503, "store not writable"},
		{"scheduler stalled", nil, nil, time.Now().Add(-time.Hour), 503, "no poll cycle"},
		{"every feed failing", nil, []model.FeedState{
			{URL: "a", LastPoll: time.Now(), Failures: 2}, {URL: "b", LastPoll: time.Now(), Failures: 1},
			{URL: "gone", LastPoll: time.Now(), Failures: 1, Gone: true}, {URL: "new"},
		}, time.Now(), 503, "every feed (2) failed its last poll"},
		{"some feeds failing", nil, []model.FeedState{
			{URL: "a", LastPoll: time.Now(), Failures: 2}, {URL: "b", LastPoll: time.Now()},
		}, time.Now(), 200, "ready"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSource{pingErr: tt.pingErr, states: tt.states}
			h := New(src).Handler(src, fakeHealth{tt.last}, time.Now().Add(-2*time.Hour), 5*time.Minute)
			code, body := get(t, h, "/readyz")
			if code != tt.wantCode || !strings.Contains(body, tt.wantText) {
				t.Fatalf("/readyz = %d %q, want %d containing %q", code, body, tt.wantCode, tt.wantText)
			}
			if code, _ := get(t, h, "/healthz"); code != 200 {
				t.Fatalf("/healthz = %d while alive", code)
			}
		})
	}
}

func TestStoryMetrics(t *testing.T) {
	src := &fakeSource{}
	m := New(src)
	m.Story(false)
	m.Story(true)
	m.Story(true)
	m.Stories(5, 9)
	for _, o := range []string{"edited", "edited", "edit_gone", "edit_retry", "edit_rate_limited", "sent"} {
		m.Delivered("telegram", o, 0)
	}
	_, body := get(t, m.Handler(src, fakeHealth{time.Now()}, time.Now(), time.Minute), "/metrics")
	for _, want := range []string{
		`newshound_story_reports_total{report="first"} 1`,
		`newshound_story_reports_total{report="later"} 2`,
		`newshound_stories 5`,
		`newshound_story_index_reports 9`,
		`newshound_alert_edits_total{outcome="sent",platform="telegram"} 2`,
		`newshound_alert_edits_total{outcome="gone",platform="telegram"} 1`,
		`newshound_alert_edits_total{outcome="failed",platform="telegram"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
