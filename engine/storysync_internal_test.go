package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/newshound/newshound/model"
)

func recsAt(at time.Time, seqs ...int64) []model.StoryRecord {
	out := make([]model.StoryRecord, len(seqs))
	for i, q := range seqs {
		out[i] = model.StoryRecord{Seq: q, Seen: at}
	}
	return out
}

// A replica asks again for the seqs it found missing below the highest it
// read (ingests of other replicas still in flight), until they show or
// holeGrace passes; it never asks for what it read, nor for what lies below
// its first read.
func TestStoryCatchUpHoles(t *testing.T) {
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	want := func(c *storyCatchUp, when string, after int64, also ...int64) {
		t.Helper()
		a, got := c.query()
		if a != after || len(got)+len(also) > 0 && !slices.Equal(got, also) {
			t.Errorf("%s: query = %d, %v; want %d, %v", when, a, got, after, also)
		}
	}
	var c storyCatchUp
	old := recsAt(now.Add(-time.Hour), 1, 3)            // a gap this old is no ingest in flight
	c.opened(append(old, recsAt(now, 4, 6, 9)...), now) // ...but 5, 7 and 8 may be
	want(&c, "opened", 9, 5, 7, 8)

	c.read(recsAt(now, 5, 8, 12), now.Add(time.Second))
	want(&c, "5 and 8 committed, 12 new", 12, 7, 10, 11)

	c.read(nil, now.Add(holeGrace))
	want(&c, "nothing within the grace", 12, 7, 10, 11)
	c.read(recsAt(now, 11), now.Add(holeGrace+time.Second))
	want(&c, "past the grace of 7, 11 read", 12, 10)
	c.read(nil, now.Add(holeGrace+2*time.Second))
	want(&c, "past every grace", 12)

	var fresh storyCatchUp
	fresh.opened(nil, now) // an empty store at start
	fresh.read(recsAt(now, 5000), now)
	want(&fresh, "first read", 5000)
	fresh.read(recsAt(now, 5000+3*maxHoles), now)
	if _, also := fresh.query(); len(also) != maxHoles || also[0] != 5000+2*maxHoles {
		t.Errorf("a gap of %d: %d holes from %v, want the %d nearest", 3*maxHoles, len(also), also[:1], maxHoles)
	}
}
