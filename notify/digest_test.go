package notify

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

func TestBuildDigestSplitsAtBudgetAndKeepsEveryStory(t *testing.T) {
	now := time.Date(2025, 3, 30, 5, 0, 0, 0, time.UTC)
	for _, n := range []int{1, 10, 200} {
		var held []model.Alert
		for i := 0; i < n; i++ {
			held = append(held, model.Alert{ID: int64(i + 1), Title: fmt.Sprintf("story %03d %s", i, strings.Repeat("x", 60)),
				Link: fmt.Sprintf("https://x.example/%d", i), Feed: "Wire", Published: now.Add(time.Duration(i) * time.Minute),
				Watches: []model.WatchMatch{{Name: fmt.Sprintf("w%d", i%3)}}})
		}
		parts := BuildDigest(held, DigestBudget, now)
		seen := map[string]bool{}
		for pi, p := range parts {
			used := 0
			for _, g := range p.Digest {
				for si, s := range g.Stories {
					used += len([]rune(s.Title)) + len([]rune(s.Link)) + len([]rune(s.Feed))
					if seen[s.Title] {
						t.Errorf("n=%d: %q in two parts", n, s.Title)
					}
					seen[s.Title] = true
					if si > 0 && g.Stories[si-1].Published.Before(s.Published) {
						t.Errorf("n=%d: %s not newest first", n, g.Watch)
					}
				}
			}
			if used > DigestBudget {
				t.Errorf("n=%d part %d holds %d characters, budget %d", n, pi, used, DigestBudget)
			}
			if len(parts) > 1 && (p.Part != pi+1 || p.Parts != len(parts) || !strings.Contains(p.Title, fmt.Sprintf("(%d/%d)", pi+1, len(parts)))) {
				t.Errorf("n=%d part %d numbered %d/%d %q", n, pi, p.Part, p.Parts, p.Title)
			}
		}
		if len(seen) != n {
			t.Errorf("n=%d: %d stories in the digest", n, len(seen))
		}
		if n == 200 && len(parts) < 2 {
			t.Errorf("200 long stories fit in %d message", len(parts))
		}
	}
}

func BenchmarkBuildDigest1000(b *testing.B) {
	now := time.Now()
	var held []model.Alert
	for i := 0; i < 1000; i++ {
		held = append(held, model.Alert{Title: fmt.Sprintf("story %d", i), Link: "https://x.example/a", Feed: "Wire",
			Published: now.Add(time.Duration(i) * time.Second), Watches: []model.WatchMatch{{Name: fmt.Sprintf("w%d", i%7)}}})
	}
	b.ReportAllocs()
	for b.Loop() {
		BuildDigest(held, DigestBudget, now)
	}
}
