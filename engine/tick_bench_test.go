package engine_test

import (
	"context"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/newshound/newshound/engine"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store/sqlite"
)

// BenchmarkSteadyTick measures the daemon's steady state as
// internal/loadfarm does, in process (for pprof): after a first cycle, a
// tick a second of a clock the benchmark moves, every feed at interval 30s
// and answered 304. One op is one tick; polls/op is how many feeds it polled.
// NEWSHOUND_FARM sets the number of feeds (default 500); NEWSHOUND_TICK_PROFILE
// a file for a CPU profile of the ticks alone.
func BenchmarkSteadyTick(b *testing.B) {
	feeds := farmSize(b)
	f := newFarm(b, 16)
	cfg := farmConfig(b, f, feeds)
	for i := range cfg.Feeds {
		cfg.Feeds[i].Interval = 30 * time.Second
	}
	db, err := sqlite.Open(context.Background(), cfg.Store.Path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	clock := time.Now()
	eng, err := engine.New(engine.Options{Config: cfg, Store: db, Now: func() time.Time { return clock },
		Senders: map[string]notify.Sender{"console": discard{}}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := eng.PollCycle(ctx, true); err != nil {
		b.Fatal(err)
	}
	// Thirty ticks spread the feeds' next polls as the daemon's would be.
	for range 30 {
		clock = clock.Add(time.Second)
		if err := eng.PollCycle(ctx, false); err != nil {
			b.Fatal(err)
		}
	}
	if path := os.Getenv("NEWSHOUND_TICK_PROFILE"); path != "" {
		// The ticks alone, without the first cycle's parse.
		out, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(out); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	polls := 0
	b.ResetTimer()
	for range b.N {
		clock = clock.Add(time.Second)
		if err := eng.PollCycle(ctx, false); err != nil {
			b.Fatal(err)
		}
		polls += eng.LastCycleStats().Polled
	}
	b.ReportMetric(float64(polls)/float64(b.N), "polls/op")
	if polls > 0 {
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(polls), "µs-wall/poll")
	}
}
