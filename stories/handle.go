package stories

import "time"

// Prepared is an item with its tokens extracted, for a caller that looks an
// item up and then indexes it: the extraction (folding, stopwords,
// stemming, hashing, Canon) is most of the cost of a decision, and the
// look-up and the insertion need the same tokens. Prepare once, then
// LookupPrepared and AddPrepared; the result is what Lookup then AddTo
// give for the item.
//
// A Prepared belongs to the Index that made it (its Canon made the
// tokens); the zero value has no tokens, so it finds no story and indexes
// nothing.
type Prepared struct {
	fs        features
	seen      time.Time // Item.Seen, or Published when zero: the index's clock
	published time.Time
}

// Prepare extracts the item's tokens with the index's options. It reads only
// the options, which never change, so it takes no lock: callers that
// serialise their decisions can prepare items outside that section.
func (ix *Index) Prepare(it Item) Prepared {
	p := Prepared{fs: ix.extract(it), seen: it.Seen, published: it.Published}
	if p.seen.IsZero() {
		p.seen = it.Published
	}
	return p
}

// LookupPrepared decides like Lookup, without changing the index: Story is
// zero when the item starts a new story, and Record is nil.
func (ix *Index) LookupPrepared(p Prepared) Result {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.lookup(p.fs, p.published)
}

// AddPrepared indexes p as a report of story, like AddTo: it advances the
// clock to the item's time, evicts what fell out of the window, and returns
// the record to persist (nil when nothing was indexed).
func (ix *Index) AddPrepared(p Prepared, story uint64) *Record {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	now := ix.tick(Item{Seen: p.seen})
	ix.evict(now - int64(ix.opts.Window/time.Second))
	if story >= ix.nextID {
		ix.nextID = story + 1
	}
	return ix.insert(story, now, unixOrZero(p.published), p.fs)
}
