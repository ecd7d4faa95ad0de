package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
)

// BenchmarkFarmStories measures what the story decision adds per ingested
// item as the story index grows: the farm's first cycle indexes every item
// (NEWSHOUND_FARM feeds × 50), then ten cycles bring 2 new stories per feed
// each. The cost of a changed cycle per new item, first against tenth,
// must stay flat while the index grows by 40%; the recorded numbers are in
// BENCHMARKS.md ("Stories in the engine").
func BenchmarkFarmStories(b *testing.B) {
	feeds := farmSize(b)
	for range b.N {
		f := newFarm(b, 16)
		cfg := farmConfig(b, f, feeds)
		db, err := sqlite.Open(context.Background(), cfg.Store.Path)
		if err != nil {
			b.Fatal(err)
		}
		eng, err := engine.New(engine.Options{Config: cfg, Store: db, Senders: map[string]notify.Sender{"console": discard{}}})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		start := time.Now()
		if err := eng.PollCycle(ctx, true); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/float64(feeds*f.items), "µs/item-first")
		const cycles = 10
		var firstChanged, lastChanged time.Duration
		for c := range cycles {
			f.generation.Add(1)
			start = time.Now()
			if err := eng.PollCycle(ctx, true); err != nil {
				b.Fatal(err)
			}
			switch c {
			case 0:
				firstChanged = time.Since(start)
			case cycles - 1:
				lastChanged = time.Since(start)
			}
		}
		db.Close()
		perNew := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(feeds*f.newPerGen) }
		b.ReportMetric(perNew(firstChanged), "µs/new-item-changed-1")
		b.ReportMetric(perNew(lastChanged), "µs/new-item-changed-10")
	}
}
