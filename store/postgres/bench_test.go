package postgres

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/postgres/pgtest"
	"github.com/newshound/newshound/store/sqlite"
)

// BenchmarkOutbox measures alerts per second through the outbox on each
// backend: a parse of 100 new items with one alert each, then every alert
// read in delivery order and marked sent, as the dispatcher does.
//
//	NEWSHOUND_TEST_PG=... go test -run '^$' -bench Outbox -count 5 ./store/postgres/
func BenchmarkOutbox(b *testing.B) {
	backends := []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"sqlite", func(b *testing.B) store.Store {
			db, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			return db
		}},
		{"postgres", func(b *testing.B) store.Store {
			db, err := Open(b.Context(), pgtest.DSN(b))
			if err != nil {
				b.Fatal(err)
			}
			return db
		}},
	}
	const perOp = 100
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			defer s.Close()
			ctx := context.Background()
			dest := model.Destination("telegram:-100")
			seq := 0
			for b.Loop() {
				items := make([]model.NewItem, perOp)
				for i := range items {
					seq++
					k := fmt.Sprint(seq)
					items[i] = model.NewItem{Key: k, LinkKey: "https://n.example/" + k, TitleKey: "t" + k,
						Alerts: []model.Alert{{Destination: dest, Title: k}}}
				}
				if _, err := s.Ingest(ctx, model.FeedState{URL: "https://wire.example/rss", Initialized: true}, nil, items); err != nil {
					b.Fatal(err)
				}
				for sent := 0; sent < perOp; {
					as, err := s.NextAlerts(ctx, dest, farFuture, 20)
					if err != nil || len(as) == 0 {
						b.Fatalf("next alerts: %d, %v", len(as), err)
					}
					for _, a := range as {
						if err := s.MarkSent(ctx, a.ID); err != nil {
							b.Fatal(err)
						}
						sent++
					}
				}
			}
			b.ReportMetric(float64(b.N*perOp)/b.Elapsed().Seconds(), "alerts/s")
		})
	}
}

// farFuture is a "now" at which every queued alert is due.
var farFuture = mustTime("2100-01-01T00:00:00Z")

func mustTime(s string) (t time.Time) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
