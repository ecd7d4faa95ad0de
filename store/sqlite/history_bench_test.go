package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newshound/newshound/model"
)

// BenchmarkIngestHistory measures what keeping the history costs an
// ingest: batches of 50 new silent items of farm-sized text, with and
// without their stories (a repeated sentence, and varied words), and the
// growth of the history per 10,000 stories.
//
//	go test -run XXX -bench IngestHistory -benchtime 200x -count 5 ./store/sqlite/
func BenchmarkIngestHistory(b *testing.B) {
	text := strings.Repeat("Officials said the ransomware affected the ministry and the energy grid on Monday. ", 3)
	// varied is a text of 40 words drawn from a vocabulary of 20,000, as
	// news has: the index's cost is per distinct word.
	rng := rand.New(rand.NewPCG(16, 10))
	varied := func() string {
		var b strings.Builder
		for i := range 40 {
			if i > 0 {
				b.WriteByte(' ')
			}
			for n := 1 + rng.IntN(20000); n > 0; n /= 26 {
				b.WriteByte(byte('a' + n%26))
			}
		}
		return b.String()
	}
	for _, run := range []struct {
		name       string
		keep, vary bool
	}{{"history=false", false, false}, {"history=true", true, false}, {"history=true,varied", true, true}} {
		keep := run.keep
		b.Run(run.name, func(b *testing.B) {
			db, err := Open(context.Background(), filepath.Join(b.TempDir(), "b.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			n := 0
			b.ResetTimer()
			for i := range b.N {
				items := make([]model.NewItem, 50)
				for j := range items {
					n++
					key := fmt.Sprintf("i%d", n)
					items[j] = model.NewItem{Key: key, LinkKey: "https://farm.example/" + key, TitleKey: key}
					if keep {
						items[j].Story = &model.Story{Title: "Sandworm hackers report " + key, Link: "https://farm.example/" + key, Text: text}
						if run.vary {
							items[j].Story.Text = varied()
						}
					}
				}
				if _, err := db.Ingest(ctx, model.FeedState{URL: fmt.Sprintf("http://f/%d", i%500), Initialized: true}, nil, items); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/item")
			if keep {
				st, err := db.HistoryStats(ctx)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(st.Bytes)/float64(st.Stories)*10000/(1<<20), "MB/10k-stories")
			}
		})
	}
}

// BenchmarkHistoryReindex measures what migration 0011 costs an open: the
// words of 50,000 stories kept before it (varied text) indexed by Open.
//
//	go test -run XXX -bench HistoryReindex -benchtime 1x -count 3 ./store/sqlite/
func BenchmarkHistoryReindex(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "r.db")
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(16, 11))
	const stories = 50000
	for f := range stories / 500 {
		items := make([]model.NewItem, 500)
		for j := range items {
			key := fmt.Sprintf("f%d-%d", f, j)
			var t strings.Builder
			for i := range 40 {
				if i > 0 {
					t.WriteByte(' ')
				}
				for n := 1 + rng.IntN(20000); n > 0; n /= 26 {
					t.WriteByte(byte('a' + n%26))
				}
			}
			items[j] = model.NewItem{Key: key, Story: &model.Story{Title: "Report " + key, Link: "https://farm.example/" + key, Text: t.String()}}
		}
		if _, err := db.Ingest(ctx, model.FeedState{URL: fmt.Sprintf("http://f/%d", f), Name: "Outlet", Initialized: true}, nil, items); err != nil {
			b.Fatal(err)
		}
	}
	db.Close()
	for b.Loop() {
		b.StopTimer()
		raw, err := Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		// As migration 0011 leaves a store: no story indexed, all below the bound.
		for _, q := range []string{`DELETE FROM history_words`, `INSERT INTO history_reindex (below) SELECT max(id) + 1 FROM history`} {
			if _, err := raw.w.ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		raw.Close()
		b.StartTimer()
		db, err := Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/stories, "µs/story")
}
