package engine_test

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
)

// BenchmarkFulltextStory measures one new teaser story end to end on
// loopback: the feed changes, the engine polls it, (with auto) fetches the
// article page, extracts and matches it, and queues the alert. "never" is
// the same without full text, so the difference is the cost of full text.
// Reported: latency from the feed change to the queued alert (p50, p99),
// CPU time per story (user+system, whole process), and allocations.
func BenchmarkFulltextStory(b *testing.B) {
	for _, mode := range []string{"never", "auto"} {
		b.Run(mode, func(b *testing.B) {
			site := newTeaserSite(&testing.T{})
			defer close(site.done)
			defer site.srv.Close()
			site.add("old", "Old", "Old teaser.", "/old")
			cfg := fulltextConfig(&testing.T{}, site.srv.URL+"/feed", "  fulltext: "+mode)
			cfg.Store.Path = b.TempDir() + "/nh.db"
			db, err := sqlite.Open(context.Background(), cfg.Store.Path)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			eng, err := engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"console": discard{}}})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if err := eng.PollCycle(ctx, true); err != nil {
				b.Fatal(err)
			}
			var lat []time.Duration
			cpu0 := cpuTime()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				path := fmt.Sprintf("/story/%d", i)
				site.page(path, htmlFile(b, "therecord.html"))
				site.add(fmt.Sprint("s", i), fmt.Sprintf("Story %d about Azerbaijan", i), seedTeaser, path)
				site.mu.Lock()
				site.items = site.items[:min(len(site.items), 20)] // a feed lists its latest stories
				site.mu.Unlock()
				start := time.Now()
				if err := eng.PollCycle(ctx, true); err != nil {
					b.Fatal(err)
				}
				if err := eng.EnrichPending(ctx); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			cpu := cpuTime() - cpu0
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/story")
			if mode == "auto" && site.articleHits() != b.N {
				b.Fatalf("%d article fetches for %d stories", site.articleHits(), b.N)
			}
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
