package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newshound/newshound/model"
)

// BenchmarkIngestHistory measures what keeping the history costs an
// ingest: batches of 50 new silent items of farm-sized text, with and
// without their stories, and the growth of the history per 10,000 stories.
//
//	go test -run XXX -bench IngestHistory -benchtime 200x -count 5 ./store/sqlite/
func BenchmarkIngestHistory(b *testing.B) {
	text := strings.Repeat("Officials said the ransomware affected the ministry and the energy grid on Monday. ", 3)
	for _, keep := range []bool{false, true} {
		b.Run(fmt.Sprintf("history=%v", keep), func(b *testing.B) {
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
