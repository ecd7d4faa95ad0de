package postgres

import (
	"testing"
	"time"

	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/postgres/pgtest"
	"github.com/newshound/newshound/store/storetest"
)

// clocked is a *DB whose clock the conformance suite sets; the hook lives
// here so that DB itself has none.
type clocked struct{ *DB }

// SetClock implements storetest.Clocked.
func (c clocked) SetClock(now func() time.Time) { c.now = now }

func TestConformance(t *testing.T) {
	pgtest.Server(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := Open(t.Context(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		return clocked{db}
	})
}
