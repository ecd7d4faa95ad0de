package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

func TestHistoryGauges(t *testing.T) {
	src := &fakeSource{}
	m := New(src)
	h := m.Handler(src, fakeHealth{last: time.Now()}, time.Now(), time.Hour)
	m.History(model.HistoryStats{Stories: 12345, Bytes: 6789012, Oldest: time.Unix(1700000000, 0)})
	_, body := get(t, h, "/metrics")
	for _, want := range []string{"newshound_history_stories 12345", "newshound_history_bytes 6.789012e+06", "newshound_history_oldest_timestamp_seconds 1.7e+09"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
