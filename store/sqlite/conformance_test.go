package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/store/storetest"
)

// clocked is a *DB whose clock the conformance suite sets; the hook lives
// here so that DB itself has none.
type clocked struct{ *DB }

// SetClock implements storetest.Clocked. The suite calls it before any
// other method, so no goroutine of the store reads db.now concurrently.
func (c clocked) SetClock(now func() time.Time) { c.now = now }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := Open(t.Context(), filepath.Join(t.TempDir(), "conformance.db"))
		if err != nil {
			t.Fatal(err)
		}
		return clocked{db}
	})
}
