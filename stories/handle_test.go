package stories

import (
	"bytes"
	"testing"
	"time"
)

// Prepare, LookupPrepared and AddPrepared decide and index exactly as
// Lookup and AddTo do, item for item: the same stories, scores and records,
// over a stream with later reports (reworded headlines), items from the
// past and items beyond the window.
func TestPreparedMatchesLookupAddTo(t *testing.T) {
	canon := func(name string) string {
		if name == "cozy bear" || name == "apt29" {
			return "apt29"
		}
		return ""
	}
	twice := NewIndex(Options{Window: 6 * time.Hour, Canon: canon})
	once := NewIndex(Options{Window: 6 * time.Hour, Canon: canon})
	s := newSynthetic(7)
	at := t0
	var items []Item
	for i := range 3000 {
		at = at.Add(17 * time.Second)
		it := s.item(at)
		switch {
		case i%5 == 1 && len(items) > 0: // a later report of an earlier item, reworded
			prev := items[len(items)-1-i%7%len(items)]
			it.Title, it.Summary = "UPDATE 2-"+prev.Title, prev.Summary
		case i%11 == 0:
			it.Title += " Cozy Bear"
		case i%13 == 0:
			it.Seen = time.Time{} // the feed's date stands in
		case i%17 == 0:
			it.Seen = at.Add(-time.Hour) // behind the index's clock
		}
		items = append(items, it)
	}
	var ids uint64 = 1000
	same := 0
	for i, it := range items {
		want := twice.Lookup(it)
		p := once.Prepare(it)
		got := once.LookupPrepared(p)
		if got != want {
			t.Fatalf("item %d: LookupPrepared = %+v, Lookup = %+v", i, got, want)
		}
		story := want.Story
		if !want.Same {
			ids++
			story = ids
		} else {
			same++
		}
		wr, gr := twice.AddTo(it, story), once.AddPrepared(p, story)
		if (wr == nil) != (gr == nil) || wr != nil && (wr.Story != gr.Story || !wr.Seen.Equal(gr.Seen) || !wr.Published.Equal(gr.Published) || !bytes.Equal(wr.Features, gr.Features)) {
			t.Fatalf("item %d: AddPrepared = %+v, AddTo = %+v", i, gr, wr)
		}
	}
	if same < 300 {
		t.Errorf("only %d later reports joined a story: the stream does not test the Same path", same)
	}
	if once.Len() != twice.Len() || once.Stories() != twice.Stories() {
		t.Errorf("indexes differ: %d reports of %d stories, want %d of %d", once.Len(), once.Stories(), twice.Len(), twice.Stories())
	}
	if got := once.LookupPrepared(Prepared{}); got != (Result{}) {
		t.Errorf("zero Prepared: %+v, want no story", got)
	}
	if rec := once.AddPrepared(Prepared{}, 1); rec != nil {
		t.Errorf("zero Prepared indexed %+v", rec)
	}
}

// BenchmarkDecide is the engine's per-item decision, look up then index,
// both ways: from the Item twice (Lookup, AddTo) and through Prepared
// (tokens once), over a window of 25,000 reports (a 500-feed farm's first
// cycle). BENCHMARKS.md, "Stories in the engine", has the figures.
func BenchmarkDecide(b *testing.B) {
	for _, way := range []string{"LookupAddTo", "Prepared"} {
		b.Run(way, func(b *testing.B) {
			s := newSynthetic(3)
			ix := NewIndex(Options{})
			at := fill(ix, s, 25_000)
			items := make([]Item, 4096)
			for i := range items {
				at = at.Add(time.Second)
				items[i] = s.item(at)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				it := items[i%len(items)]
				it.Seen = it.Seen.Add(time.Duration(i/len(items)) * 4096 * time.Second)
				if way == "Prepared" {
					p := ix.Prepare(it)
					res := ix.LookupPrepared(p)
					ix.AddPrepared(p, res.Story+1)
				} else {
					res := ix.Lookup(it)
					ix.AddTo(it, res.Story+1)
				}
			}
		})
	}
}
